"""Count tables: numbers by year and/or category instead of a row per case (issue 9).

Three shapes are recognised, all from the same ``Grid`` the case reader gets:

- years as columns: a row of two or more year labels (``2012``, ``2012/13``) over rows of counts, each row
  labelled on its left ("No of Officers", "Outcomes", "Written warning");
- years as rows: a first column of year labels and every other column a count ("Year | Dismissed | ...");
- long: a header with a count column and no case columns ("Year | Outcome | Number of officers").

Every count cell becomes one ``ExtractedRow`` with ``context["grain"] == "count"``: its verbatim text under
``cells["count"]``, the year label under ``cells["year"]``, a category label under its role when the table
says which (else ``extra["category"]``), and the cell's own locator. Reading a cell ("-", "<5",
"1x Written warning, 2x Management advice") is :func:`read_count` / :func:`count_items`; what the numbers
mean (codes, totals) is decided later, in ``pipeline.counts``. Wordings live in schemas/count_phrases.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.extract.headers import header_role
from pipeline.records import ExtractedRow, Finding, TableSummary

PHRASES_PATH = Path(__file__).resolve().parents[2] / "schemas" / "count_phrases.yaml"
_YEAR_LABEL = re.compile(r"^(?:19|20)\d\d(?:\.0)?(?:\s*[/-]\s*(?:\d\d|(?:19|20)\d\d))?$")
_NUMBER = re.compile(r"^\d{1,6}(?:\.0+)?$")
_CASE_ROLES = {"date", "rank", "case_ref", "platform"}
_MAX_HEADER_SEARCH = 40


@dataclass(frozen=True)
class CountValue:
    """What one count cell says: a number, a zero written as a word or left blank, or a suppressed value."""

    count: int | None      # None when suppressed
    suppressed: bool = False
    how: str = "number"    # number | zero_word | blank | suppressed


@lru_cache(maxsize=1)
def phrases() -> dict:
    document = yaml.safe_load(PHRASES_PATH.read_text(encoding="utf-8"))
    words = "|".join(sorted((re.escape(str(w)) for w in document["number_words"]), key=len, reverse=True))
    document["numbers"] = {str(k).lower(): int(v) for k, v in document["number_words"].items()}
    document["suppression_re"] = [re.compile(p) for p in document["suppression"]]
    document["prefix_re"] = [re.compile(p) for p in document["count_prefix"]]
    document["separator_re"] = re.compile(document["item_separator"])
    document["prose_re"] = re.compile(document["prose_outcome"].replace("{number_words}", words))
    document["prose_verb_re"] = re.compile(document["prose_outcome_verb"].replace("{number_words}", words))
    document["total_answer_re"] = re.compile(document["total_answer"].replace("{number_words}", words))
    for key in ("total_labels", "outcome_labels", "breach_labels", "answer_start", "withheld"):
        document[f"{key}_re"] = re.compile(document[key])
    document["zero_set"] = {str(w).lower() for w in document["zero_words"]}
    return document


def _plain(text: str) -> str:
    return " ".join((text or "").lower().split())


def is_year_label(text: str) -> bool:
    return bool(_YEAR_LABEL.match((text or "").strip()))


def is_suppressed(text: str) -> bool:
    plain = _plain(text)
    return any(p.match(plain) for p in phrases()["suppression_re"])


def read_count(text: str, *, zero_words_mean_zero: bool = True) -> CountValue | None:
    """A count cell's value, or None when the text is not a count at all.

    "-", "nil", "none", "zero" and a blank are 0 only when ``zero_words_mean_zero`` (the caller knows the
    table holds numbers); "<5", "*" and the other suppression markers stay suppressed, never a number.
    """
    plain = _plain(text)
    if _NUMBER.match(plain):
        return CountValue(int(float(plain)))
    if is_suppressed(plain):
        return CountValue(None, True, "suppressed")
    if not plain:
        return CountValue(0, how="blank") if zero_words_mean_zero else None
    if plain in phrases()["zero_set"]:
        return CountValue(0, how="zero_word") if zero_words_mean_zero else None
    return None


def number_of(word: str) -> int | None:
    """'3' -> 3, 'three' -> 3, 'Two' -> 2; None when the word is not a number."""
    word = _plain(word)
    if _NUMBER.match(word):
        return int(float(word))
    return phrases()["numbers"].get(word)


def count_items(text: str) -> list[tuple[int, str]]:
    """A count-prefixed list read as (count, label) items: "1x Written warning, 2x Management advice" ->
    [(1, "Written warning"), (2, "Management advice")]. [] unless every item carries a count."""
    flat = " ".join((text or "").split())
    if not flat:
        return []
    items = []
    for part in phrases()["separator_re"].split(flat):
        part = part.strip(" .")
        if not part:
            continue
        for pattern in phrases()["prefix_re"]:
            match = pattern.match(part.lower())
            if match:
                start, end = match.span("label")
                items.append((int(match.group("n")), part[start:end].strip(" .")))
                break
        else:
            return []
    return items


def _role_of_label(label: str) -> str:
    """The role a row/column label gives the numbers beside it: 'total', 'outcome' (its cells name
    outcomes), 'breach', or '' (a category whose field is decided later)."""
    plain = _plain(label)
    p = phrases()
    if p["total_labels_re"].search(plain):
        return "total"
    if p["outcome_labels_re"].search(plain):
        return "outcome"
    if p["breach_labels_re"].search(plain):
        return "breach"
    return ""


def _case_header(cells: list[str]) -> bool:
    """A row naming two or more case columns (date, rank, breach, outcome, platform, reference)."""
    roles = {header_role(c) for c in cells if c}
    return len(roles & (_CASE_ROLES | {"breach", "outcome"})) >= 2


def _countish(text: str) -> bool:
    return read_count(text, zero_words_mean_zero=True) is not None or bool(count_items(text))


def _has_digit_count(texts: list[str]) -> bool:
    return any(_NUMBER.match(_plain(t)) or count_items(t) for t in texts)


def _row(grid, r: int, c: int, text: str, *, force_id: str, source_file: str, sha256: str,
         row_label: str, column_label: str, zero_ok: bool) -> ExtractedRow:
    row = ExtractedRow(force_id, source_file, sha256, grid.cell_locator(r, c), context=dict(grid.context),
                       raw_text=" | ".join(x for x in (row_label, column_label, text) if x))
    row.context.update({"grain": "count", "table": grid.where, "row_label": row_label,
                        "column_label": column_label, "zero_ok": "yes" if zero_ok else "no"})
    row.cells["count"] = text
    row.cell_locators["count"] = grid.cell_locator(r, c)
    for label in (row_label, column_label):
        role = _role_of_label(label)
        if is_year_label(label):
            row.cells["year"] = label
        elif role == "total":
            row.context["level"] = "total"
        elif role in ("outcome", "breach"):
            row.context["items"] = role     # the cell's items name the category
        elif label:
            row.extra["category"] = label
    return row


def _years_as_columns(grid, **where) -> tuple[list[ExtractedRow], TableSummary] | None:
    rows = grid.rows
    for h, header in enumerate(rows[:_MAX_HEADER_SEARCH]):
        if _case_header(header):
            return None      # a case table's header comes first: years further down are its data
        year_cols = [c for c, text in enumerate(header) if c > 0 and is_year_label(text)]
        if len(year_cols) < 2:
            continue
        count_cols = year_cols + [c for c, text in enumerate(header)
                                  if c > year_cols[0] and c not in year_cols and _role_of_label(text) == "total"]
        data = [r for r in range(h + 1, len(rows)) if any(rows[r][c] for c in range(min(year_cols[0],
                                                                                         len(rows[r]))))]
        cells = [rows[r][c] for r in data for c in count_cols if c < len(rows[r]) and rows[r][c]]
        if not cells or sum(_countish(t) for t in cells) * 2 < len(cells):
            return None
        if sum(is_year_label(t) for t in cells) * 2 > len(cells):
            return None      # years under years: dates of cases, not counts
        zero_ok = _has_digit_count(cells)
        found = []
        for r in data:
            label = next((rows[r][c] for c in range(year_cols[0] - 1, -1, -1) if rows[r][c]), "")
            for c in sorted(count_cols):
                text = rows[r][c] if c < len(rows[r]) else ""
                if not text and not zero_ok:
                    continue
                if text and not _countish(text):
                    continue
                found.append(_row(grid, r, c, text, row_label=label, column_label=header[c], zero_ok=zero_ok,
                                  **where))
        roles = {header[c]: ("year" if c in year_cols else "count") for c in count_cols}
        return found, TableSummary(grid.where, list(header), roles, len(found), grid.page, grid.sheet,
                                   grain="count")
    return None


def _years_as_rows(grid, **where) -> tuple[list[ExtractedRow], TableSummary] | None:
    rows = grid.rows
    for h, header in enumerate(rows[:_MAX_HEADER_SEARCH]):
        if len(header) < 2 or header_role(header[0]) != "year":
            continue
        data = [r for r in range(h + 1, len(rows)) if any(rows[r])]
        labelled = [r for r in data if rows[r] and is_year_label(rows[r][0])]
        if not labelled or len(labelled) < len(data) - 1:
            return None
        columns = [c for c in range(1, len(header)) if header[c]]
        cells = [rows[r][c] for r in data for c in columns if c < len(rows[r])]
        if not columns or not all(_countish(t) for t in cells) or not _has_digit_count(cells):
            return None
        found = [_row(grid, r, c, rows[r][c] if c < len(rows[r]) else "", row_label=rows[r][0],
                      column_label=header[c], zero_ok=True, **where) for r in data for c in columns]
        roles = {header[0]: "year", **{header[c]: "count" for c in columns}}
        return found, TableSummary(grid.where, list(header), roles, len(found), grid.page, grid.sheet,
                                   grain="count")
    return None


def _long(grid, **where) -> tuple[list[ExtractedRow], TableSummary] | None:
    rows = grid.rows
    for h, header in enumerate(rows[:_MAX_HEADER_SEARCH]):
        roles = [header_role(t) if t else "" for t in header]
        if "count" not in roles or _CASE_ROLES & set(roles) or sum(1 for r in roles if r) < 2:
            continue
        c_count = roles.index("count")
        data = [r for r in range(h + 1, len(rows)) if any(rows[r])]
        cells = [rows[r][c_count] if c_count < len(rows[r]) else "" for r in data]
        if not data or not all(_countish(t) for t in cells):
            return None
        zero_ok = _has_digit_count(cells)
        found = []
        for r, text in zip(data, cells, strict=True):
            labels = [rows[r][c] for c, role in enumerate(roles) if role and role != "count" and c < len(rows[r])]
            row = _row(grid, r, c_count, text, row_label=" | ".join(x for x in labels if x), column_label="",
                       zero_ok=zero_ok, **where)
            row.extra.pop("category", None)
            row.context.pop("level", None)
            for c, role in enumerate(roles):
                if role and role != "count" and c < len(rows[r]):
                    row.cells[role] = rows[r][c]
                    row.cell_locators[role] = grid.cell_locator(r, c)
            if _role_of_label(row.cells.get("outcome", "") or row.cells.get("breach", "") or
                              rows[r][0]) == "total":
                row.context["level"] = "total"
            found.append(row)
        return found, TableSummary(grid.where, list(header), dict(zip(header, roles, strict=False)), len(found),
                                   grid.page, grid.sheet, grain="count")
    return None


def _unplaced_columns(summary: TableSummary, *, force_id: str, source_file: str) -> list[Finding]:
    """Headings of a count table that name nothing we know (the label column of "Offence types" or
    "Hospital Name / Financial Year"): its labels ride along as categories, and a person is told so."""
    findings = []
    for heading in summary.header:
        if not heading or summary.column_roles.get(heading) or header_role(heading) or _role_of_label(heading) \
                or is_year_label(heading):
            continue
        summary.column_roles[heading] = ""
        findings.append(Finding("warning", "unknown_column",
                                f"{source_file}: column '{heading}' ({summary.locator}) of a table of counts was "
                                f"not understood: its labels are kept with each count as a category, but they "
                                f"name no outcome or allegation this campaign asks about.", force_id, source_file,
                                summary.locator, heading))
    return findings


def count_grid(grid, *, force_id: str, source_file: str, sha256: str
               ) -> tuple[list[ExtractedRow], TableSummary | None, list[Finding]] | None:
    """The count rows of a grid that is a count table, or None when it is not one (a case table, a letter)."""
    where = {"force_id": force_id, "source_file": source_file, "sha256": sha256}
    for shape in (_years_as_columns, _years_as_rows, _long):
        found = shape(grid, **where)
        if found is not None:
            rows, summary = found
            finding = Finding("info", "count_table",
                              f"{source_file}: {grid.where} is a table of counts ({len(rows)} cells), not a row "
                              f"per case; its numbers are published in counts.csv.", force_id, source_file,
                              grid.where)
            return rows, summary, [finding, *_unplaced_columns(summary, force_id=force_id,
                                                                 source_file=source_file)]
    return None
