"""The force table: every force once, its count reconciled with the rows it published."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipeline.status import UNANSWERED_STATUSES as UNANSWERED
from schemas import column_check, row_check

# The vocabulary's response statuses, plus ``unreadable`` (answered, but no file could be read).
STATUSES = ("responded", "nil_return", "partial", "refused", "not_held", "no_response", "unreadable")
_ONS_CODE = r"E23\d{6}|W15\d{6}"
# Grains whose total is in counts.csv, not in case rows (issue 9).
COUNTED_GRAINS = ("count", "prose")


def _cases_empty_when_unanswered(frame: pd.DataFrame) -> pd.Series:
    # A force that did not answer has no count at all: empty, never 0.
    unanswered = frame["response_status"].isin(UNANSWERED)
    return unanswered == frame["cases"].isna()


def _counted_grain(frame: pd.DataFrame) -> pd.Series:
    return frame["grain"].isin(COUNTED_GRAINS)


def _cases_match_published(published: dict[str, int]):
    """A force that answered with case rows (or a letter: 0 rows) has as many cases as case rows published."""
    def passes(frame: pd.DataFrame) -> pd.Series:
        expected = frame["force_id"].map(lambda f: published.get(f, 0))
        exempt = frame["cases"].isna() | _counted_grain(frame)
        return exempt | (frame["cases"].fillna(-1).astype("int64") == expected)

    return passes


def _cases_match_counts(counted: dict[str, int | None]):
    """A force that answered in counts or prose has as many cases as its rows in counts.csv add up to; a force
    of that grain with no usable rows there cannot be checked, and fails."""
    def passes(frame: pd.DataFrame) -> pd.Series:
        expected = frame["force_id"].map(lambda f: -1 if counted.get(f) is None else counted[f])
        exempt = frame["cases"].isna() | ~_counted_grain(frame)
        return exempt | (frame["cases"].fillna(-2).astype("int64") == expected)

    return passes


def _rows_published_match(published: dict[str, int]):
    return lambda frame: frame["rows_published"] == frame["force_id"].map(lambda f: published.get(f, 0))


def _rows_reconcile(frame: pd.DataFrame) -> pd.Series:
    return frame["rows_read"] == frame["rows_published"] + frame["rows_quarantined"]


def forces_schema(force_ids: tuple[str, ...], published: dict[str, int],
                  counted: dict[str, int | None] | None = None) -> pa.DataFrameSchema:
    """``published``: force_id -> case rows it has in the consolidated case table; ``counted``: force_id ->
    the total of its rows in the consolidated counts table (``pipeline.counts.counted_totals``)."""
    counted = counted or {}
    count = pa.Column("Int64", nullable=True)
    number = pa.Column("int64", column_check("count_not_negative", lambda s: s >= 0))
    return pa.DataFrameSchema(
        {
            "force_id": pa.Column(str, [column_check("force_once", lambda s: ~s.duplicated(keep=False)),
                                        column_check("force_known", lambda s: s.isin(force_ids))]),
            "force_name": pa.Column(str, column_check("force_name_present", lambda s: s.str.strip() != "")),
            "ons_code": pa.Column(str, column_check("ons_code_format", lambda s: s.str.fullmatch(_ONS_CODE))),
            "response_status": pa.Column(str, column_check("status_known", lambda s: s.isin(STATUSES))),
            "grain": pa.Column(str),
            "cases": count,
            "rows_read": number,
            "rows_published": number,
            "rows_quarantined": number,
        },
        checks=[
            row_check("cases_empty_when_unanswered", "cases", _cases_empty_when_unanswered),
            row_check("cases_match_published", "cases", _cases_match_published(published)),
            row_check("cases_match_counts", "cases", _cases_match_counts(counted)),
            row_check("rows_published_match", "rows_published", _rows_published_match(published)),
            row_check("rows_reconcile", "rows_read", _rows_reconcile),
        ],
        name="forces",
    )


def missing_forces(frame: pd.DataFrame, force_ids: tuple[str, ...]) -> list[str]:
    """Forces of England and Wales with no row in the table (a row cannot blame a row that is not there)."""
    present = set(frame["force_id"]) if "force_id" in frame else set()
    return [f for f in force_ids if f not in present]
