"""Count-grain and prose rows to published count rows, a force's total from them, and the check of a summary
against the case list it summarises (issue 9).

``count_rows`` turns the ``ExtractedRow`` s that ``pipeline.extract.counts`` and ``pipeline.extract.prose``
emitted (``context["grain"]`` "count" or "prose") into rows of ``COUNT_COLUMNS``: one per number, codes beside
the verbatim labels, a suppressed cell kept as suppressed. ``force_total`` reads the force's total the way a
person would: a table's total row if it has one, else the sum of its categories; tables of one force are
breakdowns of the same cases, so the total is the largest complete one, and a disagreement is a finding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd

from pipeline.extract.counts import count_items, read_count
from pipeline.extract.prose import answer_numbers, question_role
from pipeline.forces import force_by_id
from pipeline.normalise import year_of
from pipeline.records import COUNT_COLUMNS, ExtractedRow, Finding

GRAINS = ("count", "prose")
_CATEGORY_FIELDS = ("outcome_category", "breach_category", "person_type")
# The vocabulary field of each label column, as the review queue names them for case texts.
REVIEWED_LABELS = {"breach_category": "breach_text", "outcome_category": "outcome_text",
                   "person_type": "person_type_text"}
_CASE_CELLS = {"breach", "outcome", "rank", "date", "case_ref", "platform"}


def is_count_row(row: ExtractedRow) -> bool:
    """A count cell or prose answer, or a row of a long count table read by a format's own reader (a year
    and a count, no case columns: the PDF reader's "Financial Year | Total")."""
    if row.context.get("grain") in GRAINS:
        return True
    return bool(row.cells.get("count")) and not (_CASE_CELLS & set(row.cells))


def split_rows(rows: Iterable[ExtractedRow]) -> tuple[list[ExtractedRow], list[ExtractedRow]]:
    """(case rows, count and prose rows)."""
    cases, counts = [], []
    for row in rows:
        (counts if is_count_row(row) else cases).append(row)
    return cases, counts


def empty_counts() -> pd.DataFrame:
    """A count table with no rows, its columns typed: a copy of one made once (typing the empty columns took
    40 ms, the copy 0.15 ms, and most returns have no counts)."""
    return _empty_counts_template().copy()


@lru_cache(maxsize=1)
def _empty_counts_template() -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=list(COUNT_COLUMNS)))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.loc[:, list(COUNT_COLUMNS)].copy()
    frame["count"] = frame["count"].astype("Int64")
    for column in ("suppressed", "summary_of_cases"):
        frame[column] = frame[column].astype(bool)
    for column in COUNT_COLUMNS:
        if column not in ("count", "suppressed", "summary_of_cases"):
            frame[column] = frame[column].fillna("").astype(str)
    return frame


def _force_name(force_id: str) -> str:
    try:
        return force_by_id(force_id).force_name
    except ValueError:
        return ""


def _record_id(row: ExtractedRow, index: int) -> str:
    key = f"{row.force_id}\x1f{row.source_file}\x1f{row.locator}\x1f{index}"
    return f"{row.force_id}-n{hashlib.sha256(key.encode('utf-8')).hexdigest()[:11]}"


def _code(vocabulary, field_name: str, text: str) -> str:
    return vocabulary.map(field_name, text).code if text else ""


def _place_category(label: str, vocabulary) -> dict[str, str]:
    """A category label whose field the table did not say: the field whose vocabulary knows it."""
    for field_name, text_column in (("outcome_category", "outcome_text"), ("breach_category", "breach_text"),
                                    ("person_type", "person_type_text")):
        if vocabulary.map(field_name, label).code not in ("unmapped", "not_stated"):
            return {text_column: label}
    return {"outcome_text": label}


def _base(row: ExtractedRow, grain: str) -> dict:
    return {
        "force_id": row.force_id, "grain": grain, "question": row.context.get("question", ""),
        "year": "", "period_text": "", "level": "breakdown", "breach_text": "", "outcome_text": "",
        "person_type_text": "", "count": None, "count_text": "", "suppressed": False, "refusal_basis": "",
        "summary_of_cases": False, "row_label": row.context.get("row_label", ""),
        "column_label": row.context.get("column_label", ""), "source_file": row.source_file,
        "source_table": row.context.get("table", "answers" if grain == "prose" else ""),
        "source_locator": row.locator, "source_sha256": row.source_sha256,
    }


def _from_count_cell(row: ExtractedRow, vocabulary) -> tuple[list[dict], list[Finding]]:
    text = row.cells.get("count", "")
    base = _base(row, "count")
    period = row.cells.get("year") or row.context.get("year", "")
    base.update(period_text=period, year=year_of(period), count_text=text,
                breach_text=row.cells.get("breach", ""), outcome_text=row.cells.get("outcome", ""),
                person_type_text=row.cells.get("person_type", ""))
    if row.extra.get("category"):
        base.update(_place_category(row.extra["category"], vocabulary))
    items = count_items(text)
    if items:
        column = "breach_text" if row.context.get("items") == "breach" else "outcome_text"
        return [{**base, column: label, "count": n, "level": "breakdown"} for n, label in items], []
    value = read_count(text, zero_words_mean_zero=row.context.get("zero_ok", "yes") == "yes")
    if value is None:
        return [], [Finding("warning", "count_unreadable",
                            f"{row.source_file}: '{text}' at {row.locator} is not a number, a zero or a suppression "
                            f"marker; it was not counted.", row.force_id, row.source_file, row.locator, text)]
    categorised = any(base[c] for c in ("breach_text", "outcome_text", "person_type_text"))
    level = "breakdown" if categorised else "total"
    return [{**base, "count": value.count, "suppressed": value.suppressed, "level": level}], []


def _from_answer(row: ExtractedRow) -> list[dict]:
    answer = row.context.get("answer", row.raw_text)
    question = row.context.get("question", "")
    numbers = answer_numbers(answer, question)
    base = {**_base(row, "prose"), "count_text": answer}
    if numbers.withheld:
        return [{**base, "level": "withheld", "refusal_basis": ";".join(numbers.sections)}]
    found = []
    if numbers.total is not None and question_role(question) in ("total", ""):
        found.append({**base, "count": numbers.total, "level": "total"})
        found += [{**base, "person_type_text": who, "count": n} for n, who in numbers.people]
    column = "breach_text" if question_role(question) == "breach" else "outcome_text"
    found += [{**base, column: label, "count": n} for n, label in numbers.items]
    return found


def count_rows(rows: Iterable[ExtractedRow], vocabulary) -> tuple[pd.DataFrame, list[Finding]]:
    """One published count row per number the force gave, in the order read; codes beside the labels."""
    records, findings = [], []
    for row in rows:
        if row.context.get("grain", "count") == "count":
            made, problems = _from_count_cell(row, vocabulary)
            findings += problems
        elif row.context.get("grain") == "prose":
            made = _from_answer(row)
        else:
            continue
        for index, record in enumerate(made):
            record["record_id"] = _record_id(row, index)
            records.append(record)
    if not records:
        return empty_counts(), findings
    frame = pd.DataFrame.from_records(records)
    frame["force_name"] = frame["force_id"].map(_force_name)
    frame["breach_category"] = frame["breach_text"].map(lambda t: _code(vocabulary, "breach_category", t))
    frame["outcome_category"] = frame["outcome_text"].map(lambda t: _code(vocabulary, "outcome_category", t))
    frame["person_type"] = frame["person_type_text"].map(lambda t: _code(vocabulary, "person_type", t))
    return _typed(frame), findings


def review_items(counts: pd.DataFrame, vocabulary) -> list[tuple]:
    """(field, text, force_id, mapping) for every label of a count row or prose answer: the review queue takes
    the ones the vocabulary could not place, as it does case texts (one entry per count row, not per case)."""
    if counts is None or counts.empty:
        return []
    given = counts[counts["level"] != "withheld"]
    return [(field_name, text, force_id, vocabulary.map(field_name, text))
            for field_name, column in REVIEWED_LABELS.items()
            for force_id, text in zip(given["force_id"], given[column], strict=True) if text]


def _sum_level(rows: pd.DataFrame) -> tuple[int | None, bool]:
    """(sum, complete): rows by year when the table has years, else the whole-period rows."""
    if rows.empty:
        return None, True
    dated = rows[rows["year"] != ""]
    use = dated if len(dated) else rows
    if not len(dated) and len(use) > 1:
        known = use["count"].dropna()
        return (int(known.max()) if len(known) else None), not use["suppressed"].any()
    known = use["count"].dropna()
    return int(known.sum()), not use["suppressed"].any()


def table_totals(counts: pd.DataFrame) -> dict[str, tuple[int | None, bool]]:
    """Each table's (total, complete): its total rows if it has any, else the sum of one breakdown."""
    totals = {}
    usable = counts[counts["level"] != "withheld"]
    for (source_file, table), rows in usable.groupby(["source_file", "source_table"], sort=True):
        key = f"{source_file} ({table})"
        total_rows = rows[rows["level"] == "total"]
        if len(total_rows):
            totals[key] = _sum_level(total_rows)
            continue
        breakdown = rows[rows["level"] == "breakdown"]
        # One breakdown only: the field with most rows (a table by outcome, or by breach).
        by_field = max(_CATEGORY_FIELDS, key=lambda c: (breakdown[c] != "").sum())
        totals[key] = _sum_level(breakdown[breakdown[by_field] != ""] if (breakdown[by_field] != "").any()
                                 else breakdown)
    return totals


def breakdown_findings(counts: pd.DataFrame, force_id: str = "") -> list[Finding]:
    """Within one table, a year whose categories do not add up to the year's total ("No of Officers" 4 but
    outcomes 1x + 2x): a warning naming the table and the years; the total row is the one used."""
    findings = []
    usable = counts[(counts["level"] != "withheld") & (counts["year"] != "") & ~counts["suppressed"]]
    for (source_file, table), rows in usable.groupby(["source_file", "source_table"], sort=True):
        totals = rows[rows["level"] == "total"].groupby("year")["count"].sum()
        parts = rows[rows["level"] == "breakdown"].groupby("year")["count"].sum()
        if totals.empty or parts.empty:
            continue
        differ = [f"{year}: total {int(totals[year])}, categories {int(parts.get(year, 0))}"
                  for year in totals.index if int(parts.get(year, 0)) != int(totals[year])]
        if differ:
            findings.append(Finding("warning", "count_breakdown_disagrees",
                                    f"{source_file} ({table}): the categories do not add up to the total of the "
                                    f"year ({'; '.join(differ)}); the totals are used.", force_id, source_file,
                                    table))
    return findings


def force_total(counts: pd.DataFrame, force_id: str = "") -> tuple[int | None, list[Finding]]:
    """The number of cases a force's counts add up to, and findings on how sure that is."""
    totals = {k: v for k, v in table_totals(counts).items() if v[0] is not None}
    if not totals:
        return None, []
    findings = breakdown_findings(counts, force_id)
    complete = {k: v for k, (v, ok) in totals.items() if ok}
    if complete:
        total = max(complete.values())
    else:
        total = max(v for v, _ in totals.values())
        findings.append(Finding("warning", "count_total_lower_bound",
                                f"{force_id}: some counts are suppressed (e.g. '<5'); the force's total {total} is "
                                f"the sum of the numbers given, a lower bound.", force_id))
    if len({v for v, _ in totals.values()}) > 1:
        listed = "; ".join(f"{k}: {v}" for k, (v, _) in sorted(totals.items()))
        findings.append(Finding("warning", "count_tables_disagree",
                                f"{force_id}: the force's tables of counts do not add up to the same total "
                                f"({listed}); the total used is {total}.", force_id))
    return total, findings


def counted_totals(counts: pd.DataFrame) -> dict[str, int | None]:
    """force_id -> the total its published count rows add up to (``force_total``), for forces that answered
    in counts or prose. A summary beside a case list (``summary_of_cases``) is left out: it is never a total."""
    if counts is None or counts.empty:
        return {}
    own = counts[~counts["summary_of_cases"].astype(bool)]
    return {force_id: force_total(rows, force_id)[0] for force_id, rows in own.groupby("force_id", sort=True)}


def _by_year(counts: pd.DataFrame) -> dict[str, int]:
    rows = counts[(counts["level"] != "withheld") & (counts["year"] != "")]
    totals = rows[rows["level"] == "total"]
    use = totals if len(totals) else rows
    return {str(y): int(v) for y, v in use.groupby("year")["count"].sum().items()}


def reconcile(force_id: str, cases: pd.DataFrame, counts: pd.DataFrame) -> list[Finding]:
    """A force that sent a case list and a summary of it: the summary is checked against the cases, never
    added to them. A difference is a warning naming the totals (and the years) that differ."""
    if counts.empty or counts["level"].eq("withheld").all():
        return []
    total, _ = force_total(counts, force_id)
    files = ", ".join(sorted(set(counts["source_file"])))
    listed = len(cases)
    if total is None:
        return []
    differences = []
    summary_years = _by_year(counts)
    if summary_years and "year" in cases:
        case_years = cases["year"].astype(str).value_counts().to_dict()
        for year in sorted(set(summary_years) | {y for y in case_years if y}):
            if summary_years.get(year, 0) != case_years.get(year, 0):
                differences.append(f"{year}: summary {summary_years.get(year, 0)}, case list "
                                   f"{case_years.get(year, 0)}")
    if total == listed and not differences:
        return [Finding("info", "summary_matches",
                        f"{force_id}: the summary in {files} agrees with the case list ({listed} cases); it is "
                        f"published in counts.csv as a summary and not added to the total.", force_id, files)]
    detail = f" By year: {'; '.join(differences)}." if differences else ""
    return [Finding("warning", "summary_disagrees",
                    f"{force_id}: the summary in {files} counts {total} cases but the case list has {listed}; "
                    f"the case list is used and the summary is not added to it.{detail}", force_id, files,
                    value=f"{total} != {listed}")]
