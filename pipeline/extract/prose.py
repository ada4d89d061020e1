"""Numbered prose answers: "1. 3." / "2. Zero for all 3 officers." / "3. ... two officers received final
Written Warnings and one officer received Management advice." / "6 & 7 We shall not be offering a response
... Section 40 (2)" (issue 9).

A letter's lines that start with a question number become answers, matched to the request's questions
(``pipeline/data/campaign.yaml`` ``questions``). Lines that only echo a question are skipped. A letter yields
answers only when at least one of them gives a number, so a refusal with numbered paragraphs stays a letter.
Each answer is an ``ExtractedRow`` with ``context["grain"] == "prose"``, the answer text kept verbatim as its
source; :func:`answer_numbers` reads the numbers out of it (codes come later, in ``pipeline.counts``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from pipeline.extract.counts import count_items, number_of, phrases
from pipeline.extract.letter import cited_sections
from pipeline.records import ExtractedRow

_LABEL_PARTS = re.compile(r"\d+\s*[a-z]?")


@dataclass
class AnswerNumbers:
    """The numbers one answer gives: a total, (count, label) items, or the sections it withholds under."""

    total: int | None = None
    items: list[tuple[int, str]] = field(default_factory=list)
    people: list[tuple[int, str]] = field(default_factory=list)   # (count, who) of a total: "two members of staff"
    withheld: bool = False
    sections: list[str] = field(default_factory=list)


def _questions() -> dict[str, str]:
    from pipeline.status import campaign

    return {str(k): str(v) for k, v in (campaign().get("questions") or {}).items()}


def normalise_label(label: str) -> str:
    """'1.a' / '1 a' / 'Q1a' -> '1a'; '6 & 7' -> '6;7'."""
    parts = ["".join(p.split()) for p in _LABEL_PARTS.findall((label or "").lower())]
    return ";".join(parts)


def match_question(label: str, text: str = "", questions: dict[str, str] | None = None) -> str:
    """The question an answer numbered ``label`` answers: its own id, else the n-th question for a bare
    number n, else the question its text is closest to; '' when none fits."""
    questions = questions if questions is not None else _questions()
    ids = list(questions)
    key = normalise_label(label)
    if key in questions:
        return key
    if key.isdigit():
        n = int(key)
        starting = [q for q in ids if re.match(rf"^{n}(?!\d)", q)]
        if len(ids) > 1 and 1 <= n <= len(ids) and not (starting and n == 1 and len(starting) == 1):
            return ids[n - 1]
        if starting:
            return starting[0]
    if text:
        best = max(ids, key=lambda q: fuzz.partial_ratio(questions[q].lower(), text.lower()), default="")
        if best and fuzz.partial_ratio(questions[best].lower(), text.lower()) >= 70:
            return best
    return ""


def question_role(question: str) -> str:
    return str((phrases().get("question_roles") or {}).get(question, ""))


def is_echo(text: str, questions: dict[str, str] | None = None) -> bool:
    """The line repeats a question (the request quoted back), it does not answer one. A line withholding its
    part is an answer even when it names what it withholds ("... the nature of each allegation ...")."""
    questions = questions if questions is not None else _questions()
    plain = " ".join(text.lower().split())
    if plain.endswith("?"):
        return True
    if phrases()["withheld_re"].search(plain):
        return False
    limit = phrases().get("question_echo_similarity", 85)
    return any(fuzz.partial_ratio(q.lower(), plain) >= limit for q in questions.values() if len(plain) >= 20)


def _leading_number(text: str) -> tuple[int | None, int]:
    """The number a 'how many' answer starts with, and where it stands in ``text`` (-1 when none)."""
    lowered = text.lower()
    offset = len(lowered) - len(lowered.lstrip())
    match = phrases()["total_answer_re"].match(lowered.strip())
    if not match or match.group("n") in ("a", "an", "single"):
        return None, -1
    return number_of(match.group("n")), offset + match.start("n")


@lru_cache(maxsize=1)
def _people_re() -> re.Pattern:
    words = "|".join(sorted((re.escape(str(w)) for w in phrases()["number_words"]), key=len, reverse=True))
    return re.compile(phrases()["prose_people"].replace("{number_words}", words))


def _people(plain: str, total: int | None, at: int) -> tuple[int | None, list[tuple[int, str]]]:
    """(total, groups) of a 'how many' answer naming who: groups that add up to the total, or that the answer
    starts with (their sum is the total: "Three officers and one member of staff"); else no groups. The
    subject of an outcome ("two officers received written warnings") is not a group."""
    lowered = plain.lower()
    outcomes = [m.span() for pattern in (phrases()["prose_re"], phrases()["prose_verb_re"])
                for m in pattern.finditer(lowered)]
    groups = []
    for match in _people_re().finditer(lowered):
        n = number_of(match.group("n"))
        if n is not None and not any(start <= match.start() < end for start, end in outcomes):
            start, end = match.span("label")
            groups.append((match.start("n"), n, plain[start:end]))
    if not groups:
        return total, []
    found = [(n, label) for _, n, label in groups]
    if groups[0][0] == at:
        return sum(n for n, _ in found), found
    return total, found if total is not None and sum(n for n, _ in found) == total else []


def answer_numbers(text: str, question: str = "") -> AnswerNumbers:
    """What an answer counts. A 'how many' answer gives a total ("3.", "Zero for all 3 officers.",
    "Nil"); an outcome answer gives items ("two officers received final written warnings" -> (2, 'final
    written warnings')); an answer refusing its part gives the sections cited."""
    p = phrases()
    plain = " ".join((text or "").split())
    lowered = plain.lower()
    numbers = AnswerNumbers()
    if p["withheld_re"].search(lowered):
        numbers.withheld, numbers.sections = True, cited_sections(plain)
        return numbers
    numbers.items = count_items(plain)
    if not numbers.items:
        found = []
        for pattern in (p["prose_re"], p["prose_verb_re"]):
            for match in pattern.finditer(lowered):
                n = number_of(match.group("n"))
                if n is not None:
                    start, end = match.span("label")
                    found.append((match.start(), n, plain[start:end].strip(" .")))
        numbers.items = [(n, label) for _, n, label in sorted(found)]
    if question_role(question) == "total" or not numbers.items:
        total, at = _leading_number(plain)
        numbers.total, numbers.people = _people(plain, total, at)
    return numbers


def numbered_answers(blocks: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(locator, label, text) of every line starting with a question number; ``blocks`` are
    (locator, text) pairs: a paragraph, or a page whose lines get 'line N' added."""
    answers: list[list[str]] = []
    start = phrases()["answer_start_re"]
    for where, text in blocks:
        lines = (text or "").splitlines()
        open_answer = None
        for i, line in enumerate(lines, start=1):
            line = line.strip()
            match = start.match(line)
            if match:
                locator = f"{where}, line {i}" if len(lines) > 1 else where
                open_answer = [locator, match.group("label").strip(), match.group("text").strip()]
                answers.append(open_answer)
            elif open_answer is not None and line and not open_answer[2].endswith((".", "?", "!", ":")):
                open_answer[2] += " " + line     # a sentence wrapped onto the next line of a page
            else:
                open_answer = None
    return [(locator, label, text) for locator, label, text in answers]


def is_number_row(text: str) -> bool:
    """A line that is mostly numbers: a table row printed as text, not a sentence answering a question."""
    words = text.split()
    numbers = [w for w in words if re.fullmatch(r"[(\[]?[\d,.]*\d[\d,.%+]*[)\]]?", w)]
    return len(numbers) >= phrases()["number_row_min"] and len(numbers) >= phrases()["number_row_share"] * len(words)


def prose_rows(blocks: list[tuple[str, str]], *, force_id: str, source_file: str, sha256: str,
               questions: dict[str, str] | None = None) -> list[ExtractedRow]:
    """The numbered answers of a letter as rows, or [] when none of them gives a number.

    Only answers to the request's questions are counted: a numbered line matching none of them (a form's
    box 15, a question the campaign did not ask) is kept only when it withholds its part, for the sections it
    cites. A line of numbers is never an answer."""
    questions = questions if questions is not None else _questions()
    rows, counted = [], False
    for locator, label, text in numbered_answers(blocks):
        if is_echo(text, questions) or is_number_row(text):
            continue
        question = match_question(label, text, questions)
        numbers = answer_numbers(text, question)
        if not question and not numbers.withheld:
            continue
        counted = counted or numbers.total is not None or bool(numbers.items)
        row = ExtractedRow(force_id, source_file, sha256, locator, raw_text=text)
        row.context.update({"grain": "prose", "question": question or normalise_label(label),
                            "question_label": label, "answer": text})
        rows.append(row)
    return rows if counted else []
