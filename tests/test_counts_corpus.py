"""The sample corpus's count- and prose-grain returns (issue 9) read back by the pipeline exactly as the
generator's ground truth says: every number with its cell or paragraph, the force's grain and total, and the
national figures summed over every grain."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from pipeline.extract import extract_file
from pipeline.process import process_return
from pipeline.returns import discover_returns
from pipeline.samples.truth import read_count_truth, read_truth
from pipeline.vocabulary import load_vocabulary
from tests.conftest import GROUND_TRUTH, RAW

COUNT_FORCES = ("avon-and-somerset", "north-yorkshire")
PROSE_FORCES = ("gwent",)           # numbered answers in a Word letter, one part withheld
SUMMARY_FORCES = ("lancashire",)    # a case list with a summary of it on a second sheet
COUNTED_GRAINS = ("count", "prose")


@pytest.fixture(scope="module")
def outcomes():
    folders, _ = discover_returns(RAW)
    vocabulary = load_vocabulary()
    found = {}
    for folder in folders:
        if folder.force_id in COUNT_FORCES + PROSE_FORCES + SUMMARY_FORCES:
            extractions = [extract_file(p, folder.force_id, f"{folder.force_id}/{p.name}",
                                        folder.manifest.hints_for(p.name)) for p in folder.files]
            found[folder.force_id] = process_return(folder, extractions, vocabulary)
    return found


def _key(row: dict) -> tuple:
    count = "" if pd.isna(row["count"]) or row["count"] == "" else str(row["count"])   # withheld: no number
    return (row["force_id"], row["source_file"], row["locator"], row["grain"], row["question"], row["year"],
            row["level"], row["outcome_text"], row["outcome_category"], row["person_type_text"], row["person_type"],
            count, row["count_text"], str(row["summary_of_cases"]))


def test_every_number_of_the_count_returns_is_read_from_its_cell(outcomes):
    truth = Counter(_key(row) for row in read_count_truth(GROUND_TRUTH))
    published = Counter()
    for outcome in outcomes.values():
        for _, row in outcome.counts.iterrows():
            published[_key({**row.to_dict(), "locator": row["source_locator"]})] += 1
    assert truth - published == Counter(), "numbers in the ground truth but not read"
    assert published - truth == Counter(), "numbers read but not in the ground truth"


@pytest.mark.parametrize("force_id", COUNT_FORCES)
def test_count_forces_have_their_grain_and_total(outcomes, force_id):
    _, forces = read_truth(GROUND_TRUTH)
    expected = next(f for f in forces if f["force_id"] == force_id)
    summary = outcomes[force_id].summary
    assert (summary.response_status, summary.grain, str(summary.cases)) == (
        expected["response_status"], "count", expected["cases"])
    assert outcomes[force_id].cases.empty


@pytest.mark.parametrize("force_id", PROSE_FORCES)
def test_prose_forces_have_their_grain_total_and_withheld_part(outcomes, force_id):
    _, forces = read_truth(GROUND_TRUTH)
    expected = next(f for f in forces if f["force_id"] == force_id)
    summary = outcomes[force_id].summary
    assert (summary.response_status, summary.grain, str(summary.cases), summary.refusal_basis) == (
        expected["response_status"], "prose", expected["cases"], expected["refusal_basis"])
    assert (expected["response_status"], expected["refusal_basis"]) == ("partial", "s40")
    assert outcomes[force_id].cases.empty


def test_gwents_numbered_answers_are_published_with_their_sentence_and_paragraph(outcomes):
    counts = outcomes["gwent"].counts
    got = [(r.question, r.level, r.person_type_text or r.outcome_text, r.person_type or r.outcome_category,
            None if pd.isna(r["count"]) else int(r["count"]), r.refusal_basis, r.source_locator)
           for _, r in counts.iterrows()]
    assert got == [
        ("1a", "total", "", "", 7, "", "paragraph 9"),
        ("1a", "breakdown", "police officers", "officer", 3, "", "paragraph 9"),
        ("1a", "breakdown", "members of police staff", "staff", 3, "", "paragraph 9"),
        ("1a", "breakdown", "PCSO", "pcso", 1, "", "paragraph 9"),
        ("1b", "withheld", "", "", None, "s40", "paragraph 10"),
        ("1c", "breakdown", "resigned", "resigned_or_retired", 1, "", "paragraph 11"),
        ("1c", "breakdown", "Written Warnings", "written_warning", 2, "", "paragraph 11"),
        ("1c", "breakdown", "Management Advice", "management_action", 2, "", "paragraph 11"),
        ("1c", "breakdown", "no case to answer", "no_case_to_answer", 1, "", "paragraph 11"),
        ("1c", "breakdown", "no further action", "no_further_action", 1, "", "paragraph 11"),
    ]
    assert counts["count_text"].tolist()[:4] == 4 * [
        "7 (three police officers, three members of police staff and one PCSO)."]
    assert counts["count_text"].tolist()[5:] == 5 * [
        "Of the seven, one resigned, two received Written Warnings, two received Management Advice, one had no "
        "case to answer and one case resulted in no further action."]
    assert set(counts["source_file"]) == {"gwent/Gwent 2014-00127.docx"}


def test_national_total_and_outcome_shares_hold_over_every_grain():
    cases, forces = read_truth(GROUND_TRUTH)
    assert sum(int(f["cases"] or 0) for f in forces) == 828
    assert len(cases) == 828 - sum(int(f["cases"]) for f in forces if f["grain"] in COUNTED_GRAINS)
    outcomes = Counter(c["outcome_category"] for c in cases)
    for row in read_count_truth(GROUND_TRUTH):
        # each case counted once: a count table's years (not its Total column), a prose answer's whole period
        if row["level"] == "breakdown" and (row["year"] or row["grain"] == "prose"):
            outcomes[row["outcome_category"]] += int(row["count"])
    assert outcomes["no_further_action"] + outcomes["no_case_to_answer"] == 118
    assert outcomes["resigned_or_retired"] + outcomes["dismissed"] == 83


def test_a_summary_beside_a_case_list_is_checked_and_not_added(outcomes):
    lancashire = outcomes["lancashire"]
    summary = lancashire.summary
    assert (summary.grain, summary.cases, summary.rows_published) == ("case", 31, 31)
    assert lancashire.counts["summary_of_cases"].all()
    assert [(f.severity, f.message) for f in summary.findings if f.code.startswith("summary_")] == [(
        "info", "lancashire: the summary in lancashire/LC-2014-0555 Social Media.xlsx agrees with the case list "
                "(31 cases); it is published in counts.csv as a summary and not added to the total.")]
