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
``.prefect/`` and an emptied result store starts cold. The run's failures are saved as Arrow columns, not an
object each: pickling the scale corpus's 87,120 as objects built a memo and a reduce tuple per object, ~46 MB
at its peak, and left this process ~22 MB larger at the end of the run (bench/README.md, 2026-12-07).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from pipeline.returns import sha256_file

CACHE_FORMAT = 2                 # 2: the run's failures as columns (FailureColumns)
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
    return replace(entry, consolidation=_with_failures(
        entry.consolidation, lambda failures: failures.failures() if isinstance(failures, FailureColumns) else failures))


def save(entry: CachedRun, directory: Path | None = None) -> None:
    """Replace the entry atomically: a run killed while saving leaves the previous entry or none."""
    directory = directory or cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    from pipeline.frames import chunk_pickler   # pandas and pyarrow: imported where a run has them loaded

    partial = directory / f"{_ENTRY}.partial"
    with partial.open("wb") as handle:
        pickle.dump((entry.format, entry.key), handle, protocol=pickle.HIGHEST_PROTOCOL)
        # the consolidation's columns as they lie, not copied to be saved; its failures as columns
        chunk_pickler(handle).dump(replace(entry, consolidation=_with_failures(entry.consolidation,
                                                                               FailureColumns.of)))
    os.replace(partial, directory / _ENTRY)
    from pipeline.memory import release_freed_memory

    release_freed_memory()                    # the columns made to be saved: freed, handed back


class FailureColumns:
    """A run's failures as one Arrow text column per field of ``Failure``, in their order."""

    def __init__(self, columns: dict) -> None:
        self.columns = columns

    @classmethod
    def of(cls, failures: list) -> FailureColumns | list:
        names = [f.name for f in fields(failures[0])]
        if any(type(getattr(failure, name)) is not str for failure in failures for name in names):
            return failures                      # a field that is not text: kept as it was
        return cls({name: _dictionary_column([getattr(failure, name) for failure in failures]) for name in names})

    def failures(self) -> list:
        from pipeline.frames import shared_texts
        from pipeline.records import Failure

        return [Failure(*row) for row in zip(*(shared_texts(self.columns[f.name]) for f in fields(Failure)))]


def _dictionary_column(texts: list[str]):
    """Texts as an Arrow dictionary column, each distinct text once: a file name, locator or code repeated per
    failure is saved once, and only the distinct texts are copied into Arrow."""
    import numpy as np
    import pyarrow as pa

    position: dict[str, int] = {}
    indices = np.fromiter((position.setdefault(text, len(position)) for text in texts), dtype=np.int32,
                          count=len(texts))
    return pa.DictionaryArray.from_arrays(pa.array(indices), pa.array(list(position), pa.string()))


def _with_failures(consolidation: object, convert) -> object:
    """The consolidation with its run's failures converted (a copy); anything else as it is."""
    run = getattr(consolidation, "run", None)
    failures = getattr(run, "failures", None)
    if not failures or not hasattr(consolidation, "__dataclass_fields__"):
        return consolidation
    return replace(consolidation, run=replace(run, failures=convert(failures)))


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
