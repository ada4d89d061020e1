"""The audit report of a run: ``reports/<run-id>/validation.json``, ``index.html`` and a snapshot for diffing.

validation.json is the machine-readable record (its schema: docs/validation.md); index.html is one
self-contained page rendered from the same document; snapshot.json (record_id -> codes, force -> status)
lets the next run say what changed. ``reports/latest`` points at the newest run.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from json.encoder import encode_basestring as _encode_text
from dataclasses import fields
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.frames import shared_texts
from pipeline.records import Failure, RunRecord
from pipeline.report_html import html_pieces, render_html  # noqa: F401 - render_html: part of this module's API
from pipeline.validate import Gate, load_gate, natural_key

SCHEMA_VERSION = 1
SNAPSHOT_FIELDS = ("force_id", "year", "person_type", "rank", "breach_category", "outcome_category", "platform",
                   "standards")
LATEST = "latest"

log = logging.getLogger(__name__)


# --- the snapshot and what changed -------------------------------------------------------------------

def snapshot(run: RunRecord, cases: pd.DataFrame) -> dict:
    """What the next run compares against: each force's status and count, each case's codes."""
    return {
        "run_id": run.run_id,
        "published": run.published,
        "forces": {f.force_id: {"status": f.response_status, "cases": f.cases} for f in run.forces},
        "fields": list(SNAPSHOT_FIELDS),
        "cases": SnapshotCases.of(cases),    # values in the order of "fields"
    }


class SnapshotCases(Mapping):
    """record_id -> its values in SNAPSHOT_FIELDS order, in record_id order, kept as Arrow columns.

    A list per case and a dict over them held ~27 MB at 106,770 cases while the report was written, and their
    JSON text 13 MB more: the run's high-water mark (bench/README.md, 2026-12-07). Here the record ids stay Arrow
    text and each field is its distinct texts and an index per case; a case's list is made when it is asked
    for, and a lookup by record id builds its index the first time (only a comparison with a changed run does)."""

    BATCH = 8192

    def __init__(self, record_ids: pa.Array, columns: list[tuple[list[str], np.ndarray]]) -> None:
        self._ids, self._columns = record_ids, columns      # ids sorted and unique; each column (texts, indices)
        self._position: dict[str, int] | None = None

    @classmethod
    def of(cls, cases: pd.DataFrame) -> SnapshotCases:
        ids = _arrow_texts(cases, "record_id")
        order = pc.sort_indices(ids)                        # stable: a repeated id keeps its rows' order
        ids = ids.take(order)
        if len(ids) > 1:                                    # a repeated record_id: its last row, as before
            last_of_its_id = pa.concat_arrays([pc.not_equal(ids.slice(0, len(ids) - 1), ids.slice(1)),
                                               pa.array([True])])
            order, ids = order.filter(last_of_its_id), ids.filter(last_of_its_id)
        columns = []
        for name in SNAPSHOT_FIELDS:
            encoded = pc.dictionary_encode(_arrow_texts(cases, name).take(order))
            columns.append((encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)))
        return cls(ids, columns)

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        for start in range(0, len(self._ids), self.BATCH):
            yield from self._ids.slice(start, self.BATCH).to_pylist()

    def __getitem__(self, record_id: str) -> list[str]:
        if self._position is None:
            self._position = {rid: i for i, rid in enumerate(self)}
        i = self._position[record_id]
        return [texts[indices[i]] for texts, indices in self._columns]

    def json_pieces(self) -> Iterator[str]:
        """The text of ``json.dumps(dict(self), separators=(",", ":"), ensure_ascii=False)``, a case at a time."""
        encoded = [list(map(_encode_text, texts)) for texts, _ in self._columns]
        yield "{"
        for start in range(0, len(self._ids), self.BATCH):
            ids = self._ids.slice(start, self.BATCH).to_pylist()
            values = [[texts[i] for i in indices[start:start + self.BATCH].tolist()]
                      for texts, (_, indices) in zip(encoded, self._columns)]
            for i, (record_id, *row) in enumerate(zip(ids, *values), start):
                yield ("," if i else "") + _encode_text(record_id) + ":[" + ",".join(row) + "]"
        yield "}"


def _arrow_texts(frame: pd.DataFrame, name: str) -> pa.Array:
    """A column as the report writes it, as Arrow text: '' for a missing value or a missing column."""
    if name not in frame.columns:
        return pa.array([""] * len(frame), pa.string())
    column = frame[name]
    if pd.api.types.is_string_dtype(column) and column.dtype != object:
        array = pa.array(column, from_pandas=True)
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    else:
        array = pa.array([_plain(value) for value in column.tolist()], pa.string())
    return pc.fill_null(array, "") if array.null_count else array


def _texts(frame: pd.DataFrame, name: str) -> list[str]:
    """``_arrow_texts`` as Python text, a code or file name repeated per row one object."""
    return shared_texts(_arrow_texts(frame, name))


def _plain(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _case_values(snapshot: dict) -> dict[str, list[str]]:
    """record_id -> values in SNAPSHOT_FIELDS order; an older snapshot's own order of fields is realigned."""
    fields = list(snapshot.get("fields", SNAPSHOT_FIELDS))
    cases = snapshot.get("cases", {})
    if isinstance(cases, SnapshotCases):
        return cases
    if fields == list(SNAPSHOT_FIELDS) and all(len(values) == len(fields) for values in cases.values()):
        return cases
    where = [fields.index(name) if name in fields else None for name in SNAPSHOT_FIELDS]
    return {record_id: [values[i] if i is not None and i < len(values) else "" for i in where]
            for record_id, values in cases.items()}


def previous_run_dir(reports_dir: Path, run_id: str) -> Path | None:
    """The run before this one: where ``latest`` points, else the newest other run folder with a snapshot."""
    pointed = _latest_target(reports_dir)
    if pointed is not None and pointed.name != run_id and (pointed / "snapshot.json").is_file():
        return pointed
    earlier = sorted(p for p in reports_dir.glob("*/snapshot.json") if p.parent.name < run_id)
    return earlier[-1].parent if earlier else None


def changes_since(previous: dict | None, current: dict) -> dict:
    """Forces added or removed (a return arrived or vanished), statuses and counts, rows, codes."""
    if previous is None:
        return {"previous_run_id": None, "previous_published": None, "forces_added": [], "forces_removed": [],
                "status_changed": [], "cases_changed": [], "rows_added": [], "rows_removed": [],
                "codes_changed": []}
    before_forces, after_forces = previous.get("forces", {}), current["forces"]

    def answered(forces: dict, force_id: str) -> bool:
        return force_id in forces and forces[force_id]["status"] != "no_response"

    ids = sorted(set(before_forces) | set(after_forces))
    before_cases, after_cases = _case_values(previous), _case_values(current)
    force_at = SNAPSHOT_FIELDS.index("force_id")
    compared = [(i, name) for i, name in enumerate(SNAPSHOT_FIELDS) if name != "force_id"]
    if before_cases is after_cases:                     # a run that changed nothing: its own cases
        both = added = removed = []
    else:
        before_ids, after_ids = before_cases.keys(), after_cases.keys()
        both, added, removed = (sorted(before_ids & after_ids), sorted(after_ids - before_ids),
                                sorted(before_ids - after_ids))
    codes_changed = []
    for rid in both:
        before, after = before_cases[rid], after_cases[rid]
        if before != after:
            codes_changed += [{"record_id": rid, "force_id": after[force_at], "field": name, "before": before[i],
                               "after": after[i]} for i, name in compared if before[i] != after[i]]
    return {
        "previous_run_id": previous.get("run_id"),
        "previous_published": previous.get("published"),
        "forces_added": [f for f in ids if answered(after_forces, f) and not answered(before_forces, f)],
        "forces_removed": [f for f in ids if answered(before_forces, f) and not answered(after_forces, f)],
        "status_changed": [
            {"force_id": f, "before": before_forces.get(f, {}).get("status"),
             "after": after_forces.get(f, {}).get("status")}
            for f in ids if before_forces.get(f, {}).get("status") != after_forces.get(f, {}).get("status")],
        "cases_changed": [
            {"force_id": f, "before": before_forces.get(f, {}).get("cases"),
             "after": after_forces.get(f, {}).get("cases")}
            for f in ids if before_forces.get(f, {}).get("cases") != after_forces.get(f, {}).get("cases")],
        "rows_added": [{"record_id": r, "force_id": after_cases[r][force_at]} for r in added],
        "rows_removed": [{"record_id": r, "force_id": before_cases[r][force_at]} for r in removed],
        "codes_changed": codes_changed,
    }


# --- validation.json ---------------------------------------------------------------------------------

def _totals(run: RunRecord) -> dict:
    forces = run.forces
    return {
        "forces": len(forces),
        "by_status": dict(sorted(Counter(f.response_status for f in forces).items())),
        "rows_read": sum(f.rows_read for f in forces),
        "rows_published": sum(f.rows_published for f in forces),
        "rows_quarantined": sum(f.rows_quarantined for f in forces),
        "cases": sum(f.cases or 0 for f in forces),
        "failures_by_action": dict(sorted(Counter(f.action for f in run.failures).items())),
        "failures_by_check": dict(sorted(Counter(f.check for f in run.failures).items())),
        "findings_by_severity": dict(sorted(Counter(
            f.severity for f in [*run.findings, *(g for s in forces for g in s.findings)]).items())),
        "review_queue": len(run.review_queue),
    }


_FAILURE_FIELDS = tuple(f.name for f in fields(Failure))


def _failure_dict(failure: Failure) -> dict:
    """``Failure.to_dict()`` without ``asdict``'s deep copy of each text (a second per 20,000 failures)."""
    return {name: getattr(failure, name) for name in _FAILURE_FIELDS}


def _failure_key(failure: Failure) -> tuple:
    return (failure.force_id, failure.source_file, natural_key(failure.locator), failure.stage, failure.check,
            failure.column, failure.value)


class FailureRecords(Sequence):
    """The run's failures in validation.json's order, each one's dict made only as it is read: made all at
    once, the 87,120 dicts of the scale corpus held ~50 MB more while the report was written."""

    def __init__(self, failures: Iterable[Failure]) -> None:
        self._failures = sorted(failures, key=_failure_key)

    def __len__(self) -> int:
        return len(self._failures)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_failure_dict(failure) for failure in self._failures[index]]
        return _failure_dict(self._failures[index])

    def __iter__(self) -> Iterator[dict]:
        return map(_failure_dict, self._failures)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


QUARANTINE_FIELDS = ("record_id", "force_id", "source_file", "source_locator", "year", "breach_text", "outcome_text",
                     "check", "column", "value", "reason")


def _quarantined_rows(quarantined: pd.DataFrame | None) -> list[dict]:
    """The rows held back, with their verbatim texts and why: what was left out is part of the record."""
    if quarantined is None or quarantined.empty:
        return []
    columns = [_texts(quarantined, name) for name in QUARANTINE_FIELDS]
    rows = [dict(zip(QUARANTINE_FIELDS, values)) for values in zip(*columns)]
    return sorted(rows, key=lambda r: (r["force_id"], r["source_file"], natural_key(r["source_locator"])))


def checks_run(failures: list, gate: Gate) -> list[dict]:
    """Every check of the gate, passed or not, with its action and how often it failed (Data Docs style)."""
    counts = Counter(f.check for f in failures)
    forces: dict[str, set[str]] = {}
    for failure in failures:
        forces.setdefault(failure.check, set()).add(failure.force_id)
    rows = {}
    for key, rule in gate.rules.items():
        stage, _, check = key.rpartition(".")
        entry = rows.setdefault(check, {"check": check, "about": rule.about, "actions": {}, "failures": 0,
                                        "forces_failing": 0})
        entry["actions"][stage or "*"] = rule.action
        entry["about"] = entry["about"] or rule.about
    for check in counts:
        rows.setdefault(check, {"check": check, "about": "", "actions": {"*": gate.default.action}})
    for check, entry in rows.items():
        entry["failures"] = counts.get(check, 0)
        entry["forces_failing"] = len(forces.get(check, set()) - {""})
        entry["actions"] = dict(sorted(entry["actions"].items()))
    return [rows[check] for check in sorted(rows)]


def _run_section(run: RunRecord) -> dict:
    return {
        "run_id": run.run_id, "started_at": run.started_at, "finished_at": run.finished_at,
        "raw_dir": run.raw_dir, "published_dir": run.published_dir, "published": run.published,
        "withheld_reasons": list(run.withheld_reasons), "outputs": list(run.outputs),
        "unchanged_since": run.unchanged_since,
    }


def validation_document(run: RunRecord, changes: dict, quarantined: pd.DataFrame | None = None,
                        gate: Gate | None = None) -> dict:
    """The machine-readable report (docs/validation.md). Forces in force_id order, failures by place."""
    forces = sorted((f.to_dict() for f in run.forces), key=lambda f: f["force_id"])
    for force in forces:
        force["findings"] = sorted(force["findings"], key=lambda g: (g["source_file"], g["locator"], g["code"]))
    return {
        "schema_version": SCHEMA_VERSION,
        "run": _run_section(run),
        "totals": _totals(run),
        "checks": checks_run(run.failures, gate or load_gate()),
        "forces": forces,
        "failures": FailureRecords(run.failures),
        "findings": sorted((f.to_dict() for f in run.findings),
                           key=lambda g: (g["force_id"], g["source_file"], g["code"], g["message"])),
        "review_queue": list(run.review_queue),
        "review_decisions_applied": list(run.review_decisions_applied),
        "quarantined": _quarantined_rows(quarantined),
        "changes": changes,
    }


def _write_pieces(path: Path, pieces: Iterable[str], batch_chars: int = 1 << 20) -> None:
    """Text written as it is made, about a MB at a time: at 100,000 cases the whole of it would be held at once
    (and a batch of 8,192 failure records was ~5 MB of text, and as much again encoded)."""
    with path.open("w", encoding="utf-8") as handle:
        batch, size = [], 0
        for piece in pieces:
            batch.append(piece)
            size += len(piece)
            if size >= batch_chars:
                handle.write("".join(batch))
                batch, size = [], 0
        handle.write("".join(batch))


def _compact_json(document: dict) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=str)


def snapshot_pieces(current: dict) -> Iterator[str]:
    """The snapshot's compact JSON text (``_compact_json``), its cases a case at a time."""
    head = _compact_json({key: value for key, value in current.items() if key != "cases"})
    yield head[:-1] + ',"cases":'
    yield from current["cases"].json_pieces()
    yield "}"


_AFTER_RUN_ID = b',"published":'


def _previous_snapshot(path: Path, current: dict, current_path: Path) -> dict:
    """The previous run's snapshot from its file. A run that changed nothing writes the same text but for its
    run id (the first key): then it is ``current`` with that id, not parsed again (~13 MB of JSON at 106,770
    cases, 0.26 s and a dict and list per case). The two files are compared a block at a time."""
    with path.open("rb") as before, current_path.open("rb") as after:
        head, now = before.read(1 << 16), after.read(1 << 16)
        at, now_at = head.find(_AFTER_RUN_ID), now.find(_AFTER_RUN_ID)
        if at > 0 and now_at > 0 and _same_blocks(before, after, head[at:], now[now_at:]):
            return {**current, "run_id": json.loads(head[:at].decode("utf-8") + "}")["run_id"]}
    return json.loads(path.read_text(encoding="utf-8"))


def _same_blocks(before, after, before_start: bytes, after_start: bytes) -> bool:
    """Whether two open files hold the same bytes from here on, ``*_start`` being what was read of each."""
    pending_before, pending_after = before_start, after_start
    while True:
        size = min(len(pending_before), len(pending_after))
        if pending_before[:size] != pending_after[:size]:
            return False
        pending_before, pending_after = pending_before[size:], pending_after[size:]
        if not pending_before:
            pending_before = before.read(1 << 20)
        if not pending_after:
            pending_after = after.read(1 << 20)
        if not pending_before or not pending_after:
            return not pending_before and not pending_after


def _write_json(path: Path, document: dict) -> None:
    """The document as indented JSON, written as it is encoded (at 100,000 cases the text is ~50 MB)."""
    _write_pieces(path, chain(indented_json(document), ["\n"]))


def indented_json(value: object, depth: int = 0) -> Iterator[str]:
    """The text of ``json.dumps(value, indent=2, ensure_ascii=False, default=str)``, in pieces.

    With ``indent``, json encodes in Python, a generator step per key and value (~3 s for the ~90,000 failures
    of the scale corpus). A list of flat records (failures, rows held back, changes) is encoded a record at a
    time by json's C encoder, whose item separator carries the newline and indentation; the rest by json."""
    pad, inner = "\n" + "  " * depth, "\n" + "  " * (depth + 1)
    if isinstance(value, FailureRecords) and not value:
        value = []
    if isinstance(value, dict) and value and all(type(key) is str for key in value):
        yield "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + inner + _encode_text(key) + ": "
            yield from indented_json(item, depth + 1)
        yield pad + "}"
    elif value and (isinstance(value, FailureRecords)
                    or isinstance(value, list) and all(_flat_record(item) for item in value)):
        record = json.JSONEncoder(separators=("," + "\n" + "  " * (depth + 2), ": "), ensure_ascii=False,
                                  default=str)
        yield "["
        for i, item in enumerate(value):
            yield ("," if i else "") + inner + "{" + "\n" + "  " * (depth + 2) + record.encode(item)[1:-1] + inner + "}"
        yield pad + "]"
    else:
        yield json.dumps(value, indent=2, ensure_ascii=False, default=str).replace("\n", pad)


_SCALARS = frozenset((str, int, float, bool, type(None)))


def _flat_record(item: object) -> bool:
    return (type(item) is dict and bool(item) and all(type(key) is str for key in item)
            and _SCALARS.issuperset(map(type, item.values())))


def write_report(run: RunRecord, cases: pd.DataFrame, reports_dir: Path,
                 quarantined: pd.DataFrame | None = None, gate: Gate | None = None, *,
                 move_latest: bool = True) -> Path:
    """Write reports/<run_id>/{validation.json,index.html,snapshot.json}, move ``latest``; the run's folder.

    ``quarantined``: the rows the gate held back (validate_cases' CASE_COLUMNS + reason, check, column, value).
    ``move_latest=False``: the caller moves ``latest`` (``update_latest``) once what the report describes is
    true: flows.py writes it while the dataset is still being published.
    """
    reports_dir = Path(reports_dir)
    run_dir = reports_dir / run.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    current = snapshot(run, cases)
    _write_pieces(run_dir / "snapshot.json", chain(snapshot_pieces(current), ["\n"]))
    previous_dir = previous_run_dir(reports_dir, run.run_id)
    previous = None
    if previous_dir is not None:
        try:
            previous = _previous_snapshot(previous_dir / "snapshot.json", current, run_dir / "snapshot.json")
        except (OSError, ValueError):
            previous = None   # an unreadable old snapshot only costs the comparison
    document = validation_document(run, changes_since(previous, current), quarantined, gate)
    _write_json(run_dir / "validation.json", document)
    _write_pieces(run_dir / "index.html", html_pieces(document))
    if move_latest:
        update_latest(reports_dir, run.run_id)
    return run_dir


# --- reports/latest ----------------------------------------------------------------------------------

def update_latest(reports_dir: Path, run_id: str) -> None:
    """Point ``latest`` at the run: a relative symlink swapped in atomically, else a file holding the id."""
    link = reports_dir / LATEST
    temporary = reports_dir / f".{LATEST}-{run_id}"
    try:
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        temporary.symlink_to(run_id, target_is_directory=True)
        os.replace(temporary, link)
        return
    except OSError:
        if temporary.is_symlink():
            temporary.unlink()
    if link.is_symlink():
        link.unlink()
    link.write_text(run_id + "\n", encoding="utf-8")


def _latest_target(reports_dir: Path) -> Path | None:
    link = reports_dir / LATEST
    if link.is_symlink():
        return reports_dir / os.readlink(link)
    if link.is_file():
        return reports_dir / link.read_text(encoding="utf-8").strip()
    return None


def resolve_run_dir(reports_dir: Path, run: str | None = None) -> Path | None:
    """The folder of a run by id, or of the latest run; None when there is no such run."""
    reports_dir = Path(reports_dir)
    target = reports_dir / run if run else _latest_target(reports_dir)
    return target if target is not None and (target / "validation.json").is_file() else None


# --- the terminal summary and Prefect artifacts --------------------------------------------------------

def _status_line(by_status: dict) -> str:
    return ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in by_status.items())


def summary_lines(document: dict) -> list[str]:
    run, totals, changes = document["run"], document["totals"], document["changes"]
    lines = [f"Run {run['run_id']} ({run['started_at']} to {run['finished_at']})"]
    if run.get("unchanged_since"):
        lines.append(f"Unchanged since run {run['unchanged_since']}: its result was reused, no file read again")
    if run["published"]:
        lines.append(f"PUBLISHED to {run['published_dir']}/")
    else:
        lines.append("WITHHELD by the validation gate (the previous dataset was left untouched):")
        lines += [f"  - {reason}" for reason in run["withheld_reasons"]]
    lines.append(f"Forces: {totals['forces']} ({_status_line(totals['by_status'])})")
    lines.append(f"Rows: {totals['rows_read']} read, {totals['rows_published']} published, "
                 f"{totals['rows_quarantined']} quarantined; {totals['cases']} cases")
    by_action = totals["failures_by_action"]
    lines.append("Failures: " + (", ".join(f"{n} {a}" for a, n in by_action.items()) or "none"))
    actions: dict[str, set[str]] = {}
    for failure in document["failures"]:
        actions.setdefault(failure["check"], set()).add(failure["action"])
    for check, count in sorted(totals["failures_by_check"].items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {check}: {count} ({', '.join(sorted(actions.get(check, ())))})")
    findings = totals["findings_by_severity"]
    if findings:
        lines.append("Findings: " + ", ".join(f"{n} {s}" for s, n in findings.items()))
    lines.append(f"Review queue: {totals['review_queue']} texts await a decision")
    if changes["previous_run_id"]:
        lines.append(
            f"Since run {changes['previous_run_id']}: {len(changes['forces_added'])} forces added, "
            f"{len(changes['forces_removed'])} removed, {len(changes['status_changed'])} statuses changed, "
            f"{len(changes['rows_added'])} rows added, {len(changes['rows_removed'])} removed, "
            f"{len(changes['codes_changed'])} codes changed")
    else:
        lines.append("No previous run to compare with.")
    return lines


def summary_text(run_dir: Path) -> str:
    """What `foi report [RUN]` prints: the audit summary and the path of the HTML report."""
    run_dir = Path(run_dir)
    if run_dir.is_file():     # reports/latest as a file holding the run id (no symlinks here)
        run_dir = run_dir.parent / run_dir.read_text(encoding="utf-8").strip()
    try:
        document = json.loads((run_dir / "validation.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return f"No readable validation report in {run_dir}/ ({type(error).__name__}); run `foi run` first."
    return "\n".join([*summary_lines(document), f"Report: {run_dir / 'index.html'}"])


def _force_rows(run: RunRecord) -> list[dict]:
    return [{
        "force": f.force_name, "status": f.response_status, "refusal_basis": f.refusal_basis,
        "rows_read": f.rows_read, "rows_published": f.rows_published, "rows_quarantined": f.rows_quarantined,
        "cases": "" if f.cases is None else f.cases,
    } for f in sorted(run.forces, key=lambda f: f.force_id)]


def artifact_markdown(run: RunRecord) -> str:
    # what summary_lines reads, and no more: the full document sorts every failure by place (~1 s at 90,000)
    document = {"run": _run_section(run), "totals": _totals(run),
                "failures": [{"check": f.check, "action": f.action} for f in run.failures],
                "changes": changes_since(None, snapshot(run, pd.DataFrame()))}
    lines = summary_lines(document)[:-1]      # no comparison: the artifact lives with its own run
    withheld = [line for line in lines if line.startswith("  - ")]
    body = [line for line in lines if not line.startswith("  - ")]
    text = f"# FOI validation: run {run.run_id}\n\n" + "\n".join(f"- {line}" for line in body[1:])
    if withheld:
        text += "\n\n## Why publication was withheld\n\n" + "\n".join(f"- {line[4:]}" for line in withheld)
    return text + "\n"


def prefect_artifacts(run: RunRecord) -> None:
    """The per-force table and the summary as Prefect artifacts. Reporting must not fail a run."""
    try:
        from prefect.artifacts import create_markdown_artifact, create_table_artifact

        create_table_artifact(key="foi-forces", table=_force_rows(run),
                              description=f"Per-force status and row counts, run {run.run_id}")
        failures = [{k: f.to_dict()[k] for k in ("action", "check", "force_id", "source_file", "locator", "column",
                                                 "value")} for f in run.failures[:1000]]
        if failures:
            create_table_artifact(key="foi-failures", table=failures,
                                  description=f"Validation failures (first 1000), run {run.run_id}")
        create_markdown_artifact(key="foi-validation-summary", markdown=artifact_markdown(run),
                                 description="Validation summary and publication decision")
    except Exception as error:  # noqa: BLE001 - no API, no run context: the files under reports/ still exist
        log.warning("Prefect artifacts not created: %s: %s", type(error).__name__, error)
