"""How the per-return tasks' results are stored: pickled, then compressed, then base64.

Prefect stores a result as JSON holding the pickle in base64, and builds that text in memory: the base64, the
JSON string and its encoded bytes, each a third bigger than the pickle. Measured on the scale corpus's largest
return (Metropolitan, 19,941 rows; 2026-12-07, bench/README.md): its extraction's record was 13.3 MiB and
writing it took ~57 MiB more (traced) on top of the rows; its outcome's 15.2 MiB and ~65 MiB more. Compressed
before the base64, the records are 2.2 and 1.3 MiB, written with ~33 and ~14 MiB more (the pickling itself),
in about half the time, and read back in a fifth to a third of it.
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
