"""Prefect wiring of the consolidation flow. No logic lives here: every step is a pipeline function.

One task per force return (extract, map, validate), then consolidate, validate the whole, publish and
report. ``python flows.py`` runs the same flow as ``foi run``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import sys
from pathlib import Path

from pipeline import prefect_env

prefect_env.configure()

from prefect import flow, task  # noqa: E402
from prefect.context import FlowRunContext  # noqa: E402
from prefect.filesystems import LocalFileSystem  # noqa: E402
from prefect.results import get_result_store  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402
from prefect.utilities.annotations import opaque  # noqa: E402

from pipeline import memory, progress, run_cache, workers  # noqa: E402
from pipeline.aside import Aside  # noqa: E402
from pipeline.cache import process_fingerprint, return_fingerprint  # noqa: E402
from pipeline.process import (  # noqa: E402
    Consolidation,
    ForceOutcome,
    review_findings,
    consolidate,
    extract_return,
    join_returns,
    process_return,
    unreadable_outcome,
)
from pipeline.publish import discard, published_paths, stage_outputs, swap_in  # noqa: E402
from pipeline.records import FileExtraction  # noqa: E402
from pipeline.report import prefect_artifacts, update_latest, write_report  # noqa: E402
from pipeline.result_serializer import CompressedPickle  # noqa: E402
from pipeline.returns import ReturnFolder, discover_returns  # noqa: E402
from pipeline.validate import load_gate  # noqa: E402
from pipeline.vocabulary import load_vocabulary, write_review_file  # noqa: E402

MAX_WORKERS = 4  # Prefect's thread pool is unbounded by default; returns are CPU-bound parsing
EXTRACT_AHEAD = MAX_WORKERS - 1  # returns being read at once; the pool's last thread maps what has been read


def _retry_on_io_error(task, task_run, state) -> bool:
    """Retry a flaky read (a network share, a file still being copied); never a file that is just bad."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # noqa: BLE001 - anything else will fail the same way again
        return False
    return False


@task(name="extract-return", task_run_name="extract-{folder.force.force_id}",
      cache_key_fn=lambda context, parameters: return_fingerprint(parameters["folder"]),
      persist_result=True, cache_result_in_memory=False, result_serializer=CompressedPickle(),
      retries=2, retry_delay_seconds=[1, 4], retry_condition_fn=_retry_on_io_error)
def extract_return_task(folder: ReturnFolder) -> list[FileExtraction]:
    return extract_return(folder)


@task(name="process-return", task_run_name="process-{folder.force.force_id}",
      cache_key_fn=lambda context, parameters: process_fingerprint(
          parameters["folder"], parameters["review_path"], parameters.get("gate_path")),
      persist_result=True, cache_result_in_memory=False, result_serializer=CompressedPickle())
def process_return_task(folder: ReturnFolder, extractions: list[FileExtraction] | None,
                        review_path: str | None, gate_path: str | None = None) -> ForceOutcome:
    extracted = None
    if extractions is None:             # submitted without its extraction, its result looked stored: it was not
        extracted = extract_return_task(folder, return_state=True)
        extractions = extracted.result()
    vocabulary = load_vocabulary(Path(review_path) if review_path else None)
    outcome = process_return(folder, extractions, vocabulary, load_gate(Path(gate_path) if gate_path else None))
    if extracted is not None:
        outcome.summary.extraction = "cached" if extracted.name == "Cached" else "fresh"
    return outcome


def make_task_runner(kind: str = "thread", dask_address: str | None = None, max_workers: int = MAX_WORKERS):
    if kind == "thread":
        return ThreadPoolTaskRunner(max_workers=max_workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        # ":0": distributed serves HTTP even with the dashboard off (None still binds 8787, clashing between runs)
        return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": ":0", "preload": ["pipeline.dask_worker"]})
    raise ValueError(f"unknown task runner '{kind}': use thread or dask")


def _process_returns(folders: list[ReturnFolder], review_path: str | None,
                     gate_path: str | None) -> list[ForceOutcome]:
    """One extract task and one process task per return; each force's outcome as soon as it is ready.

    Extraction runs only ``EXTRACT_AHEAD`` returns ahead, and a return's process task is submitted the moment its
    extraction ends, so this process maps and validates one return while the guard workers read the next. With
    every extraction queued at once (``.map``) the FIFO pool ran all of them before any mapping: this process
    sat idle while files were read, then mapped all 40 returns on one core while the other idled.
    """
    finished: queue.SimpleQueue = queue.SimpleQueue()
    # largest first: a big return started last would be read alone at the end while the other core idles
    order = sorted(range(len(folders)), key=lambda i: -folders[i].total_bytes)
    stored = {i for i in order if _stored(process_fingerprint(folders[i], review_path, gate_path))}
    waiting = iter([i for i in order if i not in stored])
    extracting: dict[object, int] = {}
    processing: dict[object, int] = {}
    extraction: dict[int, str | None] = {}     # "cached" or "fresh", per return; None: asked of its process task
    outcomes: list[ForceOutcome] = []

    def extract_next() -> None:
        i = next(waiting, None)
        if i is not None:
            future = extract_return_task.submit(folders[i])
            extracting[future] = i
            future.add_done_callback(finished.put)

    for _ in range(EXTRACT_AHEAD):
        extract_next()
    for i in (i for i in order if i in stored):   # nothing to read: its mapped outcome is loaded, not its rows
        processed = process_return_task.submit(folders[i], None, review_path, gate_path)
        processing[processed] = i
        extraction[i] = None
        processed.add_done_callback(finished.put)
    while extracting or processing:
        future = finished.get()
        future.wait()                   # done: this sets its final state, which .state would ask the API for
        if future in extracting:
            i = extracting.pop(future)
            extract_next()
            if future.state.is_failed() or future.state.is_crashed():
                error = future.result(raise_on_failure=False)
                if not isinstance(error, BaseException):
                    error = RuntimeError(future.state.message)
                outcomes.append(_failed_outcome(folders[i], error))
                continue
            processed = process_return_task.submit(folders[i], _untraversed(future), review_path, gate_path)
            processing[processed] = i
            extraction[i] = "cached" if future.state.name == "Cached" else "fresh"
            processed.add_done_callback(finished.put)
            continue
        i = processing.pop(future)
        try:
            result = future.result(raise_on_failure=False)
        except Exception as error:  # noqa: BLE001 - an unfinished run: reported as that force's failure
            result = error
        if isinstance(result, ForceOutcome):
            if extraction[i] is not None or future.state.name == "Cached":
                result.summary.extraction = extraction[i] or "cached"
            outcomes.append(result)
            _advance(result.summary)
            memory.release_freed_memory()   # what mapping it freed, before the next return
        else:
            outcomes.append(_failed_outcome(folders[i], result))
    workers.close_idle()                # every file is read: the parsing processes' memory is not needed
    return outcomes


def _failed_outcome(folder: ReturnFolder, error: BaseException) -> ForceOutcome:
    outcome = unreadable_outcome(folder, f"{type(error).__name__}: {error}")
    _advance(outcome.summary)
    return outcome


def _untraversed(future):
    """On the thread runner, ``opaque``: Prefect resolves the extraction future but does not walk every row
    of its result looking for nested futures (~6 s of CPU at 25,000 cases, growing with the rows). Dask
    resolves a task's inputs itself, and an opaque one reached the task in the wrong shape ("'list' object
    has no attribute 'rows'" in prefect-dask 0.3.x): left as is there."""
    runner = FlowRunContext.get().task_runner
    return opaque(future) if isinstance(runner, ThreadPoolTaskRunner) else future


def _stored(key: str | None) -> bool:
    """Whether a process task's result is stored under ``key`` in local result storage: a file check, no read.

    Prefect's cache lookup reads and unpickles the whole record: submitted anyway, the extraction of a return
    whose mapped outcome is cached was loaded and never used (the 39 unchanged returns of the scale corpus:
    76 MB of records, ~0.9 s of CPU). For other storage, or when unsure, False: the return goes through its
    extract task as before. A record that is there but unusable costs nothing wrong: the process task then
    extracts the return itself."""
    if key is None:
        return False
    store = get_result_store().update_for_task(process_return_task)
    storage = store.result_storage
    if not isinstance(storage, LocalFileSystem) or store.metadata_storage is not None:
        return False
    return (Path(storage.basepath or ".").expanduser().resolve() / key).is_file()


def _discard_staged(staging: Aside) -> None:
    """Wait for the staging child, then remove what it wrote; whatever became of it, nothing is raised."""
    with contextlib.suppress(Exception):
        discard(staging.result())


def _unchanged_run(cached: run_cache.CachedRun, run_id: str, started_at: dt.datetime) -> Consolidation:
    """The last run's consolidation, as this run's: nothing read, mapped or validated again."""
    result = cached.consolidation
    run = result.run
    run.unchanged_since = run.unchanged_since or run.run_id
    run.run_id, run.started_at = run_id, started_at.isoformat(timespec="seconds")
    run.finished_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    for summary in run.forces:
        summary.extraction = "cached"
        _advance(summary)
    return result


def _advance(summary) -> None:
    cases = "" if summary.cases is None else f", {summary.cases} cases"
    progress.advance(f"{summary.force_id}: {summary.response_status}{cases}")


@flow(name="foi-consolidate", task_runner=ThreadPoolTaskRunner(max_workers=MAX_WORKERS))
def consolidate_returns(raw_dir: str = "raw", out_dir: str = "published", reports_dir: str = "reports",
                        review_path: str | None = "review/decisions.csv", gate_path: str | None = None) -> dict:
    """Every force's return in raw/ to one validated, published dataset and an audit report."""
    started_at = dt.datetime.now(dt.timezone.utc)
    run_id = started_at.strftime("%Y%m%dT%H%M%S%fZ")
    folders, run_findings = discover_returns(Path(raw_dir))
    run_findings += review_findings(review_path)
    gate = load_gate(Path(gate_path) if gate_path else None)
    key = run_cache.inputs_key(
        [process_fingerprint(folder, review_path, gate_path) for folder in folders], run_findings,
        {"raw_dir": raw_dir, "out_dir": out_dir, "review_path": review_path, "gate_path": gate_path},
        [Path(__file__)])
    cached = run_cache.load(key)
    # the outputs, written into a staging folder on the other core while this process checks the whole and
    # writes the report; swapped in only if the gate allows, and `latest` moves once both are done
    staging = None
    if cached is not None:
        result = _unchanged_run(cached, run_id, started_at)
    else:
        outcomes = _process_returns(folders, review_path, gate_path)
        joined = join_returns(outcomes)
        staging = Aside(stage_outputs, joined.cases, joined.forces, Path(out_dir), counts=joined.counts)
        try:
            result = consolidate(outcomes, run_findings, run_id=run_id,
                                 started_at=started_at.isoformat(timespec="seconds"),
                                 raw_dir=Path(raw_dir), published_dir=Path(out_dir), gate=gate, joined=joined)
        except BaseException:
            _discard_staged(staging)    # the error to raise is this one, not the staging's
            raise
        del outcomes, joined            # the returns' case frames: only the joined tables are needed now
        memory.release_freed_memory()
    if result.run.published:
        if staging is None and run_cache.outputs_intact(cached.output_digests):
            result.run.outputs = list(cached.output_digests)
        else:
            staging = staging or Aside(stage_outputs, result.cases, result.forces, Path(out_dir),
                                       counts=result.counts)
            result.run.outputs = [str(p) for p in published_paths(Path(out_dir), result.counts is not None)]
    if review_path:
        write_review_file(result.run.review_queue, Path(review_path))
    run_dir = write_report(result.run, result.cases, Path(reports_dir), quarantined=result.quarantined, gate=gate,
                           move_latest=staging is None)
    if staging is not None:
        if result.run.published:
            written = [str(p) for p in swap_in(staging.result(), Path(out_dir))]
            if written != result.run.outputs:
                raise RuntimeError(f"publish wrote {written}, not the {result.run.outputs} its report names")
        else:
            _discard_staged(staging)    # withheld: the last publication stays as it was
        update_latest(Path(reports_dir), result.run.run_id)
    if key is not None and cached is None:
        run_cache.save(run_cache.CachedRun(key, result, run_cache.output_digests(result.run.outputs)))
    prefect_artifacts(result.run)
    statuses = result.forces["response_status"].value_counts().sort_index().to_dict()
    return {
        "published": result.run.published,
        "withheld_reasons": result.run.withheld_reasons,
        "run_id": run_id,
        "report": str(run_dir / "index.html"),
        "out_dir": out_dir,
        "cases": int(len(result.cases)),
        "counted": int(result.forces.loc[result.forces["grain"].isin(["count", "prose"]), "cases"].sum()),
        "total": int(result.forces["cases"].sum()),
        "unchanged_since": result.run.unchanged_since,
        "quarantined": int(len(result.quarantined)),
        "statuses": {k: int(v) for k, v in statuses.items()},
        "errors": sum(1 for f in result.run.findings if f.severity == "error")
        + sum(1 for s in result.run.forces for f in s.findings if f.severity == "error"),
    }


if __name__ == "__main__":
    from pipeline.cli import main

    sys.exit(main(["run", *sys.argv[1:]]))
