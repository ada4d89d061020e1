"""Validation of each stage with the pandera schemas in ``schemas/``, the quarantine split, and the gate.

Validation is lazy: one call collects every failure. Each failure becomes a :class:`Failure` naming the
check, column, value, force, source file and the locator of the source cell where it is known. What a
failure does (quarantine the row, withhold the publication, or only warn) is decided by ``schemas/gate.yaml``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

from pipeline.counts import counted_totals
from pipeline.forces import all_forces
from pipeline.frames import shared_values
from pipeline.records import CASE_COLUMNS, ExtractedRow, Failure
from schemas import ROW_CHECK_COLUMNS
from schemas.cases import CONTENT_COLUMNS, REPEATS_COLUMN, case_schema, consolidated_schema, repeated_record
from schemas.extracted import extracted_schema, rows_frame
from schemas.forces import forces_schema, missing_forces

ACTIONS = ("quarantine", "withhold", "warn")
QUARANTINE_COLUMNS = (*CASE_COLUMNS, "reason", "check", "column", "value")

# Which source cell a case column was read from (roles of ExtractedRow.cell_locators), best first.
COLUMN_ROLES = {
    "year": ("year", "date"),
    "date_text": ("date",),
    "person_type": ("person_type", "rank"),
    "person_type_text": ("person_type",),
    "rank": ("rank",),
    "rank_text": ("rank",),
    "breach_text": ("breach",),
    "breach_category": ("breach",),
    "breach_confidence": ("breach",),
    "standards": ("standards", "breach"),
    "platform": ("platform", "breach"),
    "platform_text": ("platform",),
    "outcome_text": ("outcome",),
    "outcome_category": ("outcome",),
    "outcome_confidence": ("outcome",),
    "case_ref": ("case_ref",),
}


class GateConfigError(ValueError):
    """gate.yaml is malformed; the message names the key and what is allowed."""


@dataclass(frozen=True)
class Rule:
    action: str
    message: str
    about: str = ""     # what the check ensures, for the report's list of checks


@dataclass(frozen=True)
class Gate:
    """What each check does when it fails (``schemas/gate.yaml``)."""

    rules: dict[str, Rule]
    default: Rule

    def rule(self, check: str, stage: str = "") -> Rule:
        return self.rules.get(f"{stage}.{check}") or self.rules.get(check) or self.default

    def action(self, check: str, stage: str = "") -> str:
        return self.rule(check, stage).action


def _rule(key: str, entry: object) -> Rule:
    if not isinstance(entry, dict) or entry.get("action") not in ACTIONS:
        raise GateConfigError(f"gate.yaml: '{key}' needs an action, one of {', '.join(ACTIONS)}; got {entry!r}")
    return Rule(entry["action"], str(entry.get("message", "")), str(entry.get("about", "")))


def load_gate(path: Path | None = None) -> Gate:
    """Read the gate; the default is ``schemas/gate.yaml``. Raises GateConfigError naming a bad key."""
    if path is None:
        return _default_gate()
    return _parse_gate(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _default_gate() -> Gate:
    return _parse_gate((resources.files("schemas") / "gate.yaml").read_text(encoding="utf-8"))


def _parse_gate(text: str) -> Gate:
    config = yaml.safe_load(text) or {}
    if not isinstance(config, dict) or not isinstance(config.get("checks"), dict):
        raise GateConfigError("gate.yaml: expected a mapping with 'default' and 'checks'")
    rules = {str(key): _rule(str(key), entry) for key, entry in config["checks"].items()}
    return Gate(rules, _rule("default", config.get("default")))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "?"


@lru_cache(maxsize=256)
def _template_fields(template: str) -> tuple[str, ...] | None:
    """The names a message template uses (``None`` when it does not parse: the template is shown as is)."""
    try:
        return tuple({name.split(".", 1)[0].split("[", 1)[0]
                      for _, name, _, _ in string.Formatter().parse(template) if name})
    except ValueError:
        return None


def _message(template: str, fields: dict) -> str:
    names = _template_fields(template)
    if names is None:
        return template
    fields = _Blank({k: _text(fields[k]) for k in names if k in fields})
    try:
        return template.format_map(fields)   # str's own formatting: string.Formatter's is Python, 8x slower
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


# --- pandera failure cases to plain rows -------------------------------------------------------------

def _check_name(raw: object) -> str:
    """pandera's names: ours as given, built-ins as 'dtype('str')' -> 'dtype'."""
    return str(raw).split("(", 1)[0] or "schema"


def _run(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> Iterable[dict]:
    """Every failure of ``frame`` as {index, column, check, value}; index is None for whole-table ones.

    Given one at a time: each becomes a ``Failure`` as it comes, so the entries of a table with many failures
    are never all held beside their Failures (the scale corpus's 87,120 repeats: 29.9 MiB of entries, traced)."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as error:
        return _failure_rows(error.failure_cases)
    except Exception as error:  # noqa: BLE001 - a crashing check is a failure to report, not a traceback
        return [{"index": None, "column": "", "check": "schema_error", "value": f"{type(error).__name__}: {error}"}]
    return []


def _failure_rows(cases: pd.DataFrame) -> Iterator[dict]:
    blamed, names = {}, {}
    # Column by column: to_dict("records") walks Arrow-backed strings cell by cell. A row check comes back once
    # per column of each failing row (~24 entries a row): this loop stays cheap per entry. Equal texts are one
    # object (``shared_values``): a check's name and column are the same on each of its entries, and tolist
    # made a copy of each (the scale corpus's 87,120 repeats: ~16 MiB more, traced).
    columns = [shared_values(cases[name]) if name in cases else [None] * len(cases)
               for name in ("index", "check", "column", "failure_case")]
    for index, raw_check, column, value in zip(*columns):
        check = names.get(raw_check)
        if check is None:
            check = names[raw_check] = _check_name(raw_check)
        if index is None or (isinstance(index, float) and index != index):
            index = None
        else:
            blamed_column = ROW_CHECK_COLUMNS.get(check)
            if blamed_column is not None:
                # a row check is reported once per column of the failing row: keep the cell it blames
                entry = blamed.get((check, index))
                if entry is None:
                    entry = blamed[(check, index)] = {"index": index, "column": blamed_column, "check": check,
                                                      "value": ""}
                if column == blamed_column:
                    entry["value"] = value
                continue
        yield {"index": index, "column": "" if column is None else str(column), "check": check, "value": value}
    yield from blamed.values()


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _action(gate: Gate, check: str, stage: str, *, can_quarantine: bool) -> str:
    """The gate's action; a quarantine that cannot hold a row back withholds instead. Only a case row can be
    held back: not an extracted row (it is judged again as a case), not the whole-table checks, not a
    failure that names no row (a missing column, a crashed check)."""
    action = gate.action(check, stage)
    return "withhold" if action == "quarantine" and not can_quarantine else action


class _Rows:
    """A frame's rows by index label as dicts, each column read once, when a failure first asks for it: a
    ``.loc`` per failure cost ~0.5 ms, minutes for a corpus that repeats its cases; all 25 columns of the
    consolidated table read for its repeats, which ask for 5 or 6, raised the check's peak by 20.5 MiB
    (traced)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._cells: dict[str, list] = {}
        self._at: dict | None = None

    def _column(self, column: str) -> list:
        values = self._cells.get(column)
        if values is None:
            values = self._cells[column] = shared_values(self._frame[column])
        return values

    def _position(self, index) -> int | None:
        """Where the row labelled ``index`` is: the label itself on a 0..n-1 index (the stages reset theirs), no
        dict of every label (~11 MiB, traced, for the scale corpus's 106,770 cases)."""
        labels = self._frame.index
        if isinstance(labels, pd.RangeIndex) and labels.start == 0 and labels.step == 1:
            try:
                at = int(index)         # pandera gives an int, a numpy int, or a float beside a NaN
            except (TypeError, ValueError):
                return None
            return at if at == index and 0 <= at < len(labels) else None
        if self._at is None:
            self._at = {}
            for position, label in enumerate(labels):
                self._at.setdefault(label, position)
        return self._at.get(index)

    def __call__(self, index, columns: frozenset[str] | None = None) -> dict:
        """The row at ``index``: every column, or only ``columns`` (a row of 25 cells per failure was 0.4 s of
        the consolidated check's 1.6 s on a corpus with 87,120 repeats)."""
        if index is None:
            return {}
        at = self._position(index)
        if at is None:
            return {}
        wanted = self._frame.columns if columns is None else [c for c in columns if c in self._frame.columns]
        return {column: self._column(column)[at] for column in wanted}


# --- the stages ----------------------------------------------------------------------------------------

def validate_extracted(rows: list[ExtractedRow], force_id: str, *, gate: Gate | None = None) -> list[Failure]:
    """Provenance of one return's rows: force, file, digest, locator formats. Nothing is held back here."""
    if not rows:
        return []
    gate = gate or load_gate()
    frame = rows_frame(rows)
    failures = []
    row_at = _Rows(frame)
    for item in _run(extracted_schema(force_id), frame):
        row = row_at(item["index"])
        rule = gate.rule(item["check"], "extracted")
        fields = {**row, "check": item["check"], "column": item["column"], "value": _text(item["value"]),
                  "folder": force_id}
        failures.append(Failure(
            stage="extracted", check=item["check"], column=item["column"], value=_text(item["value"]),
            force_id=force_id, source_file=row.get("source_file", ""),
            locator=row.get("locator", ""), action=_action(gate, item["check"], "extracted", can_quarantine=False),
            message=_message(rule.message, fields),
        ))
    return _sorted(failures)


@dataclass
class CaseValidation:
    published: pd.DataFrame
    quarantined: pd.DataFrame        # QUARANTINE_COLUMNS: the case plus why it was held back
    failures: list[Failure] = field(default_factory=list)


def _typed(cases: pd.DataFrame) -> pd.DataFrame:
    """An empty table built from column names alone has object columns; give it the schema's types."""
    cases = cases.reset_index(drop=True)
    if len(cases):
        return cases
    return cases.astype({c: ("float64" if c.endswith("_confidence") else "str") for c in cases.columns})


def _cell_locator(row: dict, column: str, cell_locators: dict[str, dict[str, str]]) -> str:
    cells = cell_locators.get(row.get("record_id", ""), {})
    for role in COLUMN_ROLES.get(column, ()):
        if cells.get(role):
            return cells[role]
    return row.get("source_locator", "")


def validate_cases(cases: pd.DataFrame, *, allowed_codes: dict[str, tuple[str, ...]],
                   periods: dict[str, tuple[str, str]], cell_locators: dict[str, dict[str, str]] | None = None,
                   gate: Gate | None = None) -> CaseValidation:
    """Validate normalised cases; rows whose failures the gate quarantines are split off with the reason."""
    gate = gate or load_gate()
    cell_locators = cell_locators or {}
    frame = _typed(cases)
    if frame.empty and set(CASE_COLUMNS) <= set(frame.columns):   # a letter, a silent force: nothing to check
        return CaseValidation(frame, frame.assign(reason="", check="", column="", value=""), [])
    force_ids = tuple(f.force_id for f in all_forces())
    failures: list[Failure] = []
    held: dict[int, list[Failure]] = {}
    row_at = _Rows(frame)
    for item in _run(case_schema(allowed_codes, periods, force_ids), frame):
        index = item["index"]
        row = row_at(index)
        force_id = row.get("force_id", "")
        start, end = periods.get(force_id, ("", ""))
        value = _text(item["value"])
        fields = {**row, "check": item["check"], "column": item["column"], "value": value,
                  "period": f"{start or '...'} to {end or '...'}"}
        failure = Failure(
            stage="cases", check=item["check"], column=item["column"], value=value, force_id=force_id,
            source_file=row.get("source_file", ""), locator=_cell_locator(row, item["column"], cell_locators),
            action=_action(gate, item["check"], "cases", can_quarantine=bool(row)),
            message=_message(gate.rule(item["check"], "cases").message, fields),
            record_id=row.get("record_id", ""),
        )
        failures.append(failure)
        if failure.action == "quarantine":
            held.setdefault(index, []).append(failure)

    position = {column: i for i, column in enumerate(CASE_COLUMNS)}
    for reasons in held.values():
        reasons.sort(key=lambda f: (position.get(f.column, len(position)), f.check))
    # taken, not sliced: a zero-row slice of an Arrow-backed column keeps the whole column's buffers alive (an
    # empty quarantine held as much memory as its return's cases: ~50 MB in all at 106,770 cases)
    quarantined = frame.loc[sorted(held)]
    for name, attribute in (("reason", "message"), ("check", "check"), ("column", "column"), ("value", "value")):
        quarantined[name] = ["; ".join(getattr(f, attribute) for f in held[i]) for i in sorted(held)]
    published = frame.drop(index=list(held)).reset_index(drop=True)
    return CaseValidation(published, quarantined.reset_index(drop=True), _sorted(failures))


def _force_failure(gate: Gate, item: dict, row: dict, published: dict[str, int],
                   counted: dict[str, int | None] | None = None) -> Failure:
    value = _text(item["value"])
    force_id = row.get("force_id", "")
    total = (counted or {}).get(force_id)
    fields = {**row, "check": item["check"], "column": item["column"], "value": value,
              "status": row.get("response_status", ""), "published": published.get(force_id, 0),
              "counted": "nothing (it has no counted rows there)" if total is None else total}
    return Failure(
        stage="forces", check=item["check"], column=item["column"], value=value, force_id=force_id,
        source_file=_text(row.get("source_files", "")),
        locator=f"forces table, {force_id or 'row'}, column {item['column']}" if row else "forces table",
        action=_action(gate, item["check"], "forces", can_quarantine=False),
        message=_message(gate.rule(item["check"], "forces").message, fields),
    )


def validate_consolidated(cases: pd.DataFrame, forces: pd.DataFrame, *, gate: Gate | None = None,
                          counts: pd.DataFrame | None = None) -> list[Failure]:
    """The whole: record_id unique, every force once, each force's ``cases`` reconciled with what it published:
    its case rows, or for a count- or prose-grain force the total of its rows in ``counts`` (counts.csv)."""
    gate = gate or load_gate()
    force_ids = tuple(f.force_id for f in all_forces())
    cases = _typed(cases)
    forces = forces.reset_index(drop=True)
    failures: list[Failure] = []

    listed = tuple(forces["force_id"]) if "force_id" in forces else ()
    checked = cases
    if set(CONTENT_COLUMNS) | {"record_id", "force_id", "source_file"} <= set(cases.columns):
        checked = cases.assign(**{REPEATS_COLUMN: repeated_record(cases)})
    row_at = _Rows(checked)
    columns_for: dict[str, frozenset[str]] = {}   # by check: the cells a failure and its message use
    for item in _run(consolidated_schema(listed), checked):
        columns = columns_for.get(item["check"])
        if columns is None:
            template = gate.rule(item["check"], "consolidated").message
            columns = columns_for[item["check"]] = frozenset(
                {"force_id", "source_file", "source_locator", "record_id", "breach_text",
                 *(_template_fields(template) or ())})
        row = row_at(item["index"], columns)
        column, value = item["column"], _text(item["value"])
        if column == REPEATS_COLUMN:     # the repeat is pointed out in the text a reader would compare
            column, value = "breach_text", _text(row.get("breach_text"))
        fields = {**row, "check": item["check"], "column": column, "value": value}
        failures.append(Failure(
            stage="consolidated", check=item["check"], column=column, value=value,
            force_id=row.get("force_id", ""), source_file=row.get("source_file", ""),
            locator=row.get("source_locator", ""),
            action=_action(gate, item["check"], "consolidated", can_quarantine=False),
            message=_message(gate.rule(item["check"], "consolidated").message, fields),
            record_id=row.get("record_id", ""),
        ))

    published = cases["force_id"].value_counts().to_dict() if "force_id" in cases else {}
    counted = counted_totals(counts)
    for item in _run(forces_schema(force_ids, published, counted), forces):
        row = forces.loc[item["index"]].to_dict() if item["index"] is not None else {}
        failures.append(_force_failure(gate, item, row, published, counted))
    for force_id in missing_forces(forces, force_ids):
        item = {"check": "forces_complete", "column": "force_id", "value": force_id}
        failure = _force_failure(gate, item, {}, published)
        failure.force_id = force_id
        failures.append(failure)
    return _sorted(failures)


_NUMBERS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """'row 2' before 'row 10': numbers inside a locator compare as numbers.

    Splitting on a captured group alternates text and number (text first, maybe empty), so two keys compare
    text with text and number with number at every position. Twice as fast as tagging each part; the report
    sorts ~90,000 failures by it on the scale corpus."""
    parts: list = _NUMBERS.split(text)
    parts[1::2] = map(int, parts[1::2])
    return tuple(parts)


def _sorted(failures: list[Failure]) -> list[Failure]:
    """By stage, force, file, locator (natural order), check and column.

    File by file: a sort key per failure, its locator split in parts, was ~500 B, the peak of the consolidated
    check on a corpus with 87,120 repeats; only one file's keys are held at once (the same order: both stable)."""
    by_file: dict[tuple[str, str, str], list[Failure]] = {}
    for failure in failures:
        by_file.setdefault((failure.stage, failure.force_id, failure.source_file), []).append(failure)
    ordered: list[Failure] = []
    for where in sorted(by_file):
        ordered += sorted(by_file[where], key=lambda f: (natural_key(f.locator), f.check, f.column))
    return ordered


def gate_decision(failures: list[Failure], gate: Gate | None = None) -> tuple[bool, list[str]]:
    """(publish?, why withheld): one reason per withholding check, with its count and first instance.

    The gate already chose each failure's action when it was validated; ``gate`` is accepted so callers can
    pass the one they validated with, and is not consulted again.
    """
    by_check: dict[str, list[Failure]] = {}
    for failure in failures:
        if failure.action == "withhold":
            by_check.setdefault(failure.check, []).append(failure)
    reasons = []
    for check in sorted(by_check):
        found = by_check[check]
        first = found[0]
        where = " ".join(p for p in (first.force_id, first.source_file, first.locator) if p)
        count = f"{len(found)} failures" if len(found) > 1 else "1 failure"
        reasons.append(f"{check} ({count}): {first.message or first.value}" + (f" [{where}]" if where else ""))
    return not reasons, reasons
