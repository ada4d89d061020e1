"""A return that answers in numbered prose, not a table (issue 9): the force's drawn cases are counted and
written as sentences echoing the request's question numbers, as Northumbria answered 593/20:

    1. 7 (three police officers, three members of police staff and one PCSO).
    2. We shall not be offering a response to this point ... Section 40 (2) - Personal Information.
    3. Of the seven, one resigned, two received Written Warnings, ... and one case resulted in no further action.

``docx_prose``: a Word letter, one paragraph per answer. Each number written is also a ``CountTruth`` row
(the withheld answer too), located by its paragraph, with the answer sentence as its text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pipeline.samples.cases import SampleCase
from pipeline.samples.office import write_docx_letter
from pipeline.samples.pdf import Paragraph
from pipeline.samples.pool import plan
from pipeline.samples.truth import CountTruth

PROSE_LAYOUTS = ("docx_prose",)
_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")
_LABEL = re.compile(r"\[(.+?)\]")


def _number(n: int) -> str:
    return _WORDS[n] if n < len(_WORDS) else str(n)


def _clause(code: str, n: int) -> tuple[str, str]:
    """(the clause as written, the outcome words in it the reader must take verbatim) for n cases of a code."""
    wordings = plan()["prose_outcomes"]
    if code not in wordings:
        raise ValueError(f"plan.yaml: prose_outcomes has no wording for outcome '{code}'; add one "
                         f"(e.g. \"{{n}} received a [Written Warning]\") or give the force another layout")
    template = wordings[code][0 if n == 1 else 1]
    label = _LABEL.search(template).group(1)
    return _LABEL.sub(r"\1", template).format(n=_number(n)), label


def _listed(clauses: list[str]) -> str:
    return clauses[0] if len(clauses) == 1 else f"{', '.join(clauses[:-1])} and {clauses[-1]}"


def total_sentence(cases: Sequence[SampleCase]) -> tuple[str, list[tuple[int, str, str]]]:
    """"7 (three police officers, three members of police staff and one PCSO)." and its (count, who, code)
    groups, person types in the order of plan.yaml ``person_weights``."""
    counted = Counter(c.person_type.code for c in cases)
    wordings = plan()["prose_people"]
    groups = [(counted[code], wordings[code][0 if counted[code] == 1 else 1], code)
              for code in plan()["person_weights"] if counted[code]]
    return f"{len(cases)} ({_listed([f'{_number(n)} {who}' for n, who, _ in groups])}).", groups


def outcome_sentence(cases: Sequence[SampleCase]) -> tuple[str, list[tuple[int, str, str]]]:
    """"Of the seven, one resigned, ... and one case resulted in no further action." and its (count, label,
    code) items, outcomes in the order of plan.yaml ``count_labels``."""
    counted = Counter(c.outcome.code for c in cases)
    items, clauses = [], []
    for code in plan()["count_labels"]:
        if counted[code]:
            clause, label = _clause(code, counted[code])
            clauses.append(clause)
            items.append((counted[code], label, code))
    return f"Of the {_number(len(cases))}, {_listed(clauses)}.", items


def write_docx_prose(force_id: str, entry: dict, cases: list[SampleCase], path: Path,
                     before: Sequence[Paragraph], withheld: str, after: Sequence[Paragraph]) -> list[CountTruth]:
    """The letter: ``before``, the three numbered answers (the second withholding the nature of each
    allegation with ``withheld``), ``after``. Returns the truth of every number, answer by answer."""
    source_file = f"{force_id}/{path.name}"
    total, groups = total_sentence(cases)
    outcomes, items = outcome_sentence(cases)
    answers = [("1a", total), ("1b", withheld), ("1c", outcomes)]
    first = len(before) + 1
    write_docx_letter(path, [*before, *(f"{n}. {text}" for n, (_, text) in enumerate(answers, 1)), *after])

    def truth(index: int, level: str, count: int | None, label: str = "", code: str = "", **who) -> CountTruth:
        question, text = answers[index]
        return CountTruth(force_id=force_id, source_file=source_file, locator=f"paragraph {first + index}",
                          year="", level=level, outcome_text=label, outcome_category=code, count=count,
                          count_text=text, grain="prose", question=question, **who)

    return [truth(0, "total", len(cases)),
            *(truth(0, "breakdown", n, person_type_text=who, person_type=code) for n, who, code in groups),
            truth(1, "withheld", None),
            *(truth(2, "breakdown", n, label, code) for n, label, code in items)]
