"""The last run's consolidated result, kept so that a re-run whose inputs are all unchanged does no work.

Per-return caching (``pipeline.cache``) spares the reading, mapping and validation of a return that did not
change, but consolidation, publication and the report cost time in proportion to the cases, whatever changed:
measured at 25,351 cases, an unchanged re-run still took 54% of a cold run (bench/README.md). A weekly
scheduled run mostly finds nothing new, so the whole run is keyed too: one key over every return's process
fingerprint (its bytes, manifest, the pipeline's code and data, the review decisions, the gate), the run-level
findings, the folders given and the flow's own code. When the key matches the last run's, that run's
consolidation is reused as it was, ``published/`` is rewritten only if it no longer holds the bytes that run
wrote, and the report says which run it is unchanged since.

One entry is kept (the last run's), beside Prefect's own results, so it lives under the project's
``.prefect/`` and an emptied result store starts cold.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.returns import sha256_file

CACHE_FORMAT = 1
_ENTRY = "foi-last-run.pickle"


@dataclass
class CachedRun:
    key: str
    consolidation: object                    # pipeline.process.Consolidation
    output_digests: dict[str, str] = field(default_factory=dict)   # published file -> sha256
    format: int = CACHE_FORMAT


def cache_dir() -> Path:
    """Where Prefect keeps task results (``pipeline.prefect_env`` puts it in the project's .prefect/)."""
    configured = os.environ.get("PREFECT_RESULTS_LOCAL_STORAGE_PATH")
    if configured:
        return Path(configured)
    return Path(os.environ.get("PREFECT_HOME", ".prefect")) / "storage"


def inputs_key(process_fingerprints: list[str | None], run_findings: list, settings: dict[str, str | None],
               code: list[Path]) -> str | None:
    """One key over everything a run's outcome depends on; ``None`` when a return could not be fingerprinted
    (an unreadable file: the run then does the work, and its tasks report the error)."""
    if any(fingerprint is None for fingerprint in process_fingerprints):
        return None
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(process_fingerprints)).encode())
    digest.update(json.dumps([asdict(f) for f in run_findings], sort_keys=True, default=str).encode())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for path in code:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"run-{digest.hexdigest()[:40]}"


def load(key: str | None, directory: Path | None = None) -> CachedRun | None:
    """The last run's entry if it was made from exactly these inputs; anything unreadable is a miss."""
    if key is None:
        return None
    path = (directory or cache_dir()) / _ENTRY
    try:
        with path.open("rb") as handle:
            # the key first, on its own: a run whose inputs changed does not unpickle the last run's whole
            # consolidation to learn that (96 MB at 106,770 cases: 0.34 s)
            if pickle.load(handle) != (CACHE_FORMAT, key):
                return None
            entry = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(entry, CachedRun) or entry.format != CACHE_FORMAT or entry.key != key:
        return None
    return entry


def save(entry: CachedRun, directory: Path | None = None) -> None:
    """Replace the entry atomically: a run killed while saving leaves the previous entry or none."""
    directory = directory or cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    from pipeline.frames import chunk_pickler   # pandas and pyarrow: imported where a run has them loaded

    partial = directory / f"{_ENTRY}.partial"
    with partial.open("wb") as handle:
        pickle.dump((entry.format, entry.key), handle, protocol=pickle.HIGHEST_PROTOCOL)
        chunk_pickler(handle).dump(entry)     # the consolidation's columns as they lie, not copied to be saved
    os.replace(partial, directory / _ENTRY)


def output_digests(outputs: list[str]) -> dict[str, str]:
    return {output: sha256_file(Path(output)) for output in outputs if Path(output).is_file()}


def outputs_intact(digests: dict[str, str]) -> bool:
    """True when every file the cached run published is still there with the same bytes."""
    if not digests:
        return False
    try:
        return all(sha256_file(Path(output)) == digest for output, digest in digests.items())
    except OSError:
        return False
