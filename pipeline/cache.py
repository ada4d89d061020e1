"""Content fingerprints for caching the extraction of a return across runs.

Prefect's ``INPUTS`` policy would hash the *path* of a return, so a changed file at the same path would
return stale rows. The key here hashes what extraction depends on: the bytes of every file in the
return, its return.yaml, and the code and data that read files (extractors, header synonyms, letter
wordings, limits). Mapping and validation are not cached: they are cheap (each distinct text is
mapped once), so a vocabulary edit or a review decision never forces a re-extraction.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from pipeline.returns import ReturnFolder, sha256_file

_PACKAGE_ROOT = Path(__file__).resolve().parent
_SCHEMAS_ROOT = _PACKAGE_ROOT.parent / "schemas"


# What extraction reads besides the return itself. The vocabulary (schemas/vocabulary/) is left out on
# purpose: it only matters after extraction.
_EXTRACTION_SOURCES = (
    _PACKAGE_ROOT / "extract",
    _PACKAGE_ROOT / "records.py",
    _PACKAGE_ROOT / "returns.py",
    _PACKAGE_ROOT / "guard.py",
    _SCHEMAS_ROOT,
)


def _source_files() -> list[Path]:
    files: list[Path] = []
    for source in _EXTRACTION_SOURCES:
        if source.is_file():
            files.append(source)
        elif source == _SCHEMAS_ROOT and source.is_dir():
            files += [p for p in source.glob("*.yaml")]
        elif source.is_dir():
            files += [p for p in source.rglob("*.py") if "__pycache__" not in p.parts]
    return sorted(files)


@lru_cache(maxsize=1)
def extraction_version() -> str:
    """One hash over the code and data that turn a file into extracted rows."""
    digest = hashlib.sha256()
    for path in _source_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def return_fingerprint(folder: ReturnFolder) -> str | None:
    """Changes when any input of a return's extraction changes, and only then.

    ``None`` (no caching this time) when a file cannot be read: the task then meets the same ``OSError``
    itself, where its retries apply, instead of Prefect logging a traceback for the cache key.
    """
    digest = hashlib.sha256()
    digest.update(folder.force_id.encode())
    for path in folder.files:
        digest.update(path.name.encode())
        try:
            digest.update(sha256_file(path).encode())
        except OSError:
            return None
    digest.update(folder.manifest_sha256.encode())
    digest.update(extraction_version().encode())
    return f"extract-{folder.force_id}-{digest.hexdigest()[:32]}"
