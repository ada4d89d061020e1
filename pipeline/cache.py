"""Content fingerprints for caching the extraction of a return across runs.

Prefect's ``INPUTS`` policy would hash the *path* of a return, so a changed file at the same path would
return stale rows. The key here hashes what extraction depends on: the bytes of every file in the
return, its return.yaml, and the code and data that read files (extractors, header synonyms, letter
wordings, limits). Mapping and validation are cached under their own key (``process_fingerprint``), which adds every file of
the pipeline and schemas/ (vocabulary, gate) and the review decisions: a vocabulary edit or a review decision
re-runs them, never the extraction. Measured on 25,351 cases (bench/flow_bench.py --scale 0.25), they were
~38 s of thread time of an unchanged re-run, not the cheap step they look like on the sample corpus.
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


@lru_cache(maxsize=8192)
def _file_digest_at(path: str, size: int, mtime_ns: int, inode: int) -> str:
    return sha256_file(Path(path))


def _content_digest(path: Path) -> str:
    """A file's sha256, hashed once per run however many keys ask for it (the run key, then each task's):
    remembered by path, size, modification time and inode, so a file rewritten in place is hashed again."""
    stat = path.stat()
    return _file_digest_at(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)


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
            digest.update(_content_digest(path).encode())
        except OSError:
            return None
    digest.update(folder.manifest_sha256.encode())
    digest.update(extraction_version().encode())
    return f"extract-{folder.force_id}-{digest.hexdigest()[:32]}"


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """One hash over every file of the pipeline package and schemas/ (code, vocabulary, gate, forces list)."""
    digest = hashlib.sha256()
    for root in (_PACKAGE_ROOT, _SCHEMAS_ROOT):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def optional_file_digest(path: str | Path | None) -> str:
    """The sha256 of an optional input (review decisions, a gate): "none" when not given, "missing" when absent."""
    if not path:
        return "none"
    try:
        return sha256_file(Path(path))
    except FileNotFoundError:
        return "missing"


def process_fingerprint(folder: ReturnFolder, review_path: str | None, gate_path: str | None) -> str | None:
    """Key of a return's mapping and validation: its extraction's inputs, all the pipeline's code and data
    (vocabulary, gate, schemas), the review decisions file and the gate file given. ``None`` when unreadable."""
    extraction = return_fingerprint(folder)
    if extraction is None:
        return None
    try:
        review, gate = optional_file_digest(review_path), optional_file_digest(gate_path)
    except OSError:
        return None
    digest = hashlib.sha256("\n".join([extraction, pipeline_version(), review, gate]).encode())
    return f"process-{folder.force_id}-{digest.hexdigest()[:32]}"
