"""How the per-return tasks' results are stored: pickled, then compressed, then base64.

Prefect stores a result as JSON holding the pickle in base64, and builds that text in memory: the base64, the
JSON string and its encoded bytes, each a third bigger than the pickle. Measured on the scale corpus's largest
return (Metropolitan, 19,941 rows; 2026-12-07, bench/README.md): its extraction's record was 13.3 MiB and
writing it took ~57 MiB more (traced) on top of the rows; its outcome's 15.2 MiB and ~65 MiB more. Compressed
before the base64, the records are 2.2 and 1.3 MiB, written with ~33 and ~14 MiB more (the pickling itself),
in about half the time, and read back in a fifth to a third of it.

The pickle is held whole while it is compressed and while it is read back. Streaming it a frame at a time
through ``zlib.compressobj``/``decompressobj`` was tried (2026-12-08): traced, the store took 17.3 -> 12.8 MiB
and the load 46.5 -> 39.5 MiB on Metropolitan's extraction, but over six alternated cold runs of the scale
corpus `foi run`'s own peak RSS rose in every pair (mean +12.9 MB; 439 -> 452 MB), so it was not kept.
"""

from __future__ import annotations

import base64
import pickle
import zlib
from typing import Any

import cloudpickle
from prefect.serializers import Serializer
from pydantic import Field

LEVEL = 1   # zlib's fastest; level 6 took 3-6x as long (0.16 s against 0.05 s) to compress 16-26% smaller


class CompressedPickle(Serializer):
    """cloudpickle, zlib, base64: Prefect's pickle serializer with the compression before the base64.

    Registered with Prefect under its ``type`` when this module is imported (flows.py imports it), so that a
    stored record names it and is read back with it."""

    type: str = Field(default="foi-zlib-pickle", frozen=True)

    def dumps(self, obj: Any) -> bytes:
        return base64.b64encode(zlib.compress(cloudpickle.dumps(obj), LEVEL))

    def loads(self, blob: bytes) -> Any:
        return pickle.loads(zlib.decompress(base64.b64decode(blob)))
