"""What the pipeline sees in one file, and filing a new return: the backend of ``foi inspect`` and
``foi add-return``. Nothing here prints; the CLI renders the results."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from pipeline.extract import extract_file
from pipeline.forces import resolve_force
from pipeline.guard import guarded_extract
from pipeline.records import FileExtraction
from pipeline.returns import MANIFEST_NAME
from pipeline.safepath import safe_child
from pipeline.vocabulary import load_vocabulary

_SAMPLE_ROWS = 5
_MAPPED_ROLES = {"breach": "breach_category", "outcome": "outcome_category", "person_type": "person_type",
                 "rank": "rank", "platform": "platform"}


def _confidence(extraction: FileExtraction) -> float:
    """How sure the reading is: the share of tables' columns that got a role, or 1.0 for a letter
    whose kind was decided by a quoted sentence."""
    if extraction.tables:
        roles = [role for table in extraction.tables for role in table.column_roles.values()]
        return round(sum(1 for r in roles if r) / max(len(roles), 1), 2)
    return 1.0 if extraction.evidence else 0.0


def _unmapped_terms(extraction: FileExtraction) -> list[dict]:
    vocabulary = load_vocabulary()
    terms: dict[tuple[str, str], int] = {}
    for row in extraction.rows:
        for role, field in _MAPPED_ROLES.items():
            text = row.cells.get(role, "")
            if text and vocabulary.map(field, text).code == "unmapped":
                terms[(field, text)] = terms.get((field, text), 0) + 1
    return [{"field": f, "text": t, "rows": n} for (f, t), n in sorted(terms.items())]


def inspect_file(path: Path, force_id: str = "unknown", hints: dict | None = None) -> dict:
    """One JSON-ready description of a file: kind, refusal basis, evidence, tables, sample rows,
    unmapped terms, findings, confidence."""
    path = Path(path)
    extraction = guarded_extract(path, force_id, path.name, hints, extract_file)
    return {
        "file": str(path),
        "format": extraction.file_format,
        "kind": extraction.kind,
        "refusal_basis": extraction.refusal_basis,
        "evidence": extraction.evidence,
        "period": {"start": extraction.period_start, "end": extraction.period_end},
        "tables": [
            {"page": t.page, "sheet": t.sheet, "locator": t.locator, "header": t.header, "rows": t.rows,
             "column_roles": t.column_roles}
            for t in extraction.tables
        ],
        "rows": len(extraction.rows),
        "sample_rows": [{"locator": r.locator, **r.cells} for r in extraction.rows[:_SAMPLE_ROWS]],
        "unmapped_terms": _unmapped_terms(extraction),
        "findings": [f.to_dict() for f in extraction.findings],
        "confidence": _confidence(extraction),
    }


def manifest_for(results: dict[str, dict]) -> dict:
    """A proposed return.yaml from inspection results (file name -> inspect_file result)."""
    kinds = [r["kind"] for r in results.values()]
    manifest: dict = {}
    letter_kinds = [k for k in kinds if k in ("refused", "nil_return", "not_held", "partial")]
    if "table" in kinds:
        manifest["status"] = "partial" if "partial" in kinds or "refused" in kinds else "responded"
    elif letter_kinds:
        manifest["status"] = letter_kinds[0]
    basis = sorted({s for r in results.values() for s in r["refusal_basis"]})
    if basis:
        manifest["refusal_basis"] = basis
    period = next((r["period"] for r in results.values() if r["period"]["start"]), None)
    if period:
        manifest["period"] = dict(period)
    files = {}
    for name, result in results.items():
        hints: dict = {}
        for table in result["tables"]:
            unknown = [h for h, role in table["column_roles"].items() if h and not role]
            if unknown:
                hints.setdefault("columns", {}).update({h: "CHOOSE-A-ROLE" for h in unknown})
        if hints:
            files[name] = hints
    if files:
        manifest["files"] = files
    return manifest


def propose_manifest(path: Path, result: dict) -> str:
    """YAML text of a proposed return.yaml for one file."""
    header = ("# Proposed by `foi inspect --manifest`: check every line, then save it as raw/<force-id>/return.yaml.\n"
              "# Column roles: year, date, person_type, rank, breach, outcome, platform, case_ref, count, standards.\n")
    return header + yaml.safe_dump(manifest_for({Path(path).name: result}), sort_keys=False, allow_unicode=True)


def add_return(force_name: str, files: list[Path], raw_dir: Path) -> dict:
    """File a force's return: resolve the force, copy the files into raw/<id>/, propose return.yaml.

    An existing return.yaml is kept (the proposal is written beside it as return.proposed.yaml)."""
    force = resolve_force(force_name)
    folder = safe_child(Path(raw_dir), force.force_id)
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    copied = []
    for source in files:
        target = safe_child(folder, Path(source).name)
        shutil.copyfile(source, target)
        copied.append(str(target))
        results[target.name] = inspect_file(target, force.force_id)
    manifest_path = folder / MANIFEST_NAME
    if manifest_path.exists():
        manifest_path = folder / "return.proposed.yaml"
    text = propose_manifest(Path(copied[0]), results[Path(copied[0]).name]) if len(results) == 1 else (
        "# Proposed by `foi add-return`: check every line.\n"
        + yaml.safe_dump(manifest_for(results), sort_keys=False, allow_unicode=True))
    manifest_path.write_text(text, encoding="utf-8")
    needs_eye = [
        f"{name}: {finding['message']}" for name, result in results.items()
        for finding in result["findings"] if finding["severity"] in ("error", "warning")
    ] + [
        f"{name}: {term['field']} '{term['text']}' could not be mapped ({term['rows']} rows)"
        for name, result in results.items() for term in result["unmapped_terms"]
    ]
    lines = [f"Filed {len(copied)} file(s) for {force.force_name} ({force.force_id}) in {folder}/"]
    for name, result in results.items():
        tables = ", ".join(f"{t['locator']}: {t['rows']} rows" for t in result["tables"]) or "no table"
        lines.append(f"  {name}: {result['kind']} ({tables})"
                     + (f", refusal basis {';'.join(result['refusal_basis'])}" if result["refusal_basis"] else ""))
    lines.append(f"Proposed manifest: {manifest_path}")
    lines += ["Needs a person's eye:"] + [f"  - {item}" for item in needs_eye] if needs_eye else \
        ["Nothing needs a person's eye."]
    return {"force_id": force.force_id, "files": copied, "manifest": str(manifest_path),
            "results": results, "needs_attention": needs_eye, "text": "\n".join(lines)}
