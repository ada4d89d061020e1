"""Extracted rows to normalised case rows: verbatim texts kept, codes added beside them.

The codes come from the vocabulary (``pipeline.vocabulary``); this module only decides which cell feeds
which field, reads the year, and gives each case a stable ``record_id``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from functools import cache

import pandas as pd

from pipeline.forces import force_by_id
from pipeline.records import CASE_COLUMNS, ExtractedRow

_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
_SHORT_DATE = re.compile(r"^\s*\d{1,2}[/.-]\d{1,2}[/.-](\d{2})\s*$")
_EXCEL_SERIAL = re.compile(r"^\s*(\d{5})(\.0+)?\s*$")


def record_id(row: ExtractedRow) -> str:
    """Stable while the source file, its name and the row's position are unchanged."""
    key = f"{row.force_id}\x1f{row.source_file}\x1f{row.locator}"
    return f"{row.force_id}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def year_of(text: str) -> str:
    """The calendar year a year/date cell names: '2013', '12/03/2013', '2013-03-12 00:00:00',
    '2012/13' (the first year of a financial year), an Excel serial, or '12/03/13'. '' when none."""
    text = (text or "").strip()
    if not text:
        return ""
    serial = _EXCEL_SERIAL.match(text)
    if serial:
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(serial.group(1)))
        return str(day.year)
    found = _YEAR.search(text)
    if found:
        return found.group(1)
    short = _SHORT_DATE.match(text)
    if short:
        return str(2000 + int(short.group(1)))
    return ""


def _spaced(text: str) -> str:
    """The text with each run of whitespace one space; the text itself when it already is (no copy)."""
    spaced = " ".join(text.split())
    return text if spaced == text else spaced


def normalise_rows(rows: Iterable[ExtractedRow], vocabulary) -> pd.DataFrame:
    """One case row per extracted row, columns exactly ``CASE_COLUMNS``, in extraction order (no rows: an empty
    table, its confidences float64 like any other)."""
    rows = list(rows)
    # Returns repeat their wordings: each distinct text is respaced, mapped and searched once per return, and
    # its cases share one string (and one rounded confidence) rather than a copy each.
    spaced, rounded = cache(_spaced), cache(lambda confidence: round(float(confidence), 3))

    def _text(row: ExtractedRow, role: str) -> str:
        return spaced(row.cells.get(role) or "")

    texts: dict[str, list[str]] = {"breach": [], "outcome": [], "person_type": [], "rank": [], "platform": []}
    for row in rows:
        for role in texts:
            texts[role].append(_text(row, role))
    mapped = {
        "breach": vocabulary.map_many("breach_category", texts["breach"]),
        "outcome": vocabulary.map_many("outcome_category", texts["outcome"]),
        "person_type": vocabulary.map_many("person_type", texts["person_type"] + texts["rank"]),
        "rank": vocabulary.map_many("rank", texts["rank"]),
        "platform": vocabulary.map_many("platform", texts["platform"]),
    }

    platform_in, standards_in, year = cache(vocabulary.platform_in), cache(vocabulary.standards_in), cache(year_of)

    # Built column by column: a dict of 24 fields per row was most of a large return's mapping memory.
    columns: dict[str, list] = {name: [] for name in CASE_COLUMNS}
    add = {name: column.append for name, column in columns.items()}
    for i, row in enumerate(rows):
        force = force_by_id(row.force_id)
        breach_text = texts["breach"][i]
        outcome_text = texts["outcome"][i]
        rank_text = texts["rank"][i]
        person_text = texts["person_type"][i]
        platform_text = texts["platform"][i]
        date_text = _text(row, "date")
        year_text = year(_text(row, "year")) or year(date_text) or year(row.context.get("year", ""))

        person = mapped["person_type"][person_text]
        if person.code in ("unmapped", "not_stated") and rank_text:
            from_rank = mapped["person_type"][rank_text]
            if from_rank.code not in ("unmapped", "not_stated"):
                person = from_rank
        if platform_text:
            platform = mapped["platform"][platform_text].code
        else:
            platform = platform_in(breach_text) or "not_stated"
        standards = standards_in(" ".join([breach_text, _text(row, "standards")]))
        breach = mapped["breach"][breach_text]
        outcome = mapped["outcome"][outcome_text]
        add["record_id"](record_id(row))
        add["force_id"](row.force_id)
        add["force_name"](force.force_name)
        add["year"](year_text)
        add["date_text"](date_text)
        add["person_type"](person.code)
        add["person_type_text"](person_text)
        add["rank"](mapped["rank"][rank_text].code)
        add["rank_text"](rank_text)
        add["breach_text"](breach_text)
        add["breach_category"](breach.code)
        add["breach_method"](breach.method)
        add["breach_confidence"](rounded(breach.confidence))
        add["standards"](";".join(standards))
        add["platform"](platform)
        add["platform_text"](platform_text)
        add["outcome_text"](outcome_text)
        add["outcome_category"](outcome.code)
        add["outcome_method"](outcome.method)
        add["outcome_confidence"](rounded(outcome.confidence))
        add["case_ref"](_text(row, "case_ref"))
        add["source_file"](row.source_file)
        add["source_locator"](row.locator)
        add["source_sha256"](row.source_sha256)
    frame = pd.DataFrame(columns, columns=list(CASE_COLUMNS))
    return frame.astype({c: "str" for c in CASE_COLUMNS if not c.endswith("_confidence")})


def cell_locators(rows: Iterable[ExtractedRow], record_ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """record_id -> {role: locator of that cell}, so a failure can name its source cell.

    ``record_ids`` are the cases ``normalise_rows`` made of the same rows, in the same order: hashing each row
    again and copying its locators cost a large return a second dict per row. The rows' own dicts are shared,
    read only.
    """
    return {record: row.cell_locators for row, record in zip(rows, record_ids, strict=True)}
