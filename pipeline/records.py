"""The record shapes that flow one way through the pipeline.

raw file --extract--> ``FileExtraction`` (``ExtractedRow`` s + ``Finding`` s)
         --normalise--> case rows (a DataFrame, columns in ``CASE_COLUMNS``)
         --validate--> published rows + quarantined rows
         --publish--> published/ and reports/

Extractors never know about codes or publishing; later stages never open files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

# Column roles a header can be given (see schemas/header_synonyms.yaml).
COLUMN_ROLES = (
    "year",          # a year, financial year or period label
    "date",          # a full date (recorded, finalised, incident)
    "person_type",   # officer / staff / PCSO ...
    "rank",          # rank or pay grade
    "breach",        # free-text description of what was done
    "outcome",       # free-text result / sanction
    "platform",      # Facebook, Twitter ...
    "case_ref",      # the force's own reference or a row number
    "count",         # a number of cases (count-grain tables)
    "standards",     # Standards of Professional Behaviour named
)

FileKind = Literal["table", "partial", "refused", "nil_return", "not_held", "needs_ocr", "unknown"]
Severity = Literal["error", "warning", "info"]


@dataclass
class Finding:
    """Something a person should know about a return: an error, a doubt or a note.

    Errors never stop a run: they are collected on the record of the run and shown in the report.
    ``code`` is a stable machine name (``corrupt_file``, ``unknown_column``, ``unmapped_term`` ...).
    """

    severity: Severity
    code: str
    message: str
    force_id: str = ""
    source_file: str = ""
    locator: str = ""
    value: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ExtractedRow:
    """One data row exactly as the force wrote it, with where it came from.

    ``cells`` maps a column role to the verbatim cell text (whitespace inside the text is kept
    except that a line wrap inside a cell becomes one space). ``cell_locators`` maps the same roles
    to the locator of each cell, so a failure can name the source cell. ``extra`` keeps columns
    that got no role (header text -> cell text). ``context`` carries values the row inherits from
    its surroundings, such as ``year`` taken from a sheet name.
    """

    force_id: str
    source_file: str        # path relative to the raw/ folder, e.g. "west-mercia/response.pdf"
    source_sha256: str
    locator: str            # "page 2, table 1, row 4" | "'2013'!A7:E7" | "row 5" | "table 1, row 4"
    cells: dict[str, str] = field(default_factory=dict)
    cell_locators: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    raw_text: str = ""      # the whole row as read, cells joined by " | " (kept for quarantine)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TableSummary:
    """What was found of one table: where, which header, how each column was understood."""

    locator: str                      # "pages 2-4, table 1" | "sheet '2013'" | "table 1"
    header: list[str]
    column_roles: dict[str, str]      # header text -> role ("" when not placed)
    rows: int                         # data rows extracted
    page: int | None = None
    sheet: str | None = None
    header_locator: str = ""
    grain: str = "case"               # "case" or "count"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FileExtraction:
    """Everything one extractor learned from one file."""

    force_id: str
    source_file: str
    source_sha256: str
    file_format: str                  # pdf | xlsx | xls | csv | docx | doc | txt | unknown
    kind: FileKind = "unknown"
    rows: list[ExtractedRow] = field(default_factory=list)
    tables: list[TableSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    refusal_basis: list[str] = field(default_factory=list)   # ["s12"], ["s40", "ncnd"] ...
    evidence: str = ""                # the sentence a letter classification decided on
    period_start: str = ""            # ISO date stated in the file, when it says
    period_end: str = ""
    hints_used: list[str] = field(default_factory=list)      # return.yaml hints that applied

    def to_dict(self) -> dict:
        return asdict(self)


def share_repeated_texts(extraction: FileExtraction, pool: dict[str, str]) -> FileExtraction:
    """Make equal cell texts one string object, across every file of a return that shares ``pool``.

    A return repeats its words row after row ("Sgt", "Written warning", "Facebook"): one string each is
    what the rows hold, what Prefect pickles into the task's record and what the record loads back as
    (pickle keeps shared objects shared). A value is only replaced by an equal string; no key changes.
    """
    for row in extraction.rows:
        for texts in (row.cells, row.extra, row.context):
            for key, text in texts.items():
                texts[key] = pool.setdefault(text, text)
    return extraction


# The columns of a normalised case row, in published order (published/cases.csv).
CASE_COLUMNS = (
    "record_id",
    "force_id",
    "force_name",
    "year",
    "date_text",
    "person_type",
    "person_type_text",
    "rank",
    "rank_text",
    "breach_text",
    "breach_category",
    "breach_method",
    "breach_confidence",
    "standards",
    "platform",
    "platform_text",
    "outcome_text",
    "outcome_category",
    "outcome_method",
    "outcome_confidence",
    "case_ref",
    "source_file",
    "source_locator",
    "source_sha256",
)

# The columns of a count row (published/counts.csv): numbers a force gave by year and/or category instead of
# a row per case, from a count table (grain "count") or a numbered prose answer (grain "prose"). Issue 9.
COUNT_COLUMNS = (
    "record_id",
    "force_id",
    "force_name",
    "grain",              # count | prose
    "question",           # the request's question a prose answer was matched to ("1a"), else ""
    "year",               # calendar year of the count ("" when it covers the whole period)
    "period_text",        # the year or period label, verbatim ("2012/13")
    "level",              # total (all cases of the year/period) | breakdown (one category) | withheld
    "breach_text",
    "breach_category",
    "outcome_text",
    "outcome_category",
    "person_type_text",
    "person_type",
    "count",              # empty when suppressed ("<5", "*") or withheld
    "count_text",         # the cell or sentence, verbatim
    "suppressed",
    "refusal_basis",      # sections cited for a withheld part
    "summary_of_cases",   # the force also sent a case list: these numbers summarise it, never added to it
    "row_label",
    "column_label",
    "source_file",
    "source_table",
    "source_locator",
    "source_sha256",
)

# The columns of published/forces.csv.
FORCE_COLUMNS = (
    "force_id",
    "force_name",
    "ons_code",
    "response_status",
    "refusal_basis",
    "grain",
    "cases",
    "rows_read",
    "rows_published",
    "rows_quarantined",
    "period_start",
    "period_end",
    "source_files",
    "evidence",
)


@dataclass(slots=True)   # one per repeated case on a corpus of copies (87,120): no __dict__ each
class Failure:
    """One validation failure, traced to its source cell.

    ``action`` is what the gate (schemas/gate.yaml) did with it: ``quarantine`` the row, ``withhold``
    the whole publication, or ``warn``.
    """

    stage: str            # extracted | cases | consolidated | forces
    check: str            # pandera check name or our own ("year_in_period", "record_id_unique" ...)
    column: str
    value: str
    force_id: str = ""
    source_file: str = ""
    locator: str = ""     # the cell's locator where known, else the row's
    action: str = "quarantine"
    message: str = ""
    record_id: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ForceSummary:
    """One line of the force table plus what the report says about that force."""

    force_id: str
    force_name: str
    ons_code: str
    response_status: str          # responded | nil_return | partial | refused | not_held | no_response
    refusal_basis: str = ""       # "s12;s40" ...
    grain: str = ""               # case | count | prose | letter | "" (no answer)
    cases: int | None = None      # None unless the force answered
    rows_read: int = 0
    rows_published: int = 0
    rows_quarantined: int = 0
    period_start: str = ""
    period_end: str = ""
    source_files: list[str] = field(default_factory=list)
    evidence: str = ""
    findings: list[Finding] = field(default_factory=list)
    extraction: str = ""          # "fresh" (read this run) | "cached" (unchanged since a previous run)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RunRecord:
    """Everything the report needs to know about one run."""

    run_id: str
    started_at: str
    finished_at: str
    raw_dir: str
    published_dir: str
    published: bool                       # False when the gate withheld publication
    withheld_reasons: list[str] = field(default_factory=list)
    forces: list[ForceSummary] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)   # run-level (unknown folders ...)
    review_queue: list[dict] = field(default_factory=list)  # {field, text, count, forces, suggested_code}
    review_decisions_applied: list[dict] = field(default_factory=list)  # {field, text, code, cases}
    personal_data: list[dict] = field(default_factory=list)  # screening hits (pipeline.privacy)
    outputs: list[str] = field(default_factory=list)
    unchanged_since: str | None = None     # the run whose result this one reused: no input had changed

    def to_dict(self) -> dict:
        return asdict(self)
