"""Extracted rows of one return, as read: provenance complete and in the documented locator formats."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipeline.records import ExtractedRow
from schemas import column_check, row_check

# docs/architecture.md, "Locators": PDF, spreadsheet, CSV and DOCX row locators.
ROW_LOCATOR = (
    r"page \d+, table \d+, row \d+"
    r"|'(?:[^']|'')+'!\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?"
    r"|row \d+"
    r"|table \d+, row \d+"
)
COLUMNS = ("force_id", "source_file", "source_sha256", "locator", "cells", "raw_text")


def rows_frame(rows: list[ExtractedRow]) -> pd.DataFrame:
    """The provenance of each row as a frame, and its first non-blank cell for the content check.

    Column by column, and the cell itself rather than all of them joined: a dict and a joined copy per row were
    most of a large return's validation memory.
    """
    frame = pd.DataFrame({
        "force_id": [row.force_id for row in rows],
        "source_file": [row.source_file for row in rows],
        "source_sha256": [row.source_sha256 for row in rows],
        "locator": [row.locator for row in rows],
        "cells": [next((v for v in row.cells.values() if v and v.strip()), "") for row in rows],
        "raw_text": [row.raw_text for row in rows],
    }, columns=list(COLUMNS))
    return frame.astype("str")


def _locator_unique(frame: pd.DataFrame) -> pd.Series:
    return ~frame.duplicated(subset=["source_file", "locator"], keep=False)


def extracted_schema(force_id: str) -> pa.DataFrameSchema:
    """Rows of the return in ``raw/<force_id>/``."""
    return pa.DataFrameSchema(
        {
            "force_id": pa.Column(str, column_check("force_matches_folder", lambda s: s == force_id)),
            "source_file": pa.Column(str),     # inside the force's folder: checked on the cases
            "source_sha256": pa.Column(str, column_check("sha256_format",
                                                         lambda s: s.str.fullmatch(r"[0-9a-f]{64}"))),
            "locator": pa.Column(str, column_check("locator_format", lambda s: s.str.fullmatch(ROW_LOCATOR))),
            "cells": pa.Column(str, column_check("row_has_cells", lambda s: s.str.strip() != "")),
            "raw_text": pa.Column(str),
        },
        checks=[row_check("locator_unique", "locator", _locator_unique)],
        name="extracted rows",
    )
