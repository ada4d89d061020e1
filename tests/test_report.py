"""The audit report: validation.json traces every fault to its cell, index.html shows it, runs are compared."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from test_validate import CODES, PERIODS, case, cases

from pipeline.records import Finding, ForceSummary, RunRecord
from pipeline.report import resolve_run_dir, summary_text, write_report
from pipeline.validate import gate_decision, validate_cases, validate_consolidated

HOSTILE = '<img src=x onerror="alert(1)">'


def kent_cases() -> pd.DataFrame:
    """Kent's spreadsheet: four rows, one with a year outside the period, one with a code outside the vocabulary."""
    return cases(*[
        case(n, force_id="kent", force_name="Kent Police", year=year, outcome_category=outcome,
             source_file="kent/misconduct.xlsx", source_locator=f"'2012'!A{n + 6}:E{n + 6}",
             breach_text=f"Inappropriate comments on Facebook {n}")
        for n, year, outcome in ((1, "2012", "dismissed"), (2, "2009", "dismissed"), (3, "2012", "sacked"),
                                 (4, "2013", "written_warning"))])


def kent_locators() -> dict[str, dict[str, str]]:
    return {f"kent-{n:012x}": {"year": f"'2012'!A{n + 6}", "outcome": f"'2012'!D{n + 6}"} for n in range(1, 5)}


def run_record(run_id: str = "20261123T100000Z", published_cases: pd.DataFrame | None = None,
               statuses: dict | None = None) -> tuple[RunRecord, pd.DataFrame]:
    """A run over three forces with Kent's faults validated for real; returns the run and its published cases."""
    checked = validate_cases(kent_cases(), allowed_codes=CODES, periods=PERIODS, cell_locators=kent_locators())
    published = checked.published if published_cases is None else published_cases
    statuses = statuses or {}
    forces = [
        ForceSummary("kent", "Kent Police", "E23000032", statuses.get("kent", "responded"), grain="case",
                     cases=len(published), rows_read=4, rows_published=len(published),
                     rows_quarantined=len(checked.quarantined), period_start="2011-04-01", period_end="2013-03-31",
                     source_files=["kent/misconduct.xlsx"], extraction="fresh"),
        ForceSummary("essex", "Essex Police", "E23000026", "refused", refusal_basis="s12", grain="letter",
                     source_files=["essex/refusal.pdf"], evidence=HOSTILE,
                     findings=[Finding("info", "refusal", f"Refusal letter: {HOSTILE}", "essex", "essex/refusal.pdf",
                                       "page 1")]),
        ForceSummary("durham", "Durham Constabulary", "E23000008", statuses.get("durham", "no_response")),
    ]
    failures = checked.failures
    publish, reasons = gate_decision(failures)
    run = RunRecord(run_id=run_id, started_at="2026-11-23T10:00:00+00:00", finished_at="2026-11-23T10:00:40+00:00",
                    raw_dir="raw", published_dir="published", published=publish, withheld_reasons=reasons,
                    forces=forces, failures=failures,
                    findings=[Finding("error", "unknown_force_folder", f"raw/kennt/ is not a force id {HOSTILE}",
                                      source_file="kennt/")],
                    review_queue=[{"field": "outcome_category", "text": "Dealt with by line manager", "count": 2,
                                   "forces": "kent", "suggested_code": "management_action"}])
    return run, published


def read(run_dir: Path, name: str = "validation.json") -> dict:
    return json.loads((run_dir / name).read_text(encoding="utf-8"))


def test_validation_json_traces_each_fault_to_its_source_cell_with_the_gates_action(tmp_path):
    run, published = run_record()
    document = read(write_report(run, published, tmp_path))
    assert document["failures"] == [
        {"stage": "cases", "check": "year_in_period", "column": "year", "value": "2009", "force_id": "kent",
         "source_file": "kent/misconduct.xlsx", "locator": "'2012'!A8", "action": "quarantine",
         "message": "year 2009 is outside the period the force answered for (2011-04-01 to 2013-03-31)",
         "record_id": "kent-000000000002"},
        {"stage": "cases", "check": "code_in_vocabulary", "column": "outcome_category", "value": "sacked",
         "force_id": "kent", "source_file": "kent/misconduct.xlsx", "locator": "'2012'!D9", "action": "quarantine",
         "message": "outcome_category 'sacked' is not a code of the vocabulary", "record_id": "kent-000000000003"},
    ]
    assert document["run"]["published"] is True
    assert document["totals"] == {
        "forces": 3, "by_status": {"no_response": 1, "refused": 1, "responded": 1}, "rows_read": 4,
        "rows_published": 2, "rows_quarantined": 2, "cases": 2,
        "failures_by_action": {"quarantine": 2}, "failures_by_check": {"code_in_vocabulary": 1, "year_in_period": 1},
        "findings_by_severity": {"error": 1, "info": 1}, "review_queue": 1}


def test_forces_that_did_not_answer_have_no_count_in_validation_json(tmp_path):
    run, published = run_record()
    forces = {f["force_id"]: f for f in read(write_report(run, published, tmp_path))["forces"]}
    assert [f for f in forces] == ["durham", "essex", "kent"]
    assert (forces["essex"]["response_status"], forces["essex"]["refusal_basis"], forces["essex"]["cases"]) == (
        "refused", "s12", None)
    assert forces["durham"]["cases"] is None
    assert (forces["kent"]["rows_read"], forces["kent"]["rows_published"], forces["kent"]["rows_quarantined"],
            forces["kent"]["cases"]) == (4, 2, 2, 2)


def test_a_duplicated_record_id_withholds_and_the_report_says_why(tmp_path):
    run, published = run_record()
    duplicated = pd.concat([published, published.iloc[[0]]], ignore_index=True)
    run.failures += [f for f in validate_consolidated(duplicated, pd.DataFrame({"force_id": ["kent"]}))
                     if f.check == "record_id_unique"]
    run.published, run.withheld_reasons = gate_decision(run.failures)
    run_dir = write_report(run, duplicated, tmp_path)
    document = read(run_dir)
    dup = [f for f in document["failures"] if f["check"] == "record_id_unique"]
    assert [(f["value"], f["locator"], f["action"]) for f in dup] == [
        ("kent-000000000001", "'2012'!A7:E7", "withhold"), ("kent-000000000001", "'2012'!A7:E7", "withhold")]
    assert document["run"]["published"] is False
    assert document["run"]["withheld_reasons"] == [
        ("record_id_unique (2 failures): record_id 'kent-000000000001' is used by more than one case "
        "[kent kent/misconduct.xlsx '2012'!A7:E7]")]
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "Publication withheld by the validation gate." in page
    assert "record_id_unique (2 failures): record_id &#x27;kent-000000000001&#x27; is used" in page
    assert summary_text(run_dir).splitlines()[1:3] == [
        "WITHHELD by the validation gate (the previous dataset was left untouched):",
        ("  - record_id_unique (2 failures): record_id 'kent-000000000001' is used by more than one case "
        "[kent kent/misconduct.xlsx '2012'!A7:E7]")]


def test_index_html_is_self_contained_and_escapes_what_forces_wrote(tmp_path):
    run, published = run_record()
    page = (write_report(run, published, tmp_path) / "index.html").read_text(encoding="utf-8")
    assert HOSTILE not in page
    assert "Refusal letter: &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)|@import|url\(\s*["']?https?:""", page)
    assert page.count("<script>") == 1 and page.count("<style>") == 2   # the page's own, and the chart's


def test_the_chart_shows_refused_and_silent_forces_as_such_not_as_zero(tmp_path):
    run, published = run_record()
    page = (write_report(run, published, tmp_path) / "index.html").read_text(encoding="utf-8")
    chart = page[page.index("<svg"):page.index("</svg>")]
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    assert labels == ["Kent Police", "2", "Durham Constabulary", "no response", "Essex Police", "refused (s12)"]
    assert 'width="0' not in chart


def test_the_failures_table_can_be_filtered_by_force_check_and_action(tmp_path):
    run, published = run_record()
    page = (write_report(run, published, tmp_path) / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<select data-filter="(\w+)">', page) == ["force", "check", "action"]
    assert '<td class=n><a href="#force=kent">2</a></td>' in page       # a force's failures, one click away
    assert re.findall(r'<tr data-force="([^"]*)" data-check="([^"]*)" data-action="([^"]*)">', page) == [
        ("kent", "year_in_period", "quarantine"), ("kent", "code_in_vocabulary", "quarantine")]


def test_the_same_run_gives_the_same_report(tmp_path):
    run, published = run_record()
    first, second = write_report(run, published, tmp_path / "a"), write_report(run, published, tmp_path / "b")
    for name in ("validation.json", "index.html", "snapshot.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_latest_points_at_the_newest_run(tmp_path):
    for run_id in ("20261123T100000Z", "20261123T110000Z"):
        run, published = run_record(run_id)
        write_report(run, published, tmp_path)
    assert (tmp_path / "latest").is_symlink()
    assert resolve_run_dir(tmp_path) == tmp_path / "20261123T110000Z"
    assert resolve_run_dir(tmp_path, "20261123T100000Z") == tmp_path / "20261123T100000Z"
    assert resolve_run_dir(tmp_path, "nope") is None
    assert summary_text(tmp_path / "latest").splitlines()[0] == (
        "Run 20261123T110000Z (2026-11-23T10:00:00+00:00 to 2026-11-23T10:00:40+00:00)")


def test_latest_is_a_file_holding_the_run_id_where_symlinks_fail(tmp_path, monkeypatch):
    def no_symlinks(self, target, target_is_directory=False):
        raise OSError("symbolic links are not supported on this file system")

    monkeypatch.setattr(Path, "symlink_to", no_symlinks)
    for run_id in ("20261123T100000Z", "20261123T110000Z"):
        run, published = run_record(run_id)
        run_dir = write_report(run, published, tmp_path)
    assert (tmp_path / "latest").read_text() == "20261123T110000Z\n"
    assert resolve_run_dir(tmp_path) == run_dir
    assert summary_text(tmp_path / "latest").splitlines()[-1] == f"Report: {run_dir / 'index.html'}"
    assert read(run_dir)["changes"]["previous_run_id"] == "20261123T100000Z"


def test_the_first_run_has_nothing_to_compare_with(tmp_path):
    run, published = run_record()
    run_dir = write_report(run, published, tmp_path)
    assert read(run_dir)["changes"]["previous_run_id"] is None
    assert "No previous run to compare with." in (run_dir / "index.html").read_text(encoding="utf-8")


def test_a_second_run_says_what_changed(tmp_path):
    run, published = run_record("20261123T100000Z")
    write_report(run, published, tmp_path)
    changed = published.copy()
    changed.loc[changed.record_id == "kent-000000000001", "outcome_category"] = "resigned_or_retired"
    changed = pd.concat([changed[changed.record_id != "kent-000000000004"],
                         cases(case(9, force_id="durham", record_id="durham-000000000009"))], ignore_index=True)
    run, _ = run_record("20261123T110000Z", published_cases=changed, statuses={"durham": "responded"})
    run_dir = write_report(run, changed, tmp_path)
    changes = read(run_dir)["changes"]
    assert changes["previous_run_id"] == "20261123T100000Z" and changes["previous_published"] is True
    assert changes["forces_added"] == ["durham"] and changes["forces_removed"] == []
    assert changes["status_changed"] == [{"force_id": "durham", "before": "no_response", "after": "responded"}]
    assert changes["rows_added"] == [{"record_id": "durham-000000000009", "force_id": "durham"}]
    assert changes["rows_removed"] == [{"record_id": "kent-000000000004", "force_id": "kent"}]
    assert changes["codes_changed"] == [{"record_id": "kent-000000000001", "force_id": "kent",
                                         "field": "outcome_category", "before": "dismissed",
                                         "after": "resigned_or_retired"}]
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "<code>kent-000000000001</code> outcome_category: dismissed \u2192 resigned_or_retired" in page
    assert summary_text(run_dir).splitlines()[-2] == (
        "Since run 20261123T100000Z: 1 forces added, 0 removed, 1 statuses changed, 1 rows added, 1 removed, "
        "1 codes changed")


def test_a_second_run_that_changed_nothing_is_compared_without_parsing_the_first_runs_snapshot(tmp_path,
                                                                                              monkeypatch):
    from pipeline import report
    from pipeline.report import changes_since, snapshot

    run, published = run_record("20261123T100000Z")
    first = write_report(run, published, tmp_path)
    parsed = []
    loads = report.json.loads
    monkeypatch.setattr(report.json, "loads", lambda text, *a, **k: parsed.append(len(text)) or loads(text, *a, **k))
    run, _ = run_record("20261123T110000Z")
    second = write_report(run, published, tmp_path)
    assert parsed and max(parsed) < 40          # the first run's id alone, not its snapshot's cases
    changes = read(second)["changes"]
    expected = changes_since(loads((first / "snapshot.json").read_text(encoding="utf-8")), snapshot(run, published))
    assert changes == expected and changes["previous_run_id"] == "20261123T100000Z"
    assert changes["rows_added"] == changes["rows_removed"] == changes["codes_changed"] == []


def test_summary_text_is_what_foi_report_prints(tmp_path):
    run, published = run_record()
    run_dir = write_report(run, published, tmp_path)
    assert summary_text(run_dir) == "\n".join([
        "Run 20261123T100000Z (2026-11-23T10:00:00+00:00 to 2026-11-23T10:00:40+00:00)",
        "PUBLISHED to published/",
        "Forces: 3 (1 no response, 1 refused, 1 responded)",
        "Rows: 4 read, 2 published, 2 quarantined; 2 cases",
        "Failures: 2 quarantine",
        "  code_in_vocabulary: 1 (quarantine)",
        "  year_in_period: 1 (quarantine)",
        "Findings: 1 error, 1 info",
        "Review queue: 1 texts await a decision",
        "No previous run to compare with.",
        f"Report: {run_dir / 'index.html'}",
    ])


def test_summary_text_of_a_folder_without_a_report_says_so(tmp_path):
    assert summary_text(tmp_path) == (f"No readable validation report in {tmp_path}/ (FileNotFoundError); "
                                      f"run `foi run` first.")


@pytest.mark.slow
def test_prefect_artifacts_carry_the_force_table_and_the_summary(prefect_server):
    from prefect import flow
    from prefect.artifacts import Artifact

    from pipeline.report import prefect_artifacts

    run, _ = run_record()
    flow(name="report-artifacts")(prefect_artifacts)(run)     # as the consolidation flow calls it
    table = Artifact.get("foi-forces")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert rows[0] == {"force": "Durham Constabulary", "status": "no_response", "refusal_basis": "",
                       "rows_read": 0, "rows_published": 0, "rows_quarantined": 0, "cases": ""}
    summary = Artifact.get("foi-validation-summary")
    assert summary.data.splitlines()[:3] == ["# FOI validation: run 20261123T100000Z", "",
                                             "- PUBLISHED to published/"]
    failures = Artifact.get("foi-failures")
    assert "'2012'!A8" in str(failures.data)


def test_rows_held_back_are_listed_verbatim_with_why(tmp_path):
    run, published = run_record()
    held = validate_cases(kent_cases(), allowed_codes=CODES, periods=PERIODS,
                          cell_locators=kent_locators()).quarantined
    run_dir = write_report(run, published, tmp_path, quarantined=held)
    assert read(run_dir)["quarantined"] == [
        {"record_id": "kent-000000000002", "force_id": "kent", "source_file": "kent/misconduct.xlsx",
         "source_locator": "'2012'!A8:E8", "year": "2009", "breach_text": "Inappropriate comments on Facebook 2",
         "outcome_text": "Management advice", "check": "year_in_period", "column": "year", "value": "2009",
         "reason": "year 2009 is outside the period the force answered for (2011-04-01 to 2013-03-31)"},
        {"record_id": "kent-000000000003", "force_id": "kent", "source_file": "kent/misconduct.xlsx",
         "source_locator": "'2012'!A9:E9", "year": "2012", "breach_text": "Inappropriate comments on Facebook 3",
         "outcome_text": "Management advice", "check": "code_in_vocabulary", "column": "outcome_category",
         "value": "sacked", "reason": "outcome_category 'sacked' is not a code of the vocabulary"},
    ]
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    assert ("<td>kent</td><td>kent/misconduct.xlsx</td><td>&#x27;2012&#x27;!A8:E8</td><td>2009</td>"
            "<td>Inappropriate comments on Facebook 2</td>") in page


def test_every_check_run_is_listed_with_what_it_ensures_and_how_often_it_failed(tmp_path):
    run, published = run_record()
    run_dir = write_report(run, published, tmp_path)
    checks = {c["check"]: c for c in read(run_dir)["checks"]}
    assert checks["year_in_period"] == {
        "check": "year_in_period", "about": "a case's year lies inside the period the force answered for",
        "actions": {"*": "quarantine"}, "failures": 1, "forces_failing": 1}
    assert (checks["record_id_unique"]["failures"], checks["record_id_unique"]["actions"]) == (0, {"*": "withhold"})
    assert checks["locator_unique"]["actions"] == {"extracted": "warn"}
    assert len(checks) == 29     # gate.yaml has 29 checks (cases_match_counts: issue 9)
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    assert ("<tr><td>rows_reconcile</td><td>every row read is published or quarantined: read = published + "
            "quarantined</td><td>withhold</td><td class=n>passed</td><td class=n></td></tr>") in page
    assert '<td class=n><a href="#check=year_in_period">1</a></td>' in page


@pytest.mark.parametrize("document", [
    {"failures": [{"check": "year_in_period", "value": "ü\n\"2009\"", "cases": None, "ok": True, "share": 0.5}],
     "empty_list": [], "empty_dict": {}, "nested": {"a": [1, {"b": {}}], "c": [[], [{}]]}},
    {"records": [{"a": 1}, {"b": {"nested": 1}}], "numbers": [float("nan"), float("inf"), -0.0, 10**20]},
    {"by_stage": {"*": "quarantine", "extracted": "warn"}, 3: "a key that is not text", "path": Path("raw/kent")},
    [], {}, "text", [{"only": "record"}],
])
def test_validation_json_text_is_json_dumps_indented(document):
    from pipeline.report import indented_json

    assert "".join(indented_json(document)) == json.dumps(document, indent=2, ensure_ascii=False, default=str)


def test_the_failures_are_written_in_place_order_as_the_json_of_their_dicts_without_a_dict_held_each():
    from pipeline.records import Failure
    from pipeline.report import FailureRecords, indented_json

    failures = [Failure("cases", "year_in_period", "year", "2009", "kent", "kent/a.csv", f"row {n}", "warn",
                        f"row {n} \u00fc", f"kent-{n}") for n in (10, 2, 1)]
    records = FailureRecords(failures)
    assert [r["locator"] for r in records] == ["row 1", "row 2", "row 10"]    # numbers in a locator as numbers
    assert len(records) == 3 and records[0] == failures[2].to_dict() and records[1:] == list(records)[1:]
    assert records == [f.to_dict() for f in (failures[2], failures[1], failures[0])]
    assert "".join(indented_json({"failures": records})) == json.dumps({"failures": list(records)}, indent=2,
                                                                      ensure_ascii=False)
    assert "".join(indented_json({"failures": FailureRecords([])})) == '{\n  "failures": []\n}'


def test_an_older_snapshot_with_other_fields_is_compared_field_by_field():
    from pipeline.report import SNAPSHOT_FIELDS, changes_since, snapshot

    run, published = run_record()
    current = snapshot(run, published)
    record_id = "kent-000000000001"
    values = dict(zip(SNAPSHOT_FIELDS, current["cases"][record_id]))
    older_fields = ["outcome_category", "force_id", "year"]       # an older version kept fewer, in its own order
    previous = {"run_id": "20261122T100000Z", "published": True, "forces": current["forces"], "fields": older_fields,
                "cases": {record_id: ["resigned_or_retired", "kent", values["year"]]}}
    changes = changes_since(previous, current)
    changed = {c["field"]: (c["before"], c["after"]) for c in changes["codes_changed"]}
    assert changed["outcome_category"] == ("resigned_or_retired", values["outcome_category"])
    assert "year" not in changed and "force_id" not in changed
    assert changed["rank"] == ("", values["rank"])                 # a field the older run did not keep: ''
    assert changes["rows_added"] == [{"record_id": r, "force_id": "kent"}
                                     for r in sorted(current["cases"]) if r != record_id]


def test_snapshot_keeps_codes_as_text_and_missing_values_empty():
    from pipeline.report import snapshot

    run, published = run_record()
    published = published.copy()
    published["year"] = published["year"].astype(object)
    published.loc[published.index[0], "year"] = None
    published = published.drop(columns=["platform"])
    cases = snapshot(run, published)["cases"]
    first = cases[published["record_id"].iloc[0]]
    assert cases == dict(sorted(cases.items()))
    assert first[1] == "" and first[6] == ""          # year missing, platform column absent
    assert all(isinstance(v, str) for values in cases.values() for v in values)


def test_the_artifact_summary_says_what_the_report_summary_says(tmp_path):
    from pipeline.report import artifact_markdown, changes_since, snapshot, summary_lines, validation_document

    run, _ = run_record()
    lines = summary_lines(validation_document(run, changes_since(None, snapshot(run, pd.DataFrame()))))[:-1]
    markdown = artifact_markdown(run)
    assert [line for line in lines[1:] if not line.startswith("  - ")] == [
        line[2:] for line in markdown.split("\n\n")[1].splitlines()]
    assert any(line.startswith("  ") and "(" in line for line in lines)   # the per-check lines are compared too


def many_cases(count: int, outcome_of_last: str = "dismissed") -> pd.DataFrame:
    """``count`` cases as the published table holds them (Arrow-backed text), in no particular order."""
    ids = [f"kent-{(n * 7919) % count:012x}" for n in range(count)]
    frame = pd.DataFrame({"record_id": ids, "force_id": "kent", "year": "2012", "person_type": "police_officer",
                          "rank": "constable", "breach_category": "inappropriate_comments",
                          "outcome_category": ["dismissed"] * (count - 1) + [outcome_of_last],
                          "platform": "facebook", "standards": "Discreditable conduct"})
    return frame.astype("string[pyarrow]")


def test_the_snapshot_file_is_the_compact_json_of_record_id_to_values_in_record_id_order(tmp_path):
    from pipeline.report import SNAPSHOT_FIELDS

    published = many_cases(50)
    published = pd.concat([published, published.iloc[[3]].assign(platform="twitter")], ignore_index=True)
    published.loc[0, "rank"] = pd.NA
    published.loc[1, "breach_category"] = "\u00fcber \"quoted\""
    run, _ = run_record()
    run_dir = write_report(run, published, tmp_path)
    rows = {}
    for row in published.astype(object).where(published.notna(), "").itertuples(index=False):
        rows[row.record_id] = [getattr(row, name) for name in SNAPSHOT_FIELDS]   # a repeated id: its last row
    expected = {"run_id": run.run_id, "published": run.published,
                "forces": {f.force_id: {"status": f.response_status, "cases": f.cases} for f in run.forces},
                "fields": list(SNAPSHOT_FIELDS), "cases": dict(sorted(rows.items()))}
    text = (run_dir / "snapshot.json").read_text(encoding="utf-8")
    assert text == json.dumps(expected, separators=(",", ":"), ensure_ascii=False) + "\n"
    assert json.loads(text)["cases"][published.loc[3, "record_id"]][SNAPSHOT_FIELDS.index("platform")] == "twitter"


def test_a_large_snapshot_is_compared_block_by_block_and_a_change_in_its_last_case_is_seen(tmp_path, monkeypatch):
    from pipeline import report

    count = 15_000                                   # a snapshot of ~1.9 MB: more than one block of each file
    run, _ = run_record("20261123T100000Z")
    first = write_report(run, many_cases(count), tmp_path)
    assert (first / "snapshot.json").stat().st_size > 1 << 20
    parsed = []
    loads = report.json.loads
    monkeypatch.setattr(report.json, "loads", lambda text, *a, **k: parsed.append(len(text)) or loads(text, *a, **k))
    run, _ = run_record("20261123T110000Z")
    second = write_report(run, many_cases(count), tmp_path)
    assert max(parsed) < 40                          # the first run's id alone
    run, _ = run_record("20261123T120000Z")
    third = write_report(run, many_cases(count, outcome_of_last="resigned_or_retired"), tmp_path)
    assert max(parsed) > 1 << 20                     # the previous snapshot differed: parsed whole
    unchanged, changed = read(second)["changes"], read(third)["changes"]
    assert unchanged["codes_changed"] == unchanged["rows_added"] == unchanged["rows_removed"] == []
    last = many_cases(count)["record_id"].iloc[-1]
    assert changed["previous_run_id"] == "20261123T110000Z"
    assert changed["codes_changed"] == [{"record_id": last, "force_id": "kent", "field": "outcome_category",
                                         "before": "dismissed", "after": "resigned_or_retired"}]
