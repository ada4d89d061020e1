"""The review loop: texts the vocabulary could not place go to a CSV a person edits; their decisions
come back on every later run, before any other mapping stage (OpenRefine's replayable history, as a file).

``review/decisions.csv`` columns: field, text, count, forces, suggested_code, chosen_code, note. A row
with a ``chosen_code`` is a decision; it applies to every text of that field that normalises to the same
words (case, punctuation and abbreviations ignored). Decisions are never dropped by a run; rows still
awaiting one are rewritten from each run's queue.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

COLUMNS = ("field", "text", "count", "forces", "suggested_code", "chosen_code", "note")
FIELD_ORDER = ("breach_category", "outcome_category", "person_type", "rank", "platform")


def review_queue(mapped: Iterable[tuple], threshold: float) -> list[dict]:
    """One row per (field, text) mapped ``unmapped`` or below ``threshold``, with how many cases and
    which forces carry it. Input: (field, text, force_id, mapping) per case, or (field, text, force_id,
    mapping, cases) per distinct text of a force, as ``process_return`` groups them."""
    grouped: dict[tuple[str, str], dict] = {}
    for field_name, text, force_id, mapping, *cases in mapped:
        if not (text or "").strip() or mapping.method in ("review", "empty"):
            continue
        if mapping.code != "unmapped" and mapping.confidence >= threshold:
            continue
        row = grouped.setdefault((field_name, text), {
            "field": field_name, "text": text, "count": 0, "forces": set(),
            "suggested_code": mapping.code if mapping.code != "unmapped" else mapping.suggestion,
            "chosen_code": "",
        })
        row["count"] += cases[0] if cases else 1
        row["forces"].add(force_id)
    rows = [dict(row, forces=";".join(sorted(row["forces"]))) for row in grouped.values()]
    return sorted(rows, key=_sort_key)


def decisions_applied(mapped: Iterable[tuple]) -> list[dict]:
    """For the run report: each reviewed decision used, and how many cases it touched (input as for
    ``review_queue``)."""
    touched: dict[tuple[str, str, str], int] = {}
    for field_name, text, _force_id, mapping, *cases in mapped:
        if mapping.method == "review":
            key = (field_name, text, mapping.code)
            touched[key] = touched.get(key, 0) + (cases[0] if cases else 1)
    return [{"field": f, "text": t, "code": c, "cases": n}
            for (f, t, c), n in sorted(touched.items(), key=lambda item: (_field_rank(item[0][0]), item[0][1]))]


def read_review_rows(path: Path) -> list[dict]:
    """Every row of the review file ([] when there is none). Tolerates what a spreadsheet does to a
    CSV: a byte-order mark, Windows-1252 text, semicolons for commas, missing trailing columns."""
    path = Path(path)
    if not path.exists():
        return []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = []
    for record in csv.DictReader(io.StringIO(text), delimiter=delimiter):
        row = {column: (record.get(column) or "").strip() for column in COLUMNS}
        row["text"] = (record.get("text") or "").strip()
        if row["field"] and row["text"]:
            rows.append(row)
    return rows


def read_decisions(path: Path) -> list[dict]:
    """The rows of the review file that carry a decision (a ``chosen_code``)."""
    return [row for row in read_review_rows(path) if row["chosen_code"]]


def pending_reviews(path: Path) -> list[dict]:
    """The rows still awaiting a decision (``foi review``)."""
    return [row for row in read_review_rows(path) if not row["chosen_code"]]


def write_review_file(queue: list[dict], path: Path) -> None:
    """Merge this run's queue into the review file: every decision already there is kept (its count and
    forces refreshed when the text came up again); pending rows are this run's queue. Written atomically."""
    path = Path(path)
    existing = {(row["field"], row["text"]): row for row in read_review_rows(path)}
    merged: dict[tuple[str, str], dict] = {k: row for k, row in existing.items() if row["chosen_code"]}
    for item in queue:
        key = (item["field"], item["text"])
        before = existing.get(key, {})
        row = {column: str(item.get(column, "") if item.get(column) is not None else "") for column in COLUMNS}
        row["chosen_code"] = before.get("chosen_code", "")
        row["note"] = before.get("note", "")
        merged[key] = row
    rows = sorted(merged.values(), key=_sort_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(buffer.getvalue(), encoding="utf-8-sig")
    os.replace(temporary, path)


def _field_rank(field_name: str) -> int:
    return FIELD_ORDER.index(field_name) if field_name in FIELD_ORDER else len(FIELD_ORDER)


def _sort_key(row: dict) -> tuple:
    count = int(row["count"]) if str(row.get("count", "")).isdigit() else 0
    return (_field_rank(row["field"]), row["field"], bool(row.get("chosen_code")), -count, row["text"])
