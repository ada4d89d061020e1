"""One force's return: its files in ``raw/<force-id>/`` and the ground truth of what they hold.

The cell texts are computed once per case (:func:`cell_values`); the same values are written into the
file and into the truth, so the truth is verbatim by construction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from pipeline.forces import Force
from pipeline.samples.cases import SampleCase, force_period
from pipeline.samples.counts import COUNT_LAYOUTS, summary_sheet, write_counts
from pipeline.samples.office import (
    write_csv,
    write_docx_letter,
    write_docx_table,
    write_xlsx_sheets,
    write_xlsx_table,
)
from pipeline.samples.pdf import Paragraph, write_letter_pdf, write_ruled_pdf, write_unruled_pdf
from pipeline.samples.pool import letters
from pipeline.samples.prose import PROSE_LAYOUTS, write_docx_prose
from pipeline.samples.truth import CaseTruth, CountTruth, ForceTruth

REQUEST_RECEIVED = "18 February 2014"


def _date_cell(recorded: dt.date, style: str, layout: str) -> str | dt.date:
    if style == "excel" and layout.startswith("xlsx"):
        return recorded
    if style == "long":
        return f"{recorded.day} {recorded:%B %Y}"
    return f"{recorded:%d/%m/%Y}"


def cell_values(case: SampleCase, entry: dict) -> dict[str, str | int | dt.date]:
    """The value of every column of the return for one case, by field, exactly as it is written."""
    layout = entry["layout"]
    values: dict[str, str | int | dt.date] = {
        "ref": case.ref,
        "year": case.year if layout.startswith("xlsx") else str(case.year),
        "date": _date_cell(case.recorded, entry.get("date_style", "ddmmyyyy"), layout),
        "person_type": case.person_type.text,
        "rank": case.rank.text,
        "breach": case.breach.text,
        "outcome": case.outcome.text,
        "platform": case.platform.text if case.platform else "",
    }
    if entry.get("typographic_quotes"):
        values = {k: v.replace("'", "\u2019") if isinstance(v, str) else v for k, v in values.items()}
    return {field: values[field] for _, field in entry["columns"]}


def case_truth(case: SampleCase, values: dict, source_file: str, locator: str) -> CaseTruth:
    def text(field: str) -> str:
        value = values.get(field, "")
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    return CaseTruth(
        force_id=case.force_id,
        source_file=source_file,
        locator=locator,
        year=case.year,
        date_text=text("date"),
        case_ref=text("ref"),
        person_type_text=text("person_type"),
        rank_text=text("rank"),
        breach_text=text("breach"),
        outcome_text=text("outcome"),
        platform_text=text("platform"),
        person_type=case.person_type.code if "person_type" in values else case.rank.implies,
        rank=case.rank.code if "rank" in values else "not_stated",
        breach_category=case.breach.code,
        outcome_category=case.outcome.code,
        platform=case.platform_code,
    )


# ---------------------------------------------------------------- letter text

def _fill(text: str, force: Force, entry: dict) -> str:
    return text.format(force_name=force.force_name, reference=entry.get("reference", ""),
                       received_date=REQUEST_RECEIVED, reply_date=entry["reply_date"])


def _letter_top(force: Force, entry: dict) -> list[Paragraph]:
    words = letters()
    return [
        [force.force_name, "Freedom of Information Unit", "Professional Standards Department"],
        [f"Our reference: {entry.get('reference', '')}", f"Date: {entry['reply_date']}"],
        words["salutation"],
        words["request_intro"],
        words["request_text"],
        _fill(words["received"], force, entry),
    ]


def _letter_bottom(force: Force, entry: dict) -> list[Paragraph]:
    words = letters()
    return [*words["closing"], words["ico_block"], [_fill(line, force, entry) for line in words["signoff"]]]


def _table_letter(force: Force, entry: dict, index: int, attachment: bool = False) -> list[Paragraph]:
    words = letters()
    caveats = words["caveats"]
    chosen = [caveats[index % len(caveats)], caveats[(index + 1) % len(caveats)]]
    before = [*_letter_top(force, entry), _fill(words["held"], force, entry)]
    if entry.get("period_sentence"):
        before.append(entry["period_sentence"])
    before.append(words["disclose_attachment" if attachment else "disclose"])
    return [*before, *chosen]


def _status_letter(force: Force, entry: dict) -> tuple[list[Paragraph], str]:
    words = letters()
    if entry["layout"] == "refusal":
        wording = words["refusals"][entry["letter"]]
    else:
        wording = words[entry["layout"]]
    evidence = _fill(wording["evidence"], force, entry)
    body = [_fill(p, force, entry) for p in wording["body"]]
    return [*_letter_top(force, entry), evidence, *body, *_letter_bottom(force, entry)], evidence


# ---------------------------------------------------------------- one force

def write_return(
    force: Force, entry: dict, cases: list[SampleCase], folder: Path, index: int
) -> tuple[ForceTruth, list[CaseTruth], list[CountTruth]]:
    """Write the force's files into ``folder`` and return its truth. ``index`` varies the letter text."""
    entry = {**entry, "reply_date": f"{3 + index % 24} March 2014"}
    status = entry["status"]
    truth = ForceTruth(force_id=force.force_id, response_status=status)
    if status == "no_response":
        return truth, [], []
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / entry["file"]
    files = [path]
    case_rows: list[CaseTruth] = []
    count_rows: list[CountTruth] = []
    if entry.get("layout") in COUNT_LAYOUTS:
        count_rows = write_counts(force.force_id, entry, cases, path)
        truth.cases, truth.grain = len(cases), "count"
    elif entry.get("layout") in PROSE_LAYOUTS:
        count_rows = _write_prose(force, entry, cases, path)
        truth.cases, truth.grain, truth.refusal_basis = len(cases), "prose", entry.get("refusal_basis", "")
    elif status in ("refused", "nil_return", "not_held"):
        paragraphs, truth.evidence = _status_letter(force, entry)
        if entry["format"] == "docx":
            write_docx_letter(path, paragraphs)
        else:
            write_letter_pdf(path, paragraphs, letterhead=force.force_name)
        truth.refusal_basis = entry.get("refusal_basis", "")
        truth.grain = "letter"
        if status == "nil_return":
            truth.cases = 0
    else:
        if entry.get("covering_letter"):
            letter = folder / entry["covering_letter"]
            paragraphs = [*_table_letter(force, entry, index, attachment=True), *_letter_bottom(force, entry)]
            write_letter_pdf(letter, paragraphs, letterhead=force.force_name)
            files.insert(0, letter)
        extra_sheets = []
        if entry.get("summary_sheet"):
            sheet, count_rows = summary_sheet(force.force_id, entry, cases, f"{force.force_id}/{path.name}")
            extra_sheets.append(sheet)
        case_rows = _write_table(force, entry, cases, path, index, extra_sheets)
        truth.cases, truth.grain = len(cases), "case"
    if status in ("responded", "partial", "nil_return"):
        start, end = force_period(entry)
        truth.period_start, truth.period_end = start.isoformat(), end.isoformat()
    if entry.get("manifest"):
        _write_manifest(folder, force, entry)
    relative = [f"{force.force_id}/{p.name}" for p in files]
    truth.source_files = ";".join(relative)
    truth.file_formats = ";".join(sorted({p.suffix.lstrip(".").lower() for p in files}))
    return truth, case_rows, count_rows


def _write_prose(force: Force, entry: dict, cases: list[SampleCase], path: Path) -> list[CountTruth]:
    """A letter answering in numbered sentences, the nature of each allegation withheld (issue 9)."""
    words = letters()
    before = [*_letter_top(force, entry), _fill(words["held_in_part"], force, entry), words["prose_intro"]]
    return write_docx_prose(force.force_id, entry, cases, path, before, words["prose_withheld"],
                            _letter_bottom(force, entry))


def _write_table(force: Force, entry: dict, cases: list[SampleCase], path: Path, index: int,
                 extra_sheets: list | None = None) -> list[CaseTruth]:
    header = [heading for heading, _ in entry["columns"]]
    values = [cell_values(case, entry) for case in cases]
    rows = [list(v.values()) for v in values]
    layout = entry["layout"]
    source_file = f"{force.force_id}/{path.name}"
    if layout == "pdf_table":
        writer = write_ruled_pdf if entry.get("ruled") else write_unruled_pdf
        locators = writer(
            path, header, rows,
            before=_table_letter(force, entry, index), after=_letter_bottom(force, entry),
            letterhead=force.force_name, widths=entry.get("widths") or _default_widths(entry),
            repeat_header=entry.get("repeat_header", True),
        )
    elif layout == "docx_table":
        locators = write_docx_table(path, header, rows, before=_table_letter(force, entry, index),
                                    after=_letter_bottom(force, entry))
    elif layout == "csv":
        locators = write_csv(path, header, rows, encoding=entry["encoding"], delimiter=entry["delimiter"])
    elif layout == "xlsx_table":
        merged = None
        if entry.get("merged_header"):
            fields = [field for _, field in entry["columns"]]
            covered = [fields.index(f) + 1 for f in entry["merged_header"]["fields"]]
            merged = (entry["merged_header"]["label"], min(covered), max(covered))
        locators = write_xlsx_table(path, header, rows, sheet=entry.get("sheet", "Sheet1"),
                                    title=entry.get("title", ()), merged_header=merged,
                                    totals=entry.get("totals", False),
                                    blank_row_after=entry.get("blank_row_after"), extra_sheets=extra_sheets or ())
    elif layout == "xlsx_by_year":
        by_year: dict[str, list] = {}
        for case, row in zip(cases, rows):
            by_year.setdefault(str(case.year), []).append(row)
        per_sheet = write_xlsx_sheets(path, header, by_year, notes=entry.get("notes", ()))
        locators = [loc for sheet in by_year for loc in per_sheet[sheet]]
    else:
        raise ValueError(f"plan.yaml {force.force_id}: unknown layout '{layout}'")
    return [case_truth(c, v, source_file, loc) for c, v, loc in zip(cases, values, locators)]


_FIELD_WIDTHS = {"ref": 20, "year": 14, "date": 22, "person_type": 24, "rank": 28, "breach": 72,
                 "outcome": 40, "platform": 22}


def _default_widths(entry: dict) -> list[float]:
    return [_FIELD_WIDTHS[field] for _, field in entry["columns"]]


def _write_manifest(folder: Path, force: Force, entry: dict) -> None:
    manifest = {"force": force.force_id, "status": entry["status"]}
    for key, value in entry["manifest"].items():
        if isinstance(value, dict):
            manifest[key] = {k: str(v) for k, v in value.items()}
        else:
            manifest[key] = str(value)
    manifest["notes"] = "Synthetic sample return (see raw/README.md)."
    with (folder / "return.yaml").open("w", encoding="utf-8", newline="\n") as handle:
        yaml.safe_dump(manifest, handle, sort_keys=False, allow_unicode=True)
