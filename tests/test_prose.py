"""Numbered prose answers (issue 9): "1a) 3." / "1c) ... two officers received final Written Warnings and one
officer received Management advice." / a part refused under Section 40(2). Letters built with python-docx and
fpdf2, read by the pipeline's own extractors."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from pipeline.extract import extract_file
from pipeline.extract.prose import answer_numbers, match_question
from pipeline.forces import force_by_id
from pipeline.process import process_return
from pipeline.returns import ReturnFolder, ReturnManifest
from pipeline.vocabulary import load_vocabulary

LETTER = [
    "Dear Requester",
    "Your request for information below has been considered under the Freedom of Information Act 2000:",
    "1a) how many police officers and staff employees have been investigated for breaching police guidelines "
    "on social media use?",
    "I can confirm that the information you have requested is held in part by Northumbria Police.",
    "1a) 3.",
    "1b) We shall not be offering a response to this point and in doing so cite the following exemption. "
    "Section 40 (2) - Personal Information.",
    "1c) Three officers attended Misconduct Hearings of which two officers received final Written Warnings and "
    "one officer received Management advice.",
    "Yours sincerely",
]


def _docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def _pdf(path: Path, paragraphs: list[str]) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for text in paragraphs:
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.output(str(path))
    return path


def _process(folder: Path, force_id: str):
    files = sorted(p for p in folder.iterdir() if p.is_file())
    extractions = [extract_file(p, force_id, f"{force_id}/{p.name}") for p in files]
    return process_return(ReturnFolder(force_by_id(force_id), folder, files, ReturnManifest()), extractions,
                          load_vocabulary())


@pytest.mark.parametrize("label, question", [("1", "1a"), ("1a", "1a"), ("1.a", "1a"), ("Q1c", "1c"),
                                             ("2", "1b"), ("3", "1c"), ("6 & 7", "")])
def test_answer_numbers_are_matched_to_the_request_questions(label, question):
    assert match_question(label) == question


@pytest.mark.parametrize("text, question, total, items", [
    ("3.", "1a", 3, []),
    ("Zero for all 3 officers.", "1a", 0, []),
    ("Nil", "1a", 0, []),
    ("Seven officers were investigated.", "1a", 7, []),
    ("Three officers attended Misconduct Hearings of which two officers received final Written Warnings and one "
     "officer received Management advice.", "1c", None, [(2, "final Written Warnings"), (1, "Management advice")]),
    ("Two officers were dismissed and one resigned.", "1c", None, [(2, "dismissed"), (1, "resigned")]),
    ("1x Written warning, 2x Management advice", "1c", None, [(1, "Written warning"), (2, "Management advice")]),
])
def test_numbers_are_read_from_the_words(text, question, total, items):
    numbers = answer_numbers(text, question)
    assert (numbers.total, numbers.items, numbers.withheld) == (total, items, False)


@pytest.mark.parametrize("text, total, people", [
    ("7 (five police officers and two members of police staff).", 7,
     [(5, "police officers"), (2, "members of police staff")]),
    ("Three officers and one member of staff.", 4, [(3, "officers"), (1, "member of staff")]),
    ("There were 4 officers and 2 PCSOs investigated.", 6, [(4, "officers"), (2, "PCSOs")]),
    ("Three officers were investigated, two officers received written warnings.", 3, [(3, "officers")]),
    ("Zero for all 3 officers.", 0, []),                  # who the question was about, not a breakdown
    ("5 (two officers and two members of staff).", 5, []),  # groups that do not add up are not read
])
def test_a_how_many_answer_naming_who_is_broken_down_by_person_type(text, total, people):
    numbers = answer_numbers(text, "1a")
    assert (numbers.total, numbers.people) == (total, people)


def test_a_refused_part_names_its_sections():
    numbers = answer_numbers("6 & 7 We shall not be offering a response to these points and in doing so cite the "
                             "following exemption. Section 40 (2) - Personal Information")
    assert (numbers.withheld, numbers.sections, numbers.total) == (True, ["s40"], None)


@pytest.mark.parametrize("name, writer, locators", [
    ("answer.docx", _docx, ["paragraph 5", "paragraph 6", "paragraph 7", "paragraph 7"]),
    ("answer.pdf", _pdf, ["page 1, line 6", "page 1, line 7", "page 1, line 9", "page 1, line 9"]),
])
def test_numbered_prose_with_a_refused_part_is_partial_with_its_numbers(tmp_path, name, writer, locators):
    folder = tmp_path / "northumbria"
    folder.mkdir()
    writer(folder / name, LETTER)
    outcome = _process(folder, "northumbria")
    counts = outcome.counts
    got = [(r.question, r.level, r.outcome_text, r.outcome_category,
            None if r.level == "withheld" else int(r["count"]), r.refusal_basis) for _, r in counts.iterrows()]
    assert got == [
        ("1a", "total", "", "", 3, ""),
        ("1b", "withheld", "", "", None, "s40"),
        ("1c", "breakdown", "final Written Warnings", "final_written_warning", 2, ""),
        ("1c", "breakdown", "Management advice", "management_action", 1, ""),
    ]
    assert counts["source_locator"].tolist() == locators
    assert counts["grain"].unique().tolist() == ["prose"]
    assert counts["count_text"].tolist()[2].startswith("Three officers attended Misconduct Hearings")
    summary = outcome.summary
    assert (summary.response_status, summary.grain, summary.cases, summary.refusal_basis) == (
        "partial", "prose", 3, "s40")


def test_a_refusal_letter_with_numbered_paragraphs_stays_a_letter(tmp_path):
    folder = tmp_path / "essex"
    folder.mkdir()
    _docx(folder / "refusal.docx", [
        "Dear Requester",
        "1. I am writing to inform you that Essex Police is unable to provide the information you have requested, "
        "as the cost of locating and retrieving the information exceeds the 'appropriate level' (Section 12).",
        "2. In accordance with Section 16 of the Act I have a duty to provide advice and assistance.",
    ])
    outcome = _process(folder, "essex")
    assert outcome.counts.empty
    assert (outcome.summary.response_status, outcome.summary.grain, outcome.summary.cases) == (
        "refused", "letter", None)


def test_the_request_quoted_back_is_not_an_answer(tmp_path):
    folder = tmp_path / "northumbria"
    folder.mkdir()
    _docx(folder / "answer.docx", [
        "1a) how many police officers and staff employees have been investigated for breaching police guidelines "
        "on social media use",
        "1a) 4",
    ])
    outcome = _process(folder, "northumbria")
    assert outcome.counts["source_locator"].tolist() == ["paragraph 2"]
    assert outcome.summary.cases == 4


def test_a_refused_part_that_names_what_it_withholds_is_an_answer_not_the_question_quoted_back(tmp_path):
    # "the nature of each allegation" is close to question 1b's own words; the sentence still refuses 1b
    folder = tmp_path / "gwent"
    folder.mkdir()
    _docx(folder / "answer.docx", [
        "1. 2.",
        "2. We shall not be offering a response to this point. Section 40 (2) - Personal Information. The nature "
        "of each allegation could identify the individuals concerned.",
    ])
    outcome = _process(folder, "gwent")
    assert [(r.question, r.level, r.refusal_basis, r.source_locator) for _, r in outcome.counts.iterrows()] == [
        ("1a", "total", "", "paragraph 1"), ("1b", "withheld", "s40", "paragraph 2")]
    assert (outcome.summary.response_status, outcome.summary.refusal_basis) == ("partial", "s40")


def test_the_person_type_breakdown_of_a_prose_total_is_published_beside_it(tmp_path):
    folder = tmp_path / "gwent"
    folder.mkdir()
    _docx(folder / "answer.docx", ["1. 7 (five police officers and two members of police staff).",
                                   "3. Six received Management Advice and one was dismissed."])
    outcome = _process(folder, "gwent")
    got = [(r.question, r.level, r.person_type_text, r.person_type, r.outcome_category, int(r["count"]))
           for _, r in outcome.counts.iterrows()]
    assert got == [
        ("1a", "total", "", "", "", 7),
        ("1a", "breakdown", "police officers", "officer", "", 5),
        ("1a", "breakdown", "members of police staff", "staff", "", 2),
        ("1c", "breakdown", "", "", "management_action", 6),
        ("1c", "breakdown", "", "", "dismissed", 1),
    ]
    assert (outcome.summary.grain, outcome.summary.cases) == ("prose", 7)


def test_numbered_lines_that_answer_no_question_of_the_request_are_not_counted(tmp_path):
    folder = tmp_path / "kent"
    folder.mkdir()
    _docx(folder / "answer.docx", [
        "1. 60+ hours 0 1 0 16 0 31",              # a form's row of numbers, not an answer to 1a
        "15. Total 42 15 0 30 42 45 Total number of libraries 42",
        "16. Libraries permanently closed during 2016-17 0 46",
    ])
    outcome = _process(folder, "kent")
    assert outcome.counts.empty
    assert (outcome.summary.grain, outcome.summary.cases) == ("", None)


def test_an_answer_to_a_question_the_campaign_did_not_ask_is_not_counted_but_its_refusal_is_kept(tmp_path):
    folder = tmp_path / "kent"
    folder.mkdir()
    _docx(folder / "answer.docx", ["1. 3.", "4. 12 policies were reviewed.",
                                   "6 & 7 We shall not be offering a response to these points. Section 40 (2)."])
    outcome = _process(folder, "kent")
    assert [(r.question, r.level, r.refusal_basis) for _, r in outcome.counts.iterrows()] == [
        ("1a", "total", ""), ("6;7", "withheld", "s40")]
    assert (outcome.summary.cases, outcome.summary.response_status) == (3, "partial")
