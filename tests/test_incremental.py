"""Incremental runs: a force's extraction is cached on its return's content, and only a changed return is read again.

Asserted from the run's own record (validation.json ``forces[].extraction``), never from timings. Five forces
keep the runs short: a CSV return, an XLSX + PDF return with a return.yaml, a PDF, a DOCX and a refusal.
"""

from __future__ import annotations

import csv
import json
import shutil
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
