"""The case table: one return's normalised rows, and all forces' rows consolidated.

Built per run, because what is allowed comes from data: the vocabulary's codes and each force's period.
"""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from schemas import column_check, row_check

# Case columns that hold a controlled code, and the vocabulary field that lists their codes.
CODE_FIELDS = {
    "person_type": "person_type",
    "rank": "rank",
    "breach_category": "breach_category",
    "outcome_category": "outcome_category",
    "platform": "platform",
}
# A text the vocabulary could not map is 'unmapped' and goes to review: a valid value, never a failure.
ALWAYS_ALLOWED = ("unmapped",)
TEXT_COLUMNS = (
    "record_id", "force_id", "force_name", "year", "date_text", "person_type", "person_type_text", "rank",
    "rank_text", "breach_text", "breach_category", "breach_method", "standards", "platform", "platform_text",
    "outcome_text", "outcome_category", "outcome_method", "case_ref", "source_file", "source_locator",
    "source_sha256",
)
CONTENT_COLUMNS = ("date_text", "person_type_text", "rank_text", "breach_text", "outcome_text", "platform_text")
_TOTALS = re.compile(r"^\s*(grand\s+)?(sub[- ]?)?totals?\s*:?\s*$", re.IGNORECASE)
_SHA256 = r"^[0-9a-f]{64}$"


def _year(date: object) -> int | None:
    """The year of a period bound: '2009-01-01', a date from YAML, '2013'; None when unbounded."""
    found = re.search(r"\d{4}", str(date or ""))
    return int(found.group()) if found else None


def _year_in_period(periods: dict[str, tuple[str, str]]):
    bounds = {force: (_year(start), _year(end)) for force, (start, end) in periods.items()}

    def passes(frame: pd.DataFrame) -> pd.Series:
        def inside(force_id: str, year: str) -> bool:
            if not year or not year.isdigit():
                return True       # unknown years are year_format's business, not this check's
            start, end = bounds.get(force_id, (None, None))
            return (start is None or int(year) >= start) and (end is None or int(year) <= end)

        return pd.Series([inside(f, y) for f, y in zip(frame["force_id"].tolist(), frame["year"].tolist())],
                         index=frame.index)

    return passes


def _standards_known(allowed: tuple[str, ...]):
    allowed_set = set(allowed)
    return lambda s: s.map(lambda text: all(part in allowed_set for part in text.split(";") if part))


def _source_in_force_folder(frame: pd.DataFrame) -> pd.Series:
    # as lists: iterating an Arrow-backed column makes a scalar per cell (20,000 rows: 36 ms, as lists 8 ms)
    pairs = zip(frame["force_id"].tolist(), frame["source_file"].tolist())
    return pd.Series([f.startswith(f"{force}/") for force, f in pairs], index=frame.index)


def _row_has_content(frame: pd.DataFrame) -> pd.Series:
    return frame.loc[:, list(CONTENT_COLUMNS)].apply(lambda col: col.str.strip() != "").any(axis=1)


def _not_a_totals_row(frame: pd.DataFrame) -> pd.Series:
    labels = frame["case_ref"].where(frame["case_ref"].str.strip() != "", frame["breach_text"])
    return ~labels.str.match(_TOTALS)


def case_schema(allowed_codes: dict[str, tuple[str, ...]], periods: dict[str, tuple[str, str]],
                force_ids: tuple[str, ...]) -> pa.DataFrameSchema:
    """The normalised cases of one return (or several): one row per case, codes from the vocabulary."""
    columns: dict[str, pa.Column] = {name: pa.Column(str) for name in TEXT_COLUMNS}
    columns["record_id"] = pa.Column(str, column_check("record_id_present", lambda s: s.str.strip() != ""))
    columns["force_id"] = pa.Column(str, column_check("force_known", lambda s: s.isin(force_ids)))
    columns["year"] = pa.Column(str, column_check("year_format", lambda s: s.str.fullmatch(r"(\d{4})?")))
    for column, field in CODE_FIELDS.items():
        allowed = tuple(allowed_codes.get(field, ())) + ALWAYS_ALLOWED
        columns[column] = pa.Column(str, column_check("code_in_vocabulary", lambda s, a=allowed: s.isin(a)))
    if "standards" in allowed_codes:
        columns["standards"] = pa.Column(str, column_check("code_in_vocabulary",
                                                           _standards_known(tuple(allowed_codes["standards"]))))
    for column in ("breach_confidence", "outcome_confidence"):
        columns[column] = pa.Column(float, column_check("confidence_range", lambda s: s.between(0.0, 1.0)))
    columns["source_locator"] = pa.Column(str, column_check("locator_present", lambda s: s.str.strip() != ""))
    columns["source_sha256"] = pa.Column(str, column_check("sha256_format", lambda s: s.str.fullmatch(_SHA256)))
    return pa.DataFrameSchema(
        columns,
        checks=[
            row_check("year_in_period", "year", _year_in_period(periods)),
            row_check("source_in_force_folder", "source_file", _source_in_force_folder),
            row_check("row_has_content", "breach_text", _row_has_content),
            row_check("not_a_totals_row", "breach_text", _not_a_totals_row),
        ],
        name="cases",
    )


def repeated_record(frame: pd.DataFrame) -> pd.Series:
    """Each row's earlier twin: the record_id of the first row of the same file with the same texts, or ''.

    Validated as a column of its own (``REPEATS_COLUMN``, added by ``validate_consolidated``) so that pandera
    reports a repeat once, in one cell: as a check over the whole frame that blames one cell it cost 1.9 s of
    CPU for the 87,120 repeats of the scale corpus (pandera turns each failing row into a dict), as a column
    check 0.1 s. The validation reports the failure against ``breach_text``, as a reader would point at it.
    """
    keys = ["force_id", "source_file", *CONTENT_COLUMNS]
    first = frame.groupby(keys, sort=False, dropna=False)["record_id"].transform("first")
    return first.where(frame.duplicated(subset=keys, keep="first"), "")


REPEATS_COLUMN = "repeats_record"


def consolidated_schema(force_ids: tuple[str, ...]) -> pa.DataFrameSchema:
    """All published cases together: each record_id once, each force in the force table."""
    return pa.DataFrameSchema(
        {
            "record_id": pa.Column(str, column_check("record_id_unique", lambda s: ~s.duplicated(keep=False))),
            "force_id": pa.Column(str, column_check("force_in_forces_table", lambda s: s.isin(force_ids))),
            "source_file": pa.Column(str),
            "source_locator": pa.Column(str),
            **{name: pa.Column(str) for name in CONTENT_COLUMNS},
            REPEATS_COLUMN: pa.Column(str, column_check("case_repeated", lambda s: s == ""), required=False),
        },
        name="consolidated cases",
    )
