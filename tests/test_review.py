"""The review loop: what the vocabulary cannot place goes to a CSV; a person's decision there wins on
every later run and is never lost."""

from __future__ import annotations

import csv
from pathlib import Path

from pipeline.vocabulary import (
    Mapping,
    decisions_applied,
    load_vocabulary,
    pending_reviews,
    review_queue,
    write_review_file,
)

HEADER = "field,text,count,forces,suggested_code,chosen_code,note"


def decide(path: Path, text: str, code: str) -> None:
    """What a person does in a spreadsheet: fill in chosen_code on one row and save."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["text"] == text:
            row["chosen_code"] = code
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def mapped_cases(vocabulary, cases: list[tuple[str, str, str]]) -> list[tuple[str, str, str, Mapping]]:
    return [(field_name, text, force, vocabulary.map(field_name, text)) for field_name, text, force in cases]


CASES = [
    ("outcome_category", "Misconduct meeting held", "west-mercia"),
    ("outcome_category", "Misconduct meeting held", "warwickshire"),
    ("outcome_category", "Misconduct meeting held", "west-mercia"),
    ("outcome_category", "Final written warning", "west-mercia"),
    ("outcome_category", "Not uphled", "dyfed-powys"),
    ("outcome_category", "", "dyfed-powys"),
    ("breach_category", "Bought a car from a suspect's brother", "durham"),
]


def test_the_queue_holds_unmapped_and_low_confidence_texts_with_counts_and_forces():
    queue = review_queue(mapped_cases(load_vocabulary(), CASES), threshold=0.8)
    assert queue == [
        {"field": "breach_category", "text": "Bought a car from a suspect's brother", "count": 1,
         "forces": "durham", "suggested_code": "", "chosen_code": ""},
        {"field": "outcome_category", "text": "Misconduct meeting held", "count": 3,
         "forces": "warwickshire;west-mercia", "suggested_code": "", "chosen_code": ""},
        {"field": "outcome_category", "text": "Not uphled", "count": 1, "forces": "dyfed-powys",
         "suggested_code": "not_upheld", "chosen_code": ""},
    ]


def grouped(mapped: list[tuple]) -> list[tuple]:
    """What process_return hands on: one item per distinct (field, text, force) with its number of cases."""
    counts: dict[tuple, int] = {}
    for item in mapped:
        counts[item] = counts.get(item, 0) + 1
    return [(*item, cases) for item, cases in counts.items()]


def test_texts_grouped_with_their_case_counts_give_the_same_queue_and_decision_counts_as_one_item_per_case(
        tmp_path):
    vocabulary = load_vocabulary()
    per_case = mapped_cases(vocabulary, CASES)
    assert len(grouped(per_case)) < len(per_case)
    assert review_queue(grouped(per_case), 0.8) == review_queue(per_case, 0.8)
    path = tmp_path / "decisions.csv"
    write_review_file(review_queue(per_case, 0.8), path)
    decide(path, "Misconduct meeting held", "management_action")
    second_run = mapped_cases(load_vocabulary(path), CASES)
    assert decisions_applied(grouped(second_run)) == decisions_applied(second_run) == [
        {"field": "outcome_category", "text": "Misconduct meeting held", "code": "management_action", "cases": 3}]


def test_a_decision_changes_the_code_of_every_case_with_that_text_and_survives_reloading(tmp_path):
    path = tmp_path / "review" / "decisions.csv"
    vocabulary = load_vocabulary(path)
    write_review_file(review_queue(mapped_cases(vocabulary, CASES), 0.8), path)
    assert [row["text"] for row in pending_reviews(path)] == [
        "Bought a car from a suspect's brother", "Misconduct meeting held", "Not uphled"]

    decide(path, "Misconduct meeting held", "management_action")
    vocabulary = load_vocabulary(path)
    for variant in ("Misconduct meeting held", "MISCONDUCT MEETING HELD", " misconduct  meeting held. "):
        assert vocabulary.map("outcome_category", variant) == Mapping("management_action", "review", 1.0)
    assert vocabulary.map("breach_category", "Misconduct meeting held").code != "management_action"
    second_run = mapped_cases(vocabulary, CASES)
    assert decisions_applied(second_run) == [
        {"field": "outcome_category", "text": "Misconduct meeting held", "code": "management_action", "cases": 3}]

    write_review_file(review_queue(second_run, 0.8), path)   # the next run rewrites the file
    write_review_file([], path)                               # and a run where the text never came up
    assert load_vocabulary(path).map("outcome_category", "Misconduct meeting held").method == "review"
    assert [row["text"] for row in pending_reviews(path)] == []


def test_a_decision_beats_an_exact_synonym(tmp_path):
    # a force whose "NFA" meant "not upheld": the person's decision wins over the built-in synonym
    path = tmp_path / "decisions.csv"
    path.write_text(f"{HEADER}\noutcome_category,NFA,12,cumbria,no_further_action,not_upheld,Cumbria letter\n",
                    encoding="utf-8")
    assert load_vocabulary().map("outcome_category", "NFA").method == "exact"
    assert load_vocabulary(path).map("outcome_category", "NFA") == Mapping("not_upheld", "review", 1.0)


def test_writing_the_queue_keeps_decisions_and_notes_and_refreshes_pending_rows(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text(
        f"{HEADER}\n"
        "outcome_category,Redeployed,2,kent,,other,moved to another unit\n"
        "outcome_category,Old pending text,1,kent,,,\n"
        "rank,Cadet,1,kent,,,ask the force\n",
        encoding="utf-8")
    queue = [{"field": "rank", "text": "Cadet", "count": 4, "forces": "kent;essex", "suggested_code": "",
              "chosen_code": ""},
             {"field": "outcome_category", "text": "Redeployed", "count": 5, "forces": "kent",
              "suggested_code": "", "chosen_code": ""}]
    write_review_file(queue, path)
    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        HEADER,
        "outcome_category,Redeployed,5,kent,,other,moved to another unit",
        "rank,Cadet,4,kent;essex,,,ask the force",
    ]


def test_a_file_saved_by_a_spreadsheet_still_reads(tmp_path):
    # Excel in some locales: semicolons, Windows-1252 text, a byte-order mark
    path = tmp_path / "decisions.csv"
    path.write_bytes(f"{HEADER.replace(',', ';')}\r\noutcome_category;Retir\u00e9;1;kent;;resigned_or_retired;\r\n"
                     .encode("cp1252"))
    assert load_vocabulary(path).map("outcome_category", "Retir\u00e9") == Mapping("resigned_or_retired", "review", 1.0)
    bom = tmp_path / "bom.csv"
    bom.write_text(f"{HEADER}\nrank,Cadet,1,kent,,not_stated,\n", encoding="utf-8-sig")
    assert load_vocabulary(bom).map("rank", "Cadet").method == "review"


def test_a_decision_with_a_code_that_does_not_exist_is_reported_not_applied(tmp_path):
    path = tmp_path / "decisions.csv"
    path.write_text(f"{HEADER}\noutcome_category,Cadet course,1,kent,,sacked,\n", encoding="utf-8")
    vocabulary = load_vocabulary(path)
    assert vocabulary.map("outcome_category", "Cadet course").method != "review"
    assert vocabulary.review_problems == [
        (f"{path}: chosen_code 'sacked' for 'Cadet course' is not a code of outcome_category; use one of "
         "dismissed, resigned_or_retired, final_written_warning, written_warning, verbal_warning, "
         "management_action, no_case_to_answer, not_upheld, no_further_action, ongoing, other, not_stated. "
         "The decision was not applied")]


def test_no_review_file_means_no_decisions_and_nothing_pending(tmp_path):
    path = tmp_path / "missing.csv"
    assert pending_reviews(path) == []
    assert load_vocabulary(path).decisions == {}
