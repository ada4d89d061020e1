"""The whole dataset: record ids unique, every force once, counts reconciled; and the publication gate."""

from __future__ import annotations

import pandas as pd
import pytest
from test_validate import case, cases

from pipeline.forces import all_forces
from pipeline.counts import empty_counts
from pipeline.records import COUNT_COLUMNS, FORCE_COLUMNS, Failure
from pipeline.validate import GateConfigError, gate_decision, load_gate, validate_consolidated

STATUS = {"west-mercia": ("responded", 2), "kent": ("responded", 1), "essex": ("refused", None),
          "durham": ("nil_return", 0), "dyfed-powys": ("not_held", None)}


def forces_table(**changes: dict) -> pd.DataFrame:
    """All 43 forces; the few in STATUS answered, the rest never did. ``changes`` edits rows by force id."""
    rows = []
    for force in all_forces():
        status, count = STATUS.get(force.force_id, ("no_response", None))
        row = {c: "" for c in FORCE_COLUMNS}
        row.update(force_id=force.force_id, force_name=force.force_name, ons_code=force.ons_code,
                   response_status=status, grain="case" if count else "", cases=count, rows_read=count or 0,
                   rows_published=count or 0, rows_quarantined=0, source_files=f"{force.force_id}/answer.pdf")
        row.update(changes.get(force.force_id, {}))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(FORCE_COLUMNS))
    frame["cases"] = frame["cases"].astype("Int64")
    return frame


def consolidated_cases() -> pd.DataFrame:
    return cases(case(1), case(2, breach_text="Racist remarks on Twitter"), case(1, force_id="kent", source_file="kent/answer.csv", source_locator="row 2",
                                         record_id="kent-000000000001"))


def checks(failures: list[Failure]) -> list[tuple]:
    return [(f.stage, f.check, f.force_id, f.column, f.value, f.action) for f in failures]


def test_a_consistent_dataset_has_no_failures_and_publishes():
    failures = validate_consolidated(consolidated_cases(), forces_table())
    assert failures == []
    assert gate_decision(failures, load_gate()) == (True, [])


def test_a_duplicated_record_id_names_both_rows_and_withholds():
    frame = consolidated_cases()
    frame.loc[1, "record_id"] = frame.loc[0, "record_id"]
    failures = validate_consolidated(frame, forces_table())
    assert [(f.check, f.value, f.source_file, f.locator, f.action) for f in failures] == [
        ("record_id_unique", "west-mercia-000000000001", "west-mercia/response.pdf", "page 1, table 1, row 1",
         "withhold"),
        ("record_id_unique", "west-mercia-000000000001", "west-mercia/response.pdf", "page 1, table 1, row 2",
         "withhold"),
    ]
    published, reasons = gate_decision(failures, load_gate())
    assert published is False
    assert reasons == [("record_id_unique (2 failures): record_id 'west-mercia-000000000001' is used by more than "
                       "one case [west-mercia west-mercia/response.pdf page 1, table 1, row 1]")]


def test_a_case_copied_within_a_file_is_a_warning_not_a_block():
    frame = cases(case(1), case(2))     # same texts, different rows: forces do list identical cases
    failures = validate_consolidated(frame, forces_table(kent={"cases": 0, "rows_read": 0, "rows_published": 0}))
    assert [(f.check, f.locator, f.column, f.value, f.action) for f in failures] == [
        ("case_repeated", "page 1, table 1, row 2", "breach_text", frame.loc[1, "breach_text"], "warn")]
    assert failures[0].message.startswith(f"same texts as {frame.loc[0, 'record_id']}, an earlier row of ")
    assert gate_decision(failures)[0] is True


def test_rows_that_differ_in_one_text_or_come_from_other_files_are_not_repeats():
    frame = cases(case(1), case(2), case(3), case(4))
    frame.loc[1, "outcome_text"] = "Dismissed"
    frame.loc[3, "source_file"] = "west-mercia/second-answer.pdf"
    failures = validate_consolidated(frame, forces_table(kent={"cases": 0, "rows_read": 0, "rows_published": 0}))
    assert [(f.check, f.record_id) for f in failures if f.check == "case_repeated"] == [
        ("case_repeated", frame.loc[2, "record_id"])]


def test_many_repeated_cases_are_reported_once_each_naming_the_repeated_text():
    frame = cases(*(case(n) for n in range(1, 201)))     # a return that repeats one case 200 times
    answered = {"west-mercia": {"cases": 200, "rows_read": 200, "rows_published": 200},
                "kent": {"cases": 0, "rows_read": 0, "rows_published": 0}}
    failures = validate_consolidated(frame, forces_table(**answered))
    assert len(failures) == 199
    assert {(f.check, f.column, f.value) for f in failures} == {
        ("case_repeated", "breach_text", frame.loc[0, "breach_text"])}
    # what a failure repeats from its row is held once, not once per failure (87,120 repeats: ~68 MB before)
    first, last = failures[0], failures[-1]
    assert first.value is last.value and first.source_file is last.source_file and first.force_id is last.force_id
    assert not hasattr(first, "__dict__")


@pytest.mark.parametrize(("changes", "expected"), [
    ({"essex": {"cases": 0}},
     [("forces", "cases_empty_when_unanswered", "essex", "cases", "0", "withhold")]),
    ({"durham": {"cases": None}},
     [("forces", "cases_empty_when_unanswered", "durham", "cases", "", "withhold")]),
    ({"kent": {"cases": 3}}, [("forces", "cases_match_published", "kent", "cases", "3", "withhold")]),
    ({"kent": {"rows_read": 4}}, [("forces", "rows_reconcile", "kent", "rows_read", "4", "withhold")]),
    ({"kent": {"rows_published": 2, "rows_read": 2}},
     [("forces", "rows_published_match", "kent", "rows_published", "2", "withhold")]),
    ({"kent": {"response_status": "answered"}}, [("forces", "status_known", "kent", "response_status", "answered",
                                                  "withhold")]),
    ({"kent": {"ons_code": "E99000032"}}, [("forces", "ons_code_format", "kent", "ons_code", "E99000032",
                                            "withhold")]),
])
def test_force_table_faults_withhold_publication(changes, expected):
    failures = validate_consolidated(consolidated_cases(), forces_table(**changes))
    assert checks(failures) == expected


@pytest.mark.parametrize(("changes", "message", "locator"), [
    ({"kent": {"cases": 3}}, "cases = 3 but 1 case rows were published for the force",
     "forces table, kent, column cases"),
    ({"essex": {"cases": 0}}, ("cases = '0' but status is refused: a count is empty exactly when the force did "
                              "not answer"), "forces table, essex, column cases"),
    ({"durham": {"cases": None}}, ("cases = '' but status is nil_return: a count is empty exactly when the force "
                                  "did not answer"), "forces table, durham, column cases"),
    ({"kent": {"rows_quarantined": 2}}, "rows read 1 != published 1 + quarantined 2",
     "forces table, kent, column rows_read"),
])
def test_messages_of_force_table_failures_say_what_was_expected(changes, message, locator):
    [failure] = validate_consolidated(consolidated_cases(), forces_table(**changes))
    assert (failure.message, failure.locator) == (message, locator)
    assert failure.source_file == f"{failure.force_id}/answer.pdf"


# ---------------------------------------------------------------- a force's cases by grain (issue 9)

def count_rows(force_id: str, grain: str, *numbers: tuple[str, str, str, int], summary: bool = False
               ) -> pd.DataFrame:
    """Rows of counts.csv: (year, level, outcome_text, count) each."""
    rows = []
    for i, (year, level, outcome_text, count) in enumerate(numbers, start=1):
        row = {c: "" for c in COUNT_COLUMNS}
        row.update(record_id=f"{force_id}-n{i:011x}", force_id=force_id, grain=grain, year=year, level=level,
                   outcome_text=outcome_text, count=count, count_text=str(count), suppressed=False,
                   summary_of_cases=summary, source_file=f"{force_id}/answer.pdf", source_table="table 1",
                   source_locator=f"page 1, table 1, row {i}")
        rows.append(row)
    frame = pd.concat([empty_counts(), pd.DataFrame(rows, columns=list(COUNT_COLUMNS))], ignore_index=True)
    frame["count"] = frame["count"].astype("Int64")
    return frame


NORTH_YORKSHIRE = count_rows("north-yorkshire", "count", ("2012", "total", "", 4), ("2013", "total", "", 5),
                             ("2012", "breakdown", "Dismissed", 4), ("2013", "breakdown", "Dismissed", 5))
NORTHUMBRIA = count_rows("northumbria", "prose", ("", "total", "", 3), ("", "breakdown", "Written warning", 2),
                         ("", "breakdown", "Management advice", 1))


def answered(grain: str, cases: int) -> dict:
    return {"response_status": "responded", "grain": grain, "cases": cases}


@pytest.mark.parametrize(("changes", "counts"), [
    ({"north-yorkshire": answered("count", 9)}, NORTH_YORKSHIRE),
    ({"northumbria": answered("prose", 3)}, NORTHUMBRIA),
    ({"north-yorkshire": answered("count", 9), "northumbria": answered("prose", 3)},
     pd.concat([NORTH_YORKSHIRE, NORTHUMBRIA], ignore_index=True)),
])
def test_a_force_that_answered_in_counts_or_prose_is_checked_against_its_counts(changes, counts):
    assert validate_consolidated(consolidated_cases(), forces_table(**changes), counts=counts) == []


@pytest.mark.parametrize(("changes", "counts", "message"), [
    ({"north-yorkshire": answered("count", 12)}, NORTH_YORKSHIRE,
     "cases = 12 but the force's rows in counts.csv (count grain) add up to 9"),
    ({"northumbria": answered("prose", 4)}, NORTHUMBRIA,
     "cases = 4 but the force's rows in counts.csv (prose grain) add up to 3"),
    ({"north-yorkshire": answered("count", 9)}, empty_counts(),
     "cases = 9 but the force's rows in counts.csv (count grain) add up to nothing (it has no counted rows there)"),
    ({"north-yorkshire": answered("count", 9)}, None,
     "cases = 9 but the force's rows in counts.csv (count grain) add up to nothing (it has no counted rows there)"),
])
def test_a_count_or_prose_force_whose_cases_differ_from_its_counts_withholds(changes, counts, message):
    [failure] = validate_consolidated(consolidated_cases(), forces_table(**changes), counts=counts)
    force_id = next(iter(changes))
    assert (failure.check, failure.force_id, failure.column, failure.action, failure.message) == (
        "cases_match_counts", force_id, "cases", "withhold", message)


def test_a_count_grain_force_is_not_excused_from_the_case_rows_it_published_as_counts():
    # kent published one case row; calling it count grain does not make its 12 unchecked
    found = checks(validate_consolidated(consolidated_cases(), forces_table(kent=answered("count", 12)),
                                         counts=empty_counts()))
    assert found == [("forces", "cases_match_counts", "kent", "cases", "12", "withhold")]


def test_a_summary_beside_a_case_list_does_not_replace_the_case_rows_as_the_forces_count():
    summary = count_rows("kent", "count", ("2012", "total", "", 5), summary=True)
    assert validate_consolidated(consolidated_cases(), forces_table(), counts=summary) == []
    found = checks(validate_consolidated(consolidated_cases(), forces_table(kent={"cases": 5}), counts=summary))
    assert found == [("forces", "cases_match_published", "kent", "cases", "5", "withhold")]


def test_a_missing_and_a_doubled_force_are_each_named():
    table = forces_table()
    table = pd.concat([table[table.force_id != "cumbria"], table[table.force_id == "kent"]], ignore_index=True)
    found = checks(validate_consolidated(consolidated_cases(), table))
    assert ("forces", "forces_complete", "cumbria", "force_id", "cumbria", "withhold") in found
    assert found.count(("forces", "force_once", "kent", "force_id", "kent", "withhold")) == 2


def test_cases_of_a_force_missing_from_the_force_table_withhold():
    table = forces_table()
    table = table[table.force_id != "kent"].reset_index(drop=True)
    found = checks(validate_consolidated(consolidated_cases(), table))
    assert ("consolidated", "force_in_forces_table", "kent", "force_id", "kent", "withhold") in found


def test_gate_decision_lists_one_reason_per_withholding_check_in_name_order():
    failures = [
        Failure("forces", "rows_reconcile", "rows_read", "4", force_id="kent", action="withhold", message="m1"),
        Failure("cases", "year_in_period", "year", "2008", force_id="kent", action="quarantine", message="q"),
        Failure("forces", "cases_match_published", "cases", "3", force_id="kent", action="withhold", message="m2"),
        Failure("forces", "rows_reconcile", "rows_read", "9", force_id="durham", action="withhold", message="m3"),
    ]
    assert gate_decision(failures) == (False, [
        "cases_match_published (1 failure): m2 [kent]",
        "rows_reconcile (2 failures): m1 [kent]",
    ])


def test_quarantines_and_warnings_alone_do_not_withhold():
    failures = [Failure("cases", "year_in_period", "year", "2008", action="quarantine"),
                Failure("extracted", "locator_format", "locator", "line 3", action="warn")]
    assert gate_decision(failures) == (True, [])


def schema_check_names() -> set[str]:
    """Every check name the schemas use, read from the built schemas themselves."""
    from schemas.cases import case_schema, consolidated_schema
    from schemas.extracted import extracted_schema
    from schemas.forces import forces_schema

    schemas = [case_schema({"standards": ("confidentiality",)}, {}, ()), consolidated_schema(()),
               extracted_schema("kent"), forces_schema((), {})]
    names = {"forces_complete"}    # a missing row: checked beside the schema (schemas.forces.missing_forces)
    for schema in schemas:
        names |= {check.name for check in schema.checks}
        names |= {check.name for column in schema.columns.values() for check in column.checks}
    return names


def test_every_check_the_schemas_use_has_a_rule_and_a_message_in_gate_yaml_and_no_rule_is_stale():
    gate = load_gate()
    configured = {key.split(".")[-1] for key in gate.rules}
    assert configured == schema_check_names()
    assert all(rule.message for rule in gate.rules.values())


def test_the_configured_gate_follows_the_campaigns_policy():
    gate = load_gate()
    assert gate.action("code_in_vocabulary", "cases") == "quarantine"
    assert gate.action("year_in_period", "cases") == "quarantine"
    assert gate.action("record_id_unique", "consolidated") == "withhold"
    assert gate.action("rows_reconcile", "forces") == "withhold"
    assert gate.action("a_check_nobody_configured") == "withhold"
    # nothing is held back at the extracted stage: rows are judged again as cases
    assert {gate.action(c, "extracted") for c in ("sha256_format", "locator_format", "row_has_cells",
                                                   "locator_unique")} == {"warn"}


def test_a_malformed_gate_names_the_bad_key(tmp_path):
    path = tmp_path / "gate.yaml"
    path.write_text("default: {action: withhold}\nchecks:\n  year_in_period: {action: drop}\n")
    with pytest.raises(GateConfigError) as error:
        load_gate(path)
    assert str(error.value) == ("gate.yaml: 'year_in_period' needs an action, one of quarantine, withhold, warn; "
                                "got {'action': 'drop'}")


def test_a_quarantine_rule_outside_the_case_stage_withholds_since_no_row_can_be_held_back(tmp_path):
    path = tmp_path / "gate.yaml"
    path.write_text("default: {action: withhold}\nchecks:\n  record_id_unique: {action: quarantine}\n"
                    "  rows_reconcile: {action: quarantine}\n")
    frame = consolidated_cases()
    frame.loc[1, "record_id"] = frame.loc[0, "record_id"]
    failures = validate_consolidated(frame, forces_table(kent={"rows_read": 4}), gate=load_gate(path))
    assert {(f.check, f.action) for f in failures} == {("record_id_unique", "withhold"),
                                                       ("rows_reconcile", "withhold")}
