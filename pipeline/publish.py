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

from pipeline.frames import combine_chunks
from pipeline.memory import release_freed_memory
from pipeline.office_zip import save_workbook
from pipeline.records import CASE_COLUMNS, COUNT_COLUMNS, FORCE_COLUMNS
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
    "grain": "case (a row per case, in cases.csv) | count (numbers by year or category, in counts.csv) | prose "
             "(numbered answers in words, in counts.csv) | letter (no table) | empty when nothing was answered.",
    "cases": "Cases the force reported, whatever its grain: its case rows, or the total its counts or prose answers "
             "give; empty when it refused, did not hold, did not answer or could not be read.",
    "rows_read": "Data rows read from the force's files.",
    "rows_published": "Rows published in cases.csv.",
    "rows_quarantined": "Rows held back by validation (see the report).",
    "period_start": "Start of the period the answer covers (ISO date).",
    "period_end": "End of the period the answer covers (ISO date).",
    "source_files": "The force's files, ';'-separated, relative to raw/.",
    "evidence": "The sentence of a letter that decided its status.",
}

COUNT_FIELDS_DOC = {
    "record_id": "Stable id of the number: force id plus a hash of source file, locator and item.",
    "force_id": "police.uk force id.",
    "force_name": "Official force name.",
    "grain": "count (a table of numbers) | prose (a numbered answer in words).",
    "question": "The request's question a prose answer was matched to (1a, 1b, 1c), else empty.",
    "year": "Calendar year the number covers; empty when it covers the whole period.",
    "period_text": "The year or period label as the force wrote it (2012, 2012/13).",
    "level": "total (all cases of the year or period) | breakdown (one category) | withheld (part refused).",
    "breach_text": "Verbatim category of what was done, when the number is broken down by it.",
    "breach_category": "Controlled code of breach_text (see codebook of cases).",
    "outcome_text": "Verbatim outcome the number counts ('Written warning' of '1x Written warning').",
    "outcome_category": "Controlled code of outcome_text.",
    "person_type_text": "Verbatim officer/staff label, when the force gave one.",
    "person_type": "Controlled code of person_type_text.",
    "count": "The number; empty when suppressed ('<5', '*') or withheld. '-', blank, nil, none read as 0 only "
             "in a table that holds numbers.",
    "count_text": "The cell or the sentence the number was read from, verbatim.",
    "suppressed": "true when the force suppressed the number (a small-number marker): never a number.",
    "refusal_basis": "FOIA sections cited for a withheld part, ';'-separated.",
    "summary_of_cases": "true when the force also sent a case list: these numbers summarise cases.csv rows and "
                        "are checked against them, never added to them.",
    "row_label": "The row label of the count table, verbatim.",
    "column_label": "The column label of the count table, verbatim.",
    "source_file": "File the number came from, relative to raw/.",
    "source_table": "The table in the file ('sheet ...', 'table 1') or 'answers' for prose.",
    "source_locator": "The cell ('Sheet'!C4, 'table 1, row 3, column 2') or paragraph of the number.",
    "source_sha256": "SHA-256 of the source file's bytes.",
}


def neutralise_formula(value: str) -> str:
    """Defuse text a spreadsheet would execute ('=HYPERLINK(...)', '@SUM', '+cmd'); numbers stay as they are."""
    if value and value.startswith(_FORMULA_START) and value != "-" and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _neutralised(values: pd.Series) -> pd.Series:
    """``neutralise_formula`` over a column: only the cells that start like a formula are looked at one by one."""
    try:
        suspect = values.str.startswith(_FORMULA_START, na=False).astype(bool)
    except AttributeError:      # an object column that holds no text
        return values
    if not suspect.any():
        return values
    values = values.copy()
    values[suspect] = values[suspect].map(neutralise_formula)
    return values


def _safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy(deep=False)
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = _neutralised(frame[column])
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
    frame = frame.copy()
    frame.attrs = {}   # pandas would embed attrs (pandera leaves its schema there) in the file's metadata
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def _codebook() -> pd.DataFrame:
    rows = [["cases", name, text] for name, text in CASE_FIELDS_DOC.items()]
    rows += [["forces", name, text] for name, text in FORCE_FIELDS_DOC.items()]
    rows += [["counts", name, text] for name, text in COUNT_FIELDS_DOC.items()]
    return pd.DataFrame(rows, columns=["table", "field", "description"])


def counts_frame(counts: pd.DataFrame | None) -> pd.DataFrame:
    """Count rows in published order: by force, then file, table and locator as read."""
    from pipeline.counts import empty_counts

    if counts is None or not len(counts):
        return empty_counts()
    frame = counts.loc[:, list(COUNT_COLUMNS)].copy()
    frame["count"] = frame["count"].astype("Int64")
    return frame.reset_index(drop=True)


def _write_xlsx(cases: pd.DataFrame, forces: pd.DataFrame, path: Path, counts: pd.DataFrame | None = None) -> None:
    """One sheet per table (header frozen) and the codebook. openpyxl lays out each sheet with its header; the
    rows are streamed in as XML by ``save_workbook`` (through openpyxl's cell objects they took most of
    publish's time). The bytes are those of the normal openpyxl workbook this wrote before."""
    workbook = Workbook(write_only=True)
    tables = [("cases", cases), ("forces", forces)] + ([("counts", counts)] if counts is not None else [])
    for title, frame in tables:
        sheet = workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        sheet.append(list(frame.columns))
    codebook = _codebook()
    workbook.create_sheet("codebook").append(list(codebook.columns))
    fixed = pd.Timestamp("2014-02-17").to_pydatetime()
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "foi-pipeline"
    save_workbook(workbook, path, dict([*tables, ("codebook", codebook)]))


def _field_type(name: str, frame: pd.DataFrame) -> str:
    dtype = frame[name].dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "string"


def _datapackage(cases: pd.DataFrame, forces: pd.DataFrame, counts: pd.DataFrame | None = None) -> dict:
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
                   if name in ("cases", "counts") else {}),
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
                      resource("forces", forces, FORCE_FIELDS_DOC, "force_id")]
        + ([resource("counts", counts, COUNT_FIELDS_DOC, "record_id")] if counts is not None else []),
    }


def _names(frame: pd.DataFrame, status: str) -> list[str]:
    return sorted(frame.loc[frame["response_status"] == status, "force_name"].tolist())


def _coverage_lines(cases: pd.DataFrame, forces: pd.DataFrame, counts: pd.DataFrame | None) -> list[str]:
    """The national total over both grains, and how many forces gave each grain (issue 9)."""
    answered = forces[~forces["response_status"].isin(UNANSWERED_STATUSES)]
    total = int(answered["cases"].fillna(0).sum())
    by_grain = answered.groupby("grain")["cases"].agg(lambda s: int(s.fillna(0).sum()))
    forces_by_grain = answered["grain"].value_counts()
    case_forces = int(((answered["grain"] == "case") & (answered["cases"].fillna(0) > 0)).sum())
    if counts is None:
        return [f"- {len(cases)} cases published from {int((answered['cases'].fillna(0) > 0).sum())} forces."]
    lines = [f"- {total} cases in all, the sum of `cases` in `forces.csv` over every force that answered:",
             f"  - {len(cases)} case rows in `cases.csv` from {case_forces} forces that listed their cases;"]
    for grain, words in (("count", "answered in tables of numbers"), ("prose", "answered in numbered prose")):
        n = int(forces_by_grain.get(grain, 0))
        lines.append(f"  - {int(by_grain.get(grain, 0))} cases from {n} forces that {words} (`counts.csv`).")
    summaries = counts[counts["summary_of_cases"]]["force_id"].nunique() if len(counts) else 0
    if summaries:
        lines.append(f"- {summaries} forces sent a summary beside their case list: it is in `counts.csv` "
                     f"(`summary_of_cases` true), checked against the cases and never added to them.")
    return lines


def methodology_note(cases: pd.DataFrame, forces: pd.DataFrame, counts: pd.DataFrame | None = None) -> str:
    """The README.md published beside the data: what it is, what it covers, in words."""
    info = campaign()
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
        *_coverage_lines(cases, forces, counts),
    ]
    for status in sorted(by_status.index):
        names = _names(forces, status)
        lines.append(f"- {status.replace('_', ' ')} ({len(names)}): {', '.join(names)}.")
    lines += [
        "",
        "A force that refused, did not hold the information, sent nothing, or sent nothing readable has an empty",
        "`cases` value in `forces.csv`, never 0: the absence of an answer is not a count of zero.",
        "",
    ]
    if counts is not None:
        lines += [
            "Some forces answered with numbers rather than a row per case (years as columns, counts by outcome,",
            "'1x Written warning'), or in numbered sentences. Those numbers are in `counts.csv`, one row per",
            "number with the force's own labels and where it was read; a count is never turned into cases. A",
            "suppressed number ('<5', '*') stays suppressed; '-', a blank or 'nil' is 0 only in a table of numbers.",
            "",
        ]
    lines += [
        "## How to read the codes",
        "",
        "Every case keeps the force's own words (`*_text` columns) beside a controlled code. A text that could",
        "not be placed with confidence is coded `unmapped` rather than guessed; `*_method` and `*_confidence`",
        "say how each code was chosen. Field descriptions are in `datapackage.json` and the `codebook` sheet of",
        "`foi_dataset.xlsx`. Where each row came from: `source_file`, `source_locator`, `source_sha256`.",
        "",
        "## Files",
        "",
        "`cases.csv` / `cases.parquet`, `forces.csv` / `forces.parquet`, "
        + ("`counts.csv` / `counts.parquet`, " if counts is not None else "")
        + "`foi_dataset.xlsx`, `datapackage.json`.",
        "",
    ]
    return "\n".join(lines)


def published_paths(out_dir: Path, with_counts: bool) -> list[Path]:
    """What ``publish`` leaves in ``out_dir``, in its order: known before it runs, so the report can be written
    while it does (flows.py)."""
    names = ["README.md", "cases.csv", "cases.parquet", "datapackage.json", "foi_dataset.xlsx", "forces.csv",
             "forces.parquet"] + (["counts.csv", "counts.parquet"] if with_counts else [])
    return sorted(Path(out_dir) / name for name in names)


def publish(cases: pd.DataFrame, forces: pd.DataFrame, out_dir: Path, counts: pd.DataFrame | None = None
            ) -> list[Path]:
    """Write every output into a temporary sibling folder, then swap it in as ``out_dir``.

    ``counts`` (issue 9): the count-grain and prose rows; when not given, the ones ``consolidate`` left in
    ``forces.attrs["counts"]``. With neither, no counts.csv is written."""
    return swap_in(stage_outputs(cases, forces, out_dir, counts=counts), out_dir)


def stage_outputs(cases: pd.DataFrame, forces: pd.DataFrame, out_dir: Path, counts: pd.DataFrame | None = None) -> Path:
    """Every output written into a new sibling folder of ``out_dir``, which is not touched; that folder.

    Apart from ``swap_in`` so that the writing can start before the gate has decided: flows.py stages in a
    child process while this one checks the whole, then swaps the folder in, or discards it if withheld.

    The frames' Arrow columns are joined to one chunk each, in place (their values unchanged): a Parquet file's
    bytes depend on the chunking (a case table consolidated from 30 returns and the same table in one chunk
    wrote different cases.parquet files), and the frames reach here in as many chunks as they were built from."""
    if counts is None:
        attached = forces.attrs.get("counts")
        counts = getattr(attached, "frame", attached)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    cases = _safe_text(combine_chunks(cases).loc[:, list(CASE_COLUMNS)])
    forces = _safe_text(forces_frame(combine_chunks(forces)))
    if counts is not None:
        counts = _safe_text(counts_frame(combine_chunks(counts)))
    # the chunks the columns were joined from, freed, handed back: kept by malloc, they held as much as the
    # case table (+34 MB at 106,770 cases) while every output was written (bench/README.md, 2026-12-07)
    release_freed_memory()

    _write_csv(cases, staging / "cases.csv")
    _write_csv(forces, staging / "forces.csv")
    _write_parquet(cases, staging / "cases.parquet")
    _write_parquet(forces, staging / "forces.parquet")
    if counts is not None:
        _write_csv(counts, staging / "counts.csv")
        _write_parquet(counts, staging / "counts.parquet")
    _write_xlsx(cases, forces, staging / "foi_dataset.xlsx", counts)
    (staging / "datapackage.json").write_text(
        json.dumps(_datapackage(cases, forces, counts), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (staging / "README.md").write_text(methodology_note(cases, forces, counts), encoding="utf-8")
    return staging


def swap_in(staging: Path, out_dir: Path) -> list[Path]:
    """The staged folder becomes ``out_dir`` (two renames: a reader sees the old dataset or the new, whole);
    the files now published."""
    out_dir = Path(out_dir)
    previous = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(previous)
    Path(staging).rename(out_dir)
    if previous.exists():
        shutil.rmtree(previous)
    return sorted(out_dir.iterdir())


def discard(staging: Path) -> None:
    """A staged folder that will not be published (the gate withheld the run)."""
    shutil.rmtree(staging, ignore_errors=True)
