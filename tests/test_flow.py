"""Whole-flow tests: a real Prefect run over the sample corpus, compared with the generator's ground truth."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import GROUND_TRUTH, RAW

pytestmark = pytest.mark.slow

PUBLISHED_FILES = ("cases.csv", "forces.csv", "counts.csv", "cases.parquet", "forces.parquet", "counts.parquet",
                   "foi_dataset.xlsx", "datapackage.json", "README.md")



def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _case_rows() -> int:
    """Forces that answered in counts (issue 9) publish no case rows: cases.csv holds the case-grain forces'
    rows, and forces.csv `cases` is every force's total whatever its grain."""
    return len(_read_csv(GROUND_TRUTH / "cases.csv"))


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in PUBLISHED_FILES}


def run_flow(raw: Path, out: Path, reports: Path, review: Path | None = None) -> dict:
    import flows

    return flows.consolidate_returns(raw_dir=str(raw), out_dir=str(out), reports_dir=str(reports),
                                     review_path=str(review) if review else None)


@pytest.fixture(scope="module")
def sample_run(prefect_server, tmp_path_factory):
    """The sample corpus run twice into two folders: the dataset, and the proof of determinism."""
    base = tmp_path_factory.mktemp("sample-run")
    raw = base / "raw"
    shutil.copytree(RAW, raw)
    first = run_flow(raw, base / "published", base / "reports", base / "review.csv")
    second = run_flow(raw, base / "published-again", base / "reports", base / "review.csv")
    return {"base": base, "raw": raw, "first": first, "second": second,
            "cases": _read_csv(base / "published" / "cases.csv"),
            "forces": _read_csv(base / "published" / "forces.csv")}


def test_sample_corpus_publishes_828_cases_from_43_forces(sample_run):
    assert sample_run["first"]["published"] is True
    assert sum(int(r["cases"] or 0) for r in sample_run["forces"]) == 828
    assert len(sample_run["cases"]) == _case_rows() == 786
    assert len(sample_run["forces"]) == 43


def test_count_grain_forces_are_published_in_counts_csv_with_their_total(sample_run):
    counts = _read_csv(sample_run["base"] / "published" / "counts.csv")
    forces = {r["force_id"]: r for r in sample_run["forces"]}
    assert {r["force_id"] for r in counts if r["summary_of_cases"] == "False"} == {"avon-and-somerset", "gwent",
                                                                                    "north-yorkshire"}
    assert {r["force_id"] for r in counts if r["summary_of_cases"] == "True"} == {"lancashire"}
    assert (forces["lancashire"]["grain"], forces["lancashire"]["cases"]) == ("case", "31")
    for force_id, total in (("avon-and-somerset", "26"), ("north-yorkshire", "9")):
        assert (forces[force_id]["grain"], forces[force_id]["cases"]) == ("count", total)
        yearly = [r for r in counts if r["force_id"] == force_id and r["level"] == "total" and r["year"]]
        assert sum(int(r["count"]) for r in yearly) == int(total)
    # the prose force: its numbered answers, each number with the sentence it was read from and its paragraph
    assert (forces["gwent"]["grain"], forces["gwent"]["cases"], forces["gwent"]["response_status"]) == (
        "prose", "7", "partial")
    assert [(r["question"], r["level"], r["person_type"] or r["outcome_category"], r["count"], r["source_locator"])
            for r in counts if r["force_id"] == "gwent"][:6] == [
        ("1a", "total", "", "7", "paragraph 9"), ("1a", "breakdown", "officer", "3", "paragraph 9"),
        ("1a", "breakdown", "staff", "3", "paragraph 9"), ("1a", "breakdown", "pcso", "1", "paragraph 9"),
        ("1b", "withheld", "", "", "paragraph 10"), ("1c", "breakdown", "resigned_or_retired", "1", "paragraph 11")]
    truth = Counter((r["force_id"], r["locator"], r["outcome_category"], r["count"], r["count_text"])
                    for r in _read_csv(GROUND_TRUTH / "counts.csv"))
    assert Counter((r["force_id"], r["source_locator"], r["outcome_category"], r["count"], r["count_text"])
                   for r in counts) == truth
    readme = (sample_run["base"] / "published" / "README.md").read_text(encoding="utf-8")
    assert "- 828 cases in all, the sum of `cases` in `forces.csv` over every force that answered:" in readme
    assert "  - 35 cases from 2 forces that answered in tables of numbers (`counts.csv`)." in readme
    assert "  - 7 cases from 1 forces that answered in numbered prose (`counts.csv`)." in readme


def test_force_statuses_and_counts_match_the_ground_truth(sample_run):
    truth = {row["force_id"]: row for row in _read_csv(GROUND_TRUTH / "forces.csv")}
    published = {row["force_id"]: row for row in sample_run["forces"]}
    assert set(published) == set(truth)
    mismatches = {
        force_id: (published[force_id]["response_status"], published[force_id]["cases"],
                   published[force_id]["refusal_basis"])
        for force_id, expected in truth.items()
        if (published[force_id]["response_status"], published[force_id]["cases"],
            published[force_id]["refusal_basis"])
        != (expected["response_status"], expected["cases"], expected["refusal_basis"])
    }
    assert mismatches == {}


@pytest.mark.parametrize("force_id, cases", [
    ("greater-manchester", "88"), ("west-midlands", "74"), ("metropolitan", "69"), ("west-mercia", "19"),
    ("warwickshire", "8"), ("dyfed-powys", "4"), ("durham", "1"),
    ("essex", ""), ("hampshire", ""), ("merseyside", ""), ("staffordshire", ""),
])
def test_the_figures_the_press_association_reported(sample_run, force_id, cases):
    row = next(r for r in sample_run["forces"] if r["force_id"] == force_id)
    assert row["cases"] == cases
    if not cases:
        assert row["response_status"] == "refused"


_VERBATIM = ("force_id", "source_file", "year", "rank_text", "breach_text", "outcome_text")
_CODES = ("breach_category", "outcome_category", "person_type", "rank")


def test_every_ground_truth_case_is_recovered_with_exact_verbatim_text(sample_run):
    truth = Counter(tuple(row[c] for c in _VERBATIM) for row in _read_csv(GROUND_TRUTH / "cases.csv"))
    published = Counter(tuple(row[c] for c in _VERBATIM) for row in sample_run["cases"])
    assert truth - published == Counter(), "cases in the ground truth but not published"
    assert published - truth == Counter(), "cases published but not in the ground truth"


def test_every_case_gets_the_codes_of_the_ground_truth(sample_run):
    truth = Counter(tuple(row[c] for c in _VERBATIM + _CODES) for row in _read_csv(GROUND_TRUTH / "cases.csv"))
    published = Counter(tuple(row[c] for c in _VERBATIM + _CODES) for row in sample_run["cases"])
    wrong = sorted((truth - published).elements())[:10]
    assert wrong == []


def test_every_case_carries_its_provenance(sample_run):
    for row in sample_run["cases"]:
        assert row["source_file"].startswith(row["force_id"] + "/")
        assert row["source_locator"]
        assert len(row["source_sha256"]) == 64
    assert len({row["record_id"] for row in sample_run["cases"]}) == _case_rows()


def test_running_twice_gives_byte_identical_files(sample_run):
    base = sample_run["base"]
    assert _digests(base / "published") == _digests(base / "published-again")


def test_report_is_written_for_every_run(sample_run):
    report = Path(sample_run["first"]["report"])
    assert report.name == "index.html" and report.is_file()
    assert (report.parent / "validation.json").is_file()


def test_unchanged_rerun_extracts_nothing_again(sample_run):
    import json

    run_dir = Path(sample_run["second"]["report"]).parent
    forces = json.loads((run_dir / "validation.json").read_text(encoding="utf-8"))["forces"]
    fresh = sorted(f["force_id"] for f in forces if f.get("extraction") == "fresh")
    assert fresh == []


def test_bad_file_in_one_force_is_reported_by_name_while_the_others_publish(prefect_server, tmp_path):
    import json

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    victim = sorted((raw / "durham").iterdir())[0]
    victim.write_bytes(b"%PDF-1.4\n this is not really a pdf")
    outcome = run_flow(raw, tmp_path / "published", tmp_path / "reports")
    assert outcome["published"] is True
    forces = {r["force_id"]: r for r in _read_csv(tmp_path / "published" / "forces.csv")}
    assert forces["durham"]["cases"] == ""
    assert forces["greater-manchester"]["cases"] == "88"
    report = json.loads((Path(outcome["report"]).parent / "validation.json").read_text(encoding="utf-8"))
    durham = next(f for f in report["forces"] if f["force_id"] == "durham")
    messages = " ".join(f["message"] for f in durham["findings"] if f["severity"] == "error")
    assert f"durham/{victim.name}" in messages
    # the damaged file was read afresh in a parsing process; none is left waiting once every file is read
    from pipeline import workers
    assert workers.idle_processes() == set()


def test_a_review_decision_changes_every_case_with_that_text_and_survives_a_rerun(prefect_server, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    review = tmp_path / "decisions.csv"
    text = "Words of Advice"
    review.write_text("field,text,count,forces,suggested_code,chosen_code,note\n"
                      f"outcome_category,{text},,,,other,a person decided\n", encoding="utf-8")
    for attempt in ("first", "rerun"):
        out = tmp_path / f"published-{attempt}"
        outcome = run_flow(raw, out, tmp_path / "reports", review)
        assert outcome["published"] is True
        cases = [r for r in _read_csv(out / "cases.csv") if r["outcome_text"].lower() == text.lower()]
        assert len(cases) > 1
        assert {(r["outcome_category"], r["outcome_method"]) for r in cases} == {("other", "review")}
    import json

    report = json.loads((Path(outcome["report"]).parent / "validation.json").read_text(encoding="utf-8"))
    applied = report["review_decisions_applied"]
    assert {d["code"] for d in applied} == {"other"}
    assert sum(d["cases"] for d in applied) == len(cases)
    assert "a person decided" in review.read_text(encoding="utf-8")


def test_a_withheld_run_exits_1_and_leaves_the_last_publication_untouched(prefect_server, tmp_path):
    import yaml

    from pipeline.cli import main

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    out, reports = tmp_path / "published", tmp_path / "reports"
    assert run_flow(raw, out, reports)["published"] is True
    before = _digests(out)

    answer = raw / "suffolk" / "FOI 000413-14.csv"
    lines = answer.read_bytes().split(b"\n")
    lines[1] = re.sub(rb"/20(09|1[0-4])", b"/2016", lines[1], count=1)
    answer.write_bytes(b"\n".join(lines))
    gate = yaml.safe_load((Path(__file__).resolve().parents[1] / "schemas" / "gate.yaml").read_text("utf-8"))
    gate["checks"]["year_in_period"]["action"] = "withhold"
    strict = tmp_path / "strict-gate.yaml"
    strict.write_text(yaml.safe_dump(gate), encoding="utf-8")

    status = main(["run", "--raw", str(raw), "--out", str(out), "--reports", str(reports), "--review", "",
                   "--gate", str(strict)])
    assert status == 1
    assert _digests(out) == before
    # the outputs were written aside while the whole was checked, and thrown away once the gate withheld them
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published", "raw", "reports", "strict-gate.yaml"]
    import json

    document = json.loads((reports / "latest" / "validation.json").read_text(encoding="utf-8"))
    assert document["run"]["published"] is False
    assert any("year_in_period" in reason for reason in document["run"]["withheld_reasons"])
