"""Incremental runs: a force's extraction is cached on its return's content, and only a changed return is read again;
its mapping and validation are cached too, until the return, the pipeline's code and data, the review decisions
or the gate change; and a run whose inputs are all unchanged reuses the last run's result whole (no task runs).

Asserted from the run's own record (validation.json ``forces[].extraction``), never from timings. Five forces
keep the runs short: a CSV return, an XLSX + PDF return with a return.yaml, a PDF, a DOCX and a refusal.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import RAW

pytestmark = pytest.mark.slow

FORCES = ("sussex", "metropolitan", "durham", "northumbria", "essex")
SUSSEX_CSV = "Sussex FOI 1234-14.csv"


def run_flow(base: Path) -> dict:
    import flows

    outcome = flows.consolidate_returns(raw_dir=str(base / "raw"), out_dir=str(base / "published"),
                                        reports_dir=str(base / "reports"), review_path=None)
    report = json.loads((Path(outcome["report"]).parent / "validation.json").read_text(encoding="utf-8"))
    return {f["force_id"]: f.get("extraction") for f in report["forces"] if f["source_files"]}


def published_breach_texts(base: Path, force_id: str) -> list[str]:
    with (base / "published" / "cases.csv").open(encoding="utf-8", newline="") as handle:
        return [row["breach_text"] for row in csv.DictReader(handle) if row["force_id"] == force_id]


def _edit_sussex_csv(raw: Path, marker: str) -> None:
    """A force re-sends its CSV with one case reworded (same name, same path, different bytes)."""
    path = raw / "sussex" / SUSSEX_CSV
    text = path.read_bytes().decode("cp1252")
    path.write_bytes(text.replace("Posted photographs of a crime scene on Facebook",
                                  f"Posted photographs of a crime scene on Facebook ({marker})", 1).encode("cp1252"))


def _edit_metropolitan_manifest(raw: Path, marker: str) -> None:
    path = raw / "metropolitan" / "return.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"# re-sent: {marker}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(prefect_server, tmp_path_factory):
    """Five forces of the sample corpus, run once so every extraction is in the cache."""
    base = tmp_path_factory.mktemp("incremental")
    for force_id in FORCES:
        shutil.copytree(RAW / force_id, base / "raw" / force_id)
    first = run_flow(base)
    return base, first


def test_every_force_with_files_has_its_extraction_recorded(corpus):
    _, first = corpus
    assert sorted(first) == sorted(FORCES)
    assert set(first.values()) <= {"fresh", "cached"}


def test_the_stored_results_are_compressed_records_that_read_back_as_the_tasks_returned_them(corpus):
    import os

    from prefect._internal.result_records import ResultRecord

    from pipeline.process import ForceOutcome
    from pipeline.records import FileExtraction

    storage = Path(os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"])
    extract_records = sorted(storage.glob("extract-sussex-*"))
    process_records = sorted(storage.glob("process-sussex-*"))
    assert extract_records and process_records
    extraction = ResultRecord.deserialize(extract_records[0].read_bytes())
    outcome = ResultRecord.deserialize(process_records[0].read_bytes())
    assert extraction.metadata.serializer.type == outcome.metadata.serializer.type == "foi-zlib-pickle"
    assert [type(item) for item in extraction.result] == [FileExtraction]
    assert isinstance(outcome.result, ForceOutcome) and outcome.result.summary.force_id == "sussex"


def test_unchanged_rerun_extracts_nothing(corpus):
    base, _ = corpus
    assert run_flow(base) == {force_id: "cached" for force_id in FORCES}


@pytest.mark.parametrize("edit, changed_force", [
    (_edit_sussex_csv, "sussex"),
    (_edit_metropolitan_manifest, "metropolitan"),
], ids=["file-bytes", "return-yaml"])
def test_only_the_changed_return_is_extracted_again(corpus, edit, changed_force):
    base, _ = corpus
    edit(base / "raw", uuid.uuid4().hex)
    expected = {force_id: "cached" for force_id in FORCES} | {changed_force: "fresh"}
    assert run_flow(base) == expected
    assert run_flow(base) == {force_id: "cached" for force_id in FORCES}


def test_a_changed_file_at_the_same_path_publishes_its_new_rows_not_stale_ones(corpus):
    base, _ = corpus
    marker = uuid.uuid4().hex
    _edit_sussex_csv(base / "raw", marker)
    assert run_flow(base)["sussex"] == "fresh"
    texts = published_breach_texts(base, "sussex")
    assert f"Posted photographs of a crime scene on Facebook ({marker})" in texts[0]
    assert len(texts) == 28


def _task_states(base: Path, gate: Path | None = None, expected: int = 2 * len(FORCES),
                 wait: float = 30) -> tuple[dict, dict[str, str]]:
    """One run's outcome, and 'extract-<force>' / 'process-<force>' -> final state name of its task runs, read
    back from Prefect's API (waiting up to ``wait`` seconds for ``expected`` of them)."""
    import flows
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    state = flows.consolidate_returns(raw_dir=str(base / "raw"), out_dir=str(base / "published"),
                                      reports_dir=str(base / "reports"), review_path=None,
                                      gate_path=str(gate) if gate else None, return_state=True)
    flow_run_id = state.state_details.flow_run_id
    deadline = time.monotonic() + wait  # task runs reach the API as events, written a moment later
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            states = {run.name: run.state.name for run in runs
                      if run.name.split("-", 1)[1] in FORCES and run.state and run.state.is_final()}
            if len(states) >= expected or time.monotonic() > deadline:
                return state.result(), states
            time.sleep(0.5)


def test_an_unchanged_rerun_runs_no_task_and_names_the_run_it_reuses(corpus):
    base, _ = corpus
    run_flow(base)
    previous = json.loads((base / "reports" / "latest" / "validation.json").read_text(encoding="utf-8"))
    before = {name: (base / "published" / name).read_bytes() for name in ("cases.csv", "forces.csv")}
    outcome, states = _task_states(base, expected=1, wait=5)
    assert states == {}
    report = json.loads((Path(outcome["report"]).parent / "validation.json").read_text(encoding="utf-8"))
    assert report["run"]["unchanged_since"] == (previous["run"]["unchanged_since"] or previous["run"]["run_id"])
    assert report["run"]["run_id"] != previous["run"]["run_id"]
    assert {f["force_id"]: f["extraction"] for f in report["forces"] if f["source_files"]} == {
        force_id: "cached" for force_id in FORCES}
    assert {name: (base / "published" / name).read_bytes() for name in before} == before
    page = Path(outcome["report"]).read_text(encoding="utf-8")
    assert f"Nothing changed since run <code>{report['run']['unchanged_since']}</code>" in page


def test_a_deleted_publication_is_written_again_by_an_unchanged_rerun(corpus):
    base, _ = corpus
    run_flow(base)
    expected = (base / "published" / "cases.csv").read_bytes()
    shutil.rmtree(base / "published")
    outcome, _ = _task_states(base, expected=1, wait=0)
    assert outcome["unchanged_since"]
    assert (base / "published" / "cases.csv").read_bytes() == expected


def test_mapping_and_validation_run_again_when_the_gate_changes_and_extraction_stays_cached(corpus):
    from tests.conftest import ROOT

    base, _ = corpus
    gate = base / "gate.yaml"  # the same gate with one more comment: a different gate file to the cache
    gate.write_text((ROOT / "schemas" / "gate.yaml").read_text(encoding="utf-8") + f"# {uuid.uuid4().hex}\n",
                    encoding="utf-8")
    outcome, changed_gate = _task_states(base, gate)
    assert outcome["unchanged_since"] is None
    assert {name: state for name, state in changed_gate.items() if name.startswith("extract-")} == {
        f"extract-{force_id}": "Cached" for force_id in FORCES}
    assert {name: state for name, state in changed_gate.items() if name.startswith("process-")} == {
        f"process-{force_id}": "Completed" for force_id in FORCES}


def test_a_changed_return_is_the_only_one_whose_extraction_is_even_looked_up(corpus):
    """The others' mapped outcomes are cached: their extraction records are not read (Prefect's cache lookup
    would unpickle each one), so the run's records hold an extract task for the changed force alone."""
    base, _ = corpus
    _edit_sussex_csv(base / "raw", uuid.uuid4().hex)
    outcome, states = _task_states(base, expected=len(FORCES) + 1)
    assert {name: state for name, state in states.items() if name.startswith("extract-")} == {
        "extract-sussex": "Completed"}
    assert {name: state for name, state in states.items() if name.startswith("process-")} == {
        f"process-{force_id}": "Completed" if force_id == "sussex" else "Cached" for force_id in FORCES}
    report = json.loads((Path(outcome["report"]).parent / "validation.json").read_text(encoding="utf-8"))
    assert {f["force_id"]: f["extraction"] for f in report["forces"] if f["source_files"]} == {
        force_id: "fresh" if force_id == "sussex" else "cached" for force_id in FORCES}


def test_a_stored_outcome_that_cannot_be_read_is_mapped_again_from_its_extraction(corpus):
    import os

    base, _ = corpus
    before = published_breach_texts(base, "durham")
    storage = Path(os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"])
    for record in storage.glob("process-durham-*"):
        record.write_bytes(b"not a result record")       # there, so the flow expects a cache hit; unreadable
    _edit_sussex_csv(base / "raw", uuid.uuid4().hex)     # not an unchanged run: the whole-run cache is missed
    outcome, states = _task_states(base, expected=len(FORCES) + 2)
    assert states["process-durham"] == "Completed" and states["extract-durham"] == "Cached"
    report = json.loads((Path(outcome["report"]).parent / "validation.json").read_text(encoding="utf-8"))
    assert next(f for f in report["forces"] if f["force_id"] == "durham")["extraction"] == "cached"
    assert published_breach_texts(base, "durham") == before
