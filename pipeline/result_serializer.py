"""How the per-return tasks' results are stored: pickled, then compressed, then base64.

Prefect stores a result as JSON holding the pickle in base64, and builds that text in memory: the base64, the
JSON string and its encoded bytes, each a third bigger than the pickle. Measured on the scale corpus's largest
return (Metropolitan, 19,941 rows; 2026-12-07, bench/README.md): its extraction's record was 13.3 MiB and
writing it took ~57 MiB more (traced) on top of the rows; its outcome's 15.2 MiB and ~65 MiB more. Compressed
before the base64, the records are 2.2 and 1.3 MiB, written with ~33 and ~14 MiB more (the pickling itself),
in about half the time, and read back in a fifth to a third of it.

The pickle is compressed as it is written and inflated as it is read, a frame at a time, so the whole pickle
(13.3 MiB for that extraction) is never held in memory beside its objects. The stored bytes are the same as
compressing the whole pickle at once: zlib's stream does not depend on how its input is cut.
"""

from __future__ import annotations

import base64
import io
import pickle
import zlib
from typing import Any

import cloudpickle
from prefect.serializers import Serializer
from pydantic import Field

LEVEL = 1   # zlib's fastest; level 6 took 3-6x as long (0.16 s against 0.05 s) to compress 16-26% smaller
CHUNK = 1 << 16   # compressed bytes inflated at a time when reading back; a pickle frame is 64 KiB too


class _Deflating(io.RawIOBase):
    """A file the pickler writes to: it keeps only the compressed stream."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(LEVEL)
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._parts.append(self._compressor.compress(data))
        return len(data)

    def compressed(self) -> bytes:
        self._parts.append(self._compressor.flush())
        return b"".join(self._parts)


class _Inflating(io.RawIOBase):
    """A file the unpickler reads from: the compressed bytes, inflated a chunk at a time as it reads."""

    def __init__(self, compressed: bytes) -> None:
        self._source = memoryview(compressed)
        self._offset = 0
        self._decompressor = zlib.decompressobj()
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def _inflate(self) -> bytes:
        """The next inflated bytes: b"" only at the end of the stream."""
        while True:
            if self._decompressor.unconsumed_tail:
                data = self._decompressor.decompress(self._decompressor.unconsumed_tail, CHUNK)
            elif self._offset < len(self._source):
                data = self._decompressor.decompress(self._source[self._offset:self._offset + CHUNK], CHUNK)
                self._offset += CHUNK
            else:
                return self._decompressor.flush()
            if data:
                return data

    def readinto(self, buffer) -> int:
        if not self._pending:
            self._pending = memoryview(self._inflate())
        taken = min(len(buffer), len(self._pending))
        buffer[:taken] = self._pending[:taken]
        self._pending = self._pending[taken:]
        return taken


class CompressedPickle(Serializer):
    """cloudpickle, zlib, base64: Prefect's pickle serializer with the compression before the base64.

    Registered with Prefect under its ``type`` when this module is imported (flows.py imports it), so that a
    stored record names it and is read back with it."""

    type: str = Field(default="foi-zlib-pickle", frozen=True)

    def dumps(self, obj: Any) -> bytes:
        sink = _Deflating()
        cloudpickle.dump(obj, sink)
        return base64.b64encode(sink.compressed())

    def loads(self, blob: bytes) -> Any:
        return pickle.load(io.BufferedReader(_Inflating(base64.b64decode(blob)), CHUNK))
