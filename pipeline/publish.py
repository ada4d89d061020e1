"""Write the published dataset: CSV, Parquet, one XLSX with a codebook, datapackage.json, README.md.

Everything is written into a fresh sibling folder and swapped in at the end, so a failed or killed run
leaves the previous publication untouched. Outputs carry no timestamps: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from pipeline.office_zip import save_workbook
from pipeline.records import CASE_COLUMNS, FORCE_COLUMNS
from pipeline.status import UNANSWERED_STATUSES, campaign

# Spreadsheet programs run a cell that starts with these as a formula; a leading apostrophe defuses it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")

CASE_FIELDS_DOC = {
    "record_id": "Stable id of the case: force id plus a hash of source file and row locator.",
    "force_id": "police.uk force id.",
    "force_name": "Official force name.",
    "year": "Calendar year of the case as the force gave it (recorded year, or year of the date given).",
    "date_text": "The date cell, verbatim, when the force gave a date.",
    "person_type": "officer | staff | special_constable | pcso | volunteer | not_stated | unmapped.",
    "person_type_text": "Verbatim officer/staff text.",
    "rank": "constable | sergeant | inspector_or_above | inspector | chief_inspector | superintendent_or_above | "
            "staff_grade | not_stated | unmapped.",
    "rank_text": "Verbatim rank or pay grade.",
    "breach_text": "Verbatim description of what was done.",
    "breach_category": "Controlled code for what was done (see codebook).",
    "breach_method": "How the code was chosen: review | exact | pattern | fuzzy | empty | unmapped.",
    "breach_confidence": "Confidence of the breach code, 0 to 1.",
    "standards": "Standards of Professional Behaviour named, ';'-separated codes.",
    "platform": "facebook | twitter | ... | not_stated: from a platform column or named in the breach text.",
    "platform_text": "Verbatim platform cell, when the force gave one.",
    "outcome_text": "Verbatim outcome or sanction.",
    "outcome_category": "Controlled code for the final outcome (see codebook).",
    "outcome_method": "How the code was chosen.",
    "outcome_confidence": "Confidence of the outcome code, 0 to 1.",
    "case_ref": "The force's own reference or row number, verbatim.",
    "source_file": "File the row came from, relative to raw/.",
    "source_locator": "Where in the file: 'page P, table T, row R', 'Sheet'!A1:E1, 'row N' or 'table T, row R'.",
    "source_sha256": "SHA-256 of the source file's bytes.",
}
FORCE_FIELDS_DOC = {
    "force_id": "police.uk force id.",
    "force_name": "Official force name.",
    "ons_code": "ONS police force area code.",
    "response_status": "responded | nil_return | partial | refused | not_held | no_response | unreadable.",
    "refusal_basis": "FOIA sections cited for what was withheld, ';'-separated (s12, s31, s40, ncnd ...).",
    "grain": "case (a row per case) | letter (no table) | empty when nothing was answered.",
    "cases": "Cases the force reported; empty when it refused, did not hold, did not answer or could not be read.",
    "rows_read": "Data rows read from the force's files.",
    "rows_published": "Rows published in cases.csv.",
    "rows_quarantined": "Rows held back by validation (see the report).",
    "period_start": "Start of the period the answer covers (ISO date).",
    "period_end": "End of the period the answer covers (ISO date).",
    "source_files": "The force's files, ';'-separated, relative to raw/.",
    "evidence": "The sentence of a letter that decided its status.",
}


def neutralise_formula(value: str) -> str:
    """Defuse text a spreadsheet would execute ('=HYPERLINK(...)', '@SUM', '+cmd'); numbers stay as they are."""
    if value and value.startswith(_FORMULA_START) and value != "-" and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: neutralise_formula(v) if isinstance(v, str) else v)
    return frame


def forces_frame(forces: pd.DataFrame) -> pd.DataFrame:
    frame = forces.loc[:, list(FORCE_COLUMNS)].copy()
    frame["cases"] = frame["cases"].astype("Int64")
    for column in ("rows_read", "rows_published", "rows_quarantined"):
        frame[column] = frame[column].astype("int64")
    return frame


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def _codebook_rows() -> list[list[str]]:
    rows = [["table", "field", "description"]]
    rows += [["cases", name, text] for name, text in CASE_FIELDS_DOC.items()]
    rows += [["forces", name, text] for name, text in FORCE_FIELDS_DOC.items()]
    return rows


def _write_xlsx(cases: pd.DataFrame, forces: pd.DataFrame, path: Path) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, frame in (("cases", cases), ("forces", forces)):
        sheet = workbook.create_sheet(title)
        sheet.append(list(frame.columns))
        for values in frame.itertuples(index=False):
            sheet.append([None if pd.isna(v) else v for v in values])
        sheet.freeze_panes = "A2"
    codebook = workbook.create_sheet("codebook")
    for row in _codebook_rows():
        codebook.append(row)
    fixed = pd.Timestamp("2014-02-17").to_pydatetime()
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "foi-pipeline"
    save_workbook(workbook, path)


def _field_type(name: str, frame: pd.DataFrame) -> str:
    dtype = frame[name].dtype
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "string"


def _datapackage(cases: pd.DataFrame, forces: pd.DataFrame) -> dict:
    def resource(name: str, frame: pd.DataFrame, docs: dict, key: str) -> dict:
        return {
            "name": name,
            "path": f"{name}.csv",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [
                    {"name": c, "type": _field_type(c, frame), "description": docs.get(c, "")}
                    for c in frame.columns
                ],
                "primaryKey": [key],
                **({"foreignKeys": [{"fields": ["force_id"],
                                     "reference": {"resource": "forces", "fields": ["force_id"]}}]}
                   if name == "cases" else {}),
                "missingValues": [""],
            },
        }

    info = campaign()
    return {
        "profile": "tabular-data-package",
        "name": "police-social-media-misconduct-2014",
        "title": info["name"],
        "description": "Consolidated answers of the 43 territorial police forces of England and Wales to one FOI "
                       "request. SYNTHETIC RECONSTRUCTION of the 2014 campaign: see README.md.",
        "licenses": [{"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0"}],
        "resources": [resource("cases", cases, CASE_FIELDS_DOC, "record_id"),
                      resource("forces", forces, FORCE_FIELDS_DOC, "force_id")],
    }


def _names(frame: pd.DataFrame, status: str) -> list[str]:
    return sorted(frame.loc[frame["response_status"] == status, "force_name"].tolist())


def methodology_note(cases: pd.DataFrame, forces: pd.DataFrame) -> str:
    """The README.md published beside the data: what it is, what it covers, in words."""
    info = campaign()
    answered = forces[~forces["response_status"].isin(UNANSWERED_STATUSES)]
    by_status = forces["response_status"].value_counts().sort_index()
    lines = [
        f"# {info['name']}",
        "",
        "**This is a synthetic reconstruction.** The returns in `raw/` were generated to be consistent with the",
        "figures the Press Association published in 2014 (828 cases; Greater Manchester 88, West Midlands 74,",
        "the Met 69; Essex, Hampshire, Merseyside and Staffordshire refused). They are not the forces' real answers.",
        "",
        "## The request",
        "",
        (f"Sent by the {info['requester']} to all 43 territorial police forces of England and Wales, covering "
         f"{info['period']['start']} to {info['period']['end']}:"),
        "",
        f"> {info['request_text']}",
        "",
        "## Coverage",
        "",
        f"- {len(cases)} cases published from {int((answered['cases'].fillna(0) > 0).sum())} forces.",
    ]
    for status in sorted(by_status.index):
        names = _names(forces, status)
        lines.append(f"- {status.replace('_', ' ')} ({len(names)}): {', '.join(names)}.")
    lines += [
        "",
        "A force that refused, did not hold the information, sent nothing, or sent nothing readable has an empty",
        "`cases` value in `forces.csv`, never 0: the absence of an answer is not a count of zero.",
        "",
        "## How to read the codes",
        "",
        "Every case keeps the force's own words (`*_text` columns) beside a controlled code. A text that could",
        "not be placed with confidence is coded `unmapped` rather than guessed; `*_method` and `*_confidence`",
        "say how each code was chosen. Field descriptions are in `datapackage.json` and the `codebook` sheet of",
        "`foi_dataset.xlsx`. Where each row came from: `source_file`, `source_locator`, `source_sha256`.",
        "",
        "## Files",
        "",
        "`cases.csv` / `cases.parquet`, `forces.csv` / `forces.parquet`, `foi_dataset.xlsx`, `datapackage.json`.",
        "",
    ]
    return "\n".join(lines)


def publish(cases: pd.DataFrame, forces: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write every output into a temporary sibling folder, then swap it in as ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    cases = _safe_text(cases.loc[:, list(CASE_COLUMNS)])
    forces = _safe_text(forces_frame(forces))

    _write_csv(cases, staging / "cases.csv")
    _write_csv(forces, staging / "forces.csv")
    _write_parquet(cases, staging / "cases.parquet")
    _write_parquet(forces, staging / "forces.parquet")
    _write_xlsx(cases, forces, staging / "foi_dataset.xlsx")
    (staging / "datapackage.json").write_text(
        json.dumps(_datapackage(cases, forces), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (staging / "README.md").write_text(methodology_note(cases, forces), encoding="utf-8")

    previous = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(previous)
    staging.rename(out_dir)
    if previous.exists():
        shutil.rmtree(previous)
    return sorted(out_dir.iterdir())
