"""Backend of ``foi inspect`` and ``foi add-return``: what a file looks like to the extractor, a proposed
return.yaml, and adding a force's return to raw/. Nothing here prints; the CLI shows the results.

Every file is read through the guard (a limited child process), as in a run.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import yaml

from pipeline.extract import extract_file
from pipeline.forces import resolve_force
from pipeline.guard import guarded_extract
from pipeline.records import FileExtraction
from pipeline.returns import MANIFEST_NAME

_SAMPLE_ROWS = 5
# What a return-level status is, given the kinds of its files (most telling first).
_STATUS_OF_KIND = {"table": "responded", "partial": "partial", "refused": "refused", "nil_return": "nil_return",
                   "not_held": "not_held"}


def _confidence(extraction: FileExtraction) -> float:
    """How far the reading can be trusted without a person looking: 1.0 when every column of every table
    was placed and nothing is in doubt; lower for unplaced columns, warnings and an undecided letter."""
    if extraction.kind in ("unknown", "needs_ocr"):
        return 0.0
    score = 1.0
    if extraction.tables:
        columns = [role for table in extraction.tables for heading, role in table.column_roles.items() if heading]
        if columns:
            score *= 0.5 + 0.5 * sum(1 for role in columns if role) / len(columns)
    elif not extraction.evidence:
        score *= 0.5
    warnings = sum(1 for f in extraction.findings if f.severity == "warning")
    errors = sum(1 for f in extraction.findings if f.severity == "error")
    score *= 0.9 ** min(warnings, 5) * (0.5 if errors else 1.0)
    return round(score, 2)


def _summary(extraction: FileExtraction) -> dict:
    tables = []
    for table in extraction.tables:
        entry = {"locator": table.locator, "header": table.header, "rows": table.rows,
                 "column_roles": table.column_roles, "grain": table.grain}
        if table.sheet is not None:
            entry["sheet"] = table.sheet
        else:
            entry["page"] = table.page
        tables.append(entry)
    samples = [{"locator": row.locator, **row.cells, **({"extra": row.extra} if row.extra else {}),
                **({"context": row.context} if row.context else {})}
               for row in extraction.rows if row.cells][:_SAMPLE_ROWS]
    return {
        "file_format": extraction.file_format,
        "kind": extraction.kind,
        "refusal_basis": list(extraction.refusal_basis),
        "evidence": extraction.evidence,
        "period_start": extraction.period_start,
        "period_end": extraction.period_end,
        "rows": sum(1 for row in extraction.rows if row.cells),
        "tables": tables,
        "sample_rows": samples,
        "findings": [f.to_dict() for f in extraction.findings],
        "confidence": _confidence(extraction),
        "sha256": extraction.source_sha256,
    }


def inspect_file(path: Path, hints: dict | None = None, force_id: str = "inspect") -> dict:
    """What the extractor makes of one file, JSON-ready: kind, refusal_basis, evidence, tables
    [{page or sheet, header, rows, column_roles}], sample_rows, findings, confidence (0-1)."""
    path = Path(path)
    extraction = guarded_extract(path, force_id, path.name, hints, extract_file)
    return _summary(extraction)


def _file_hints(result: dict) -> dict:
    """Per-file hints worth writing down: columns the extractor could not place, left for a person."""
    hints: dict = {}
    unplaced = {heading: "" for table in result.get("tables", [])
                for heading, role in table.get("column_roles", {}).items() if heading and not role}
    if unplaced:
        hints["columns"] = unplaced
    return hints


def _manifest(results: dict[str, dict], received: str = "") -> dict:
    kinds = [r.get("kind", "unknown") for r in results.values()]
    document: dict = {}
    statuses = [_STATUS_OF_KIND[k] for k in kinds if k in _STATUS_OF_KIND]
    if "responded" in statuses and any(s in ("partial", "refused") for s in statuses):
        document["status"] = "partial"
    elif statuses:
        document["status"] = next(s for s in ("responded", "partial", "refused", "nil_return", "not_held")
                                  if s in statuses)
    basis = list(dict.fromkeys(b for r in results.values() for b in r.get("refusal_basis", [])))
    if basis and document.get("status") in ("partial", "refused"):
        document["refusal_basis"] = basis
    starts = [r["period_start"] for r in results.values() if r.get("period_start")]
    ends = [r["period_end"] for r in results.values() if r.get("period_end")]
    if starts and ends:
        document["period"] = {"start": dt.date.fromisoformat(min(starts)), "end": dt.date.fromisoformat(max(ends))}
    if received:
        document["received"] = dt.date.fromisoformat(received)
    document["files"] = {name: _file_hints(result) for name, result in results.items()}
    return document


def _comment(results: dict[str, dict]) -> str:
    lines = ["# Proposed by foi inspect: check every value against the letter before relying on it."]
    for name, result in results.items():
        lines.append(f"# {name}: {result.get('kind')}, {result.get('rows', 0)} rows, "
                     f"confidence {result.get('confidence')}")
        if result.get("evidence"):
            lines.append(f"#   decided on: \"{result['evidence'][:160]}\"")
        for table in result.get("tables", []):
            for heading, role in table.get("column_roles", {}).items():
                if heading and not role:
                    lines.append(f"#   column {heading!r} ({table['locator']}) not understood: give it a role "
                                 f"(breach, outcome, year, date, rank, person_type, platform, case_ref, count, "
                                 f"standards) or leave it empty")
    return "\n".join(lines)


def propose_manifest(path: Path | list[Path], result: dict | list[dict] | None = None, received: str = "") -> str:
    """YAML text of a proposed return.yaml for one file (or several files of one return), from
    ``inspect_file`` results (computed when not given)."""
    paths = [Path(p) for p in (path if isinstance(path, list) else [path])]
    given = result if isinstance(result, list) else ([result] if result is not None else [])
    results = {p.name: (given[i] if i < len(given) and given[i] is not None else inspect_file(p))
               for i, p in enumerate(paths)}
    body = yaml.safe_dump(_manifest(results, received), sort_keys=False, allow_unicode=True, width=110)
    return _comment(results) + "\n" + body


def add_return(force_name: str, files: list[Path], raw_dir: Path) -> dict:
    """Copy a force's files into raw/<force_id>/, inspect them and write a proposed return.yaml there
    (an existing return.yaml is kept and the proposal written beside it as return.proposed.yaml).
    Raises ``pipeline.forces.UnknownForceError`` for a name that is no force."""
    force = resolve_force(force_name)
    folder = Path(raw_dir) / force.force_id
    folder.mkdir(parents=True, exist_ok=True)
    copied, results = [], {}
    for source in (Path(f) for f in files):
        target = folder / source.name
        if source.resolve() != target.resolve():
            shutil.copy2(source, target)
        copied.append(target)
        result = guarded_extract(target, force.force_id, f"{force.force_id}/{source.name}", None, extract_file)
        results[source.name] = _summary(result)
    text = propose_manifest(copied, [results[p.name] for p in copied])
    manifest = folder / MANIFEST_NAME
    written = manifest if not manifest.exists() else folder / "return.proposed.yaml"
    written.write_text(text, encoding="utf-8")
    lines = [f"{force.force_name} ({force.force_id}): {len(copied)} file(s) in {folder}"]
    for name, result in results.items():
        lines.append(f"  {name}: {result['kind']}, {result['rows']} rows, confidence {result['confidence']}")
        lines += [f"    {f['severity']}: {f['message']}" for f in result["findings"] if f["severity"] != "info"]
    lines.append(f"Wrote {written}" + (" (return.yaml already there: compare and merge by hand)"
                                       if written != manifest else "; check it against the letter."))
    return {"force_id": force.force_id, "force_name": force.force_name, "folder": str(folder),
            "files": [str(p) for p in copied], "manifest": str(written), "results": results,
            "text": "\n".join(lines)}
