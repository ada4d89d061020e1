"""The audit report of a run: ``reports/<run-id>/validation.json``, ``index.html`` and a snapshot for diffing.

validation.json is the machine-readable record (its schema: docs/validation.md); index.html is one
self-contained page rendered from the same document; snapshot.json (record_id -> codes, force -> status)
lets the next run say what changed. ``reports/latest`` points at the newest run.
"""

from __future__ import annotations

import html
import json
import logging
import os
from collections import Counter
from pathlib import Path

import pandas as pd

from pipeline.records import RunRecord
from pipeline.status import UNANSWERED_STATUSES
from pipeline.validate import Gate, load_gate, natural_key

SCHEMA_VERSION = 1
SNAPSHOT_FIELDS = ("force_id", "year", "person_type", "rank", "breach_category", "outcome_category", "platform",
                   "standards")
LATEST = "latest"

log = logging.getLogger(__name__)


# --- the snapshot and what changed -------------------------------------------------------------------

def snapshot(run: RunRecord, cases: pd.DataFrame) -> dict:
    """What the next run compares against: each force's status and count, each case's codes."""
    rows = {}
    if len(cases):
        for record in cases.to_dict("records"):
            rows[str(record["record_id"])] = [_plain(record.get(name)) for name in SNAPSHOT_FIELDS]
    return {
        "run_id": run.run_id,
        "published": run.published,
        "forces": {f.force_id: {"status": f.response_status, "cases": f.cases} for f in run.forces},
        "fields": list(SNAPSHOT_FIELDS),
        "cases": dict(sorted(rows.items())),     # record_id -> values in the order of "fields"
    }


def _case_codes(snapshot: dict) -> dict[str, dict[str, str]]:
    fields = snapshot.get("fields", SNAPSHOT_FIELDS)
    return {rid: dict(zip(fields, values)) for rid, values in snapshot.get("cases", {}).items()}


def _plain(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


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
    before_cases, after_cases = _case_codes(previous), _case_codes(current)
    codes_changed = [
        {"record_id": rid, "force_id": after_cases[rid].get("force_id", ""), "field": name,
         "before": before_cases[rid].get(name, ""), "after": after_cases[rid].get(name, "")}
        for rid in sorted(set(before_cases) & set(after_cases))
        for name in SNAPSHOT_FIELDS
        if name != "force_id" and before_cases[rid].get(name, "") != after_cases[rid].get(name, "")
    ]
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
        "rows_added": [{"record_id": r, "force_id": after_cases[r].get("force_id", "")}
                       for r in sorted(set(after_cases) - set(before_cases))],
        "rows_removed": [{"record_id": r, "force_id": before_cases[r].get("force_id", "")}
                         for r in sorted(set(before_cases) - set(after_cases))],
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


def _failure_key(failure: dict) -> tuple:
    return (failure["force_id"], failure["source_file"], natural_key(failure["locator"]), failure["stage"],
            failure["check"], failure["column"], failure["value"])


QUARANTINE_FIELDS = ("record_id", "force_id", "source_file", "source_locator", "year", "breach_text", "outcome_text",
                     "check", "column", "value", "reason")


def _quarantined_rows(quarantined: pd.DataFrame | None) -> list[dict]:
    """The rows held back, with their verbatim texts and why: what was left out is part of the record."""
    if quarantined is None or quarantined.empty:
        return []
    rows = [{name: _plain(record.get(name)) for name in QUARANTINE_FIELDS}
            for record in quarantined.to_dict("records")]
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


def validation_document(run: RunRecord, changes: dict, quarantined: pd.DataFrame | None = None,
                        gate: Gate | None = None) -> dict:
    """The machine-readable report (docs/validation.md). Forces in force_id order, failures by place."""
    forces = sorted((f.to_dict() for f in run.forces), key=lambda f: f["force_id"])
    for force in forces:
        force["findings"] = sorted(force["findings"], key=lambda g: (g["source_file"], g["locator"], g["code"]))
    return {
        "schema_version": SCHEMA_VERSION,
        "run": {
            "run_id": run.run_id, "started_at": run.started_at, "finished_at": run.finished_at,
            "raw_dir": run.raw_dir, "published_dir": run.published_dir, "published": run.published,
            "withheld_reasons": list(run.withheld_reasons), "outputs": list(run.outputs),
            "unchanged_since": run.unchanged_since,
        },
        "totals": _totals(run),
        "checks": checks_run(run.failures, gate or load_gate()),
        "forces": forces,
        "failures": sorted((f.to_dict() for f in run.failures), key=_failure_key),
        "findings": sorted((f.to_dict() for f in run.findings),
                           key=lambda g: (g["force_id"], g["source_file"], g["code"], g["message"])),
        "review_queue": list(run.review_queue),
        "review_decisions_applied": list(run.review_decisions_applied),
        "quarantined": _quarantined_rows(quarantined),
        "changes": changes,
    }


def _write_json(path: Path, document: dict, *, compact: bool = False) -> None:
    text = (json.dumps(document, separators=(",", ":"), ensure_ascii=False, default=str) if compact
            else json.dumps(document, indent=2, ensure_ascii=False, default=str))
    path.write_text(text + "\n", encoding="utf-8")


def write_report(run: RunRecord, cases: pd.DataFrame, reports_dir: Path,
                 quarantined: pd.DataFrame | None = None, gate: Gate | None = None) -> Path:
    """Write reports/<run_id>/{validation.json,index.html,snapshot.json}, move ``latest``; the run's folder.

    ``quarantined``: the rows the gate held back (validate_cases' CASE_COLUMNS + reason, check, column, value).
    """
    reports_dir = Path(reports_dir)
    run_dir = reports_dir / run.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    current = snapshot(run, cases)
    previous_dir = previous_run_dir(reports_dir, run.run_id)
    previous = None
    if previous_dir is not None:
        try:
            previous = json.loads((previous_dir / "snapshot.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = None   # an unreadable old snapshot only costs the comparison
    document = validation_document(run, changes_since(previous, current), quarantined, gate)
    _write_json(run_dir / "snapshot.json", current, compact=True)
    _write_json(run_dir / "validation.json", document)
    (run_dir / "index.html").write_text(render_html(document), encoding="utf-8")
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
    document = validation_document(run, changes_since(None, snapshot(run, pd.DataFrame())))
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


# --- index.html: one self-contained page (inline CSS, JS and SVG; every text escaped) -----------------

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1320px;color:#1d1d1f;padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0}.ok{background:#e6f4ea;border:1px solid #8bc49a}
.withheld{background:#fdecea;border:1px solid #e0877f}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}th,td{border-bottom:1px solid #eee;padding:4px 6px;
text-align:left;vertical-align:top}
.wide{overflow-x:auto}.nw{white-space:nowrap}th{background:#f6f6f6;position:sticky;top:0}td.n{text-align:right}
.muted{color:#777}.a-withhold{color:#b3261e;font-weight:600}.a-quarantine{color:#a15c00}.a-warn{color:#555}
.filters select{margin-right:10px}code{font-size:12px}
"""

_JS = """
(function(){
  var selects=document.querySelectorAll('select[data-filter]');
  function apply(){
    var shown=0, hash=[];
    selects.forEach(function(s){if(s.value){hash.push(s.dataset.filter+'='+encodeURIComponent(s.value));}});
    document.querySelectorAll('#failures tbody tr').forEach(function(tr){
      var ok=true;
      selects.forEach(function(s){if(s.value&&tr.getAttribute('data-'+s.dataset.filter)!==s.value){ok=false;}});
      tr.hidden=!ok; if(ok){shown++;}
    });
    document.getElementById('failures-shown').textContent=shown;
    return hash.join('&');
  }
  // A filtered view has an address to share: index.html#check=year_in_period&force=kent
  function fromHash(){
    var wanted=new URLSearchParams(location.hash.slice(1));
    selects.forEach(function(s){s.value=wanted.get(s.dataset.filter)||'';});
    if(selects.length){apply();}
  }
  fromHash();
  window.addEventListener('hashchange',function(){fromHash();var t=document.getElementById('failures');if(t){t.scrollIntoView();}});
  selects.forEach(function(s){s.addEventListener('change',function(){history.replaceState(null,'','#'+apply());});});
})();
"""

_STATUS_LABEL = {"refused": "refused", "not_held": "not held", "no_response": "no response",
                 "unreadable": "unreadable", "nil_return": "nil return", "partial": "partial",
                 "responded": "responded"}
_LIST_LIMIT = 200


class _Html(str):
    """Markup this module built itself (every text inside already escaped): not escaped again."""


def _esc(value: object) -> str:
    return value if isinstance(value, _Html) else html.escape(_plain(value), quote=True)


def _table(headers: list[str], rows: list[list[object]], numeric: tuple[int, ...] = (), attrs: str = "") -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{_esc(v)}</td>" for i, v in enumerate(row))
        + "</tr>" for row in rows)
    return f'<div class="wide"><table{attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _chart(forces: list[dict]) -> str:
    """Cases per force as bars; a force that did not answer is labelled as such, never drawn as zero."""
    answered = sorted((f for f in forces if f["response_status"] not in UNANSWERED_STATUSES),
                      key=lambda f: (-(f["cases"] or 0), f["force_name"]))
    silent = sorted((f for f in forces if f["response_status"] in UNANSWERED_STATUSES),
                    key=lambda f: (f["response_status"], f["force_name"]))
    top = max([f["cases"] or 0 for f in answered] + [1])
    row_h, label_w, bar_w = 18, 250, 700
    parts = []
    for i, force in enumerate(answered + silent):
        y = i * row_h
        status = force["response_status"]
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_esc(force["force_name"])}</text>')
        if status in UNANSWERED_STATUSES:
            basis = f" ({force['refusal_basis'].replace(';', ', ')})" if force["refusal_basis"] else ""
            parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w // 3}" height="{row_h - 6}" '
                         f'fill="url(#hatch)" stroke="#999"/><text x="{label_w + bar_w // 3 + 6}" y="{y + 13}" '
                         f'class="silent">{_esc(_STATUS_LABEL.get(status, status) + basis)}</text>')
            continue
        cases = force["cases"] or 0
        width = round(bar_w * cases / top, 1)
        colour = "#c77c02" if status == "partial" else "#2f6db5"
        note = {"partial": " (partial)", "nil_return": " (nil return)"}.get(status, "")
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 6}" fill="{colour}"/>'
                     f'<text x="{label_w + width + 6}" y="{y + 13}">{cases}{_esc(note)}</text>')
    height = row_h * max(1, len(answered) + len(silent))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Cases per force" '
            f'viewBox="0 0 {label_w + bar_w + 160} {height}" width="100%" font-size="12">'
            '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/>'
            '</pattern></defs><style>.silent{fill:#666;font-style:italic}</style>'
            + "".join(parts) + "</svg>")


def _force_section(forces: list[dict], failures: list[dict]) -> str:
    failing = {failure["force_id"] for failure in failures}
    rows = [[f["force_name"], f["ons_code"], _STATUS_LABEL.get(f["response_status"], f["response_status"]),
             f["refusal_basis"], f["grain"], f["rows_read"], f["rows_published"],
             _Html(f'<a href="#force={_esc(f["force_id"])}">{f["rows_quarantined"]}</a>')
             if f["force_id"] in failing else f["rows_quarantined"],
             "\u2014" if f["cases"] is None else f["cases"],
             _Html(f"<span class=nw>{_esc(f['period_start'])}</span> to<br>"
                   f"<span class=nw>{_esc(f['period_end'])}</span>")
             if f["period_start"] or f["period_end"] else "",
             _Html("<br>".join(_esc(name) for name in f["source_files"])), len(f["findings"]),
             f.get("extraction", "")]
            for f in sorted(forces, key=lambda f: f["force_name"])]
    return _table(["Force", "ONS code", "Status", "Refusal basis", "Grain", "Rows read", "Published",
                   "Quarantined", "Cases", "Period", "Source files", "Findings", "Extraction"],
                  rows, numeric=(5, 6, 7, 8, 11), attrs=' id="forces"')


def _select(name: str, label: str, values: list[str]) -> str:
    options = "".join(f'<option value="{_esc(v)}">{_esc(v)}</option>' for v in values)
    return f'<label>{_esc(label)} <select data-filter="{name}"><option value="">all</option>{options}</select></label>'


def _failures_section(failures: list[dict]) -> str:
    if not failures:
        return "<p>No validation failures.</p>"
    filters = (_select("force", "Force", sorted({f["force_id"] for f in failures}))
               + _select("check", "Check", sorted({f["check"] for f in failures}))
               + _select("action", "Action", sorted({f["action"] for f in failures})))
    rows = "".join(
        f'<tr data-force="{_esc(f["force_id"])}" data-check="{_esc(f["check"])}" data-action="{_esc(f["action"])}">'
        f'<td class="a-{_esc(f["action"])}">{_esc(f["action"])}</td><td>{_esc(f["stage"])}</td>'
        f'<td>{_esc(f["check"])}</td><td>{_esc(f["force_id"])}</td><td>{_esc(f["source_file"])}</td>'
        f'<td><code>{_esc(f["locator"])}</code></td><td>{_esc(f["column"])}</td><td>{_esc(f["value"])}</td>'
        f'<td>{_esc(f["message"])}</td></tr>' for f in failures)
    head = "".join(f"<th>{h}</th>" for h in
                   ("Action", "Stage", "Check", "Force", "Source file", "Locator", "Column", "Value", "Message"))
    return (f'<div class="filters">{filters} <span class="muted"><span id="failures-shown">{len(failures)}'
            f'</span> of {len(failures)} shown</span></div>'
            f'<div class="wide"><table id="failures"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
            '</div>')


def _findings_section(document: dict) -> str:
    findings = list(document["findings"]) + [g for f in document["forces"] for g in f["findings"]]
    if not findings:
        return "<p>No findings.</p>"
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda g: (order.get(g["severity"], 3), g["force_id"], g["source_file"], g["code"]))
    return _table(["Severity", "Code", "Force", "Source file", "Locator", "Message"],
                  [[g["severity"], g["code"], g["force_id"], g["source_file"], g["locator"], g["message"]]
                   for g in findings], attrs=' id="findings"')


def _limited(items: list, render) -> str:
    shown = "".join(f"<li>{render(item)}</li>" for item in items[:_LIST_LIMIT])
    more = f"<li class=muted>and {len(items) - _LIST_LIMIT} more (validation.json has all)</li>" \
        if len(items) > _LIST_LIMIT else ""
    return f"<ul>{shown}{more}</ul>" if items else "<p class=muted>none</p>"


def _changes_section(changes: dict) -> str:
    if not changes["previous_run_id"]:
        return "<p>No previous run to compare with.</p>"
    published = {True: "published", False: "withheld", None: "unknown"}[changes["previous_published"]]
    parts = [f"<p>Compared with run <code>{_esc(changes['previous_run_id'])}</code> ({published}).</p>"]
    sections = (
        ("Forces added (a return arrived)", changes["forces_added"], _esc),
        ("Forces removed (a return is gone)", changes["forces_removed"], _esc),
        ("Status changed", changes["status_changed"],
         lambda c: f"{_esc(c['force_id'])}: {_esc(c['before'])} \u2192 {_esc(c['after'])}"),
        ("Cases changed", changes["cases_changed"],
         lambda c: f"{_esc(c['force_id'])}: {_esc(c['before'])} \u2192 {_esc(c['after'])}"),
        ("Rows added", changes["rows_added"], lambda r: f"<code>{_esc(r['record_id'])}</code>"),
        ("Rows removed", changes["rows_removed"], lambda r: f"<code>{_esc(r['record_id'])}</code>"),
        ("Codes changed", changes["codes_changed"],
         lambda c: f"<code>{_esc(c['record_id'])}</code> {_esc(c['field'])}: {_esc(c['before'])} \u2192 "
                   f"{_esc(c['after'])}"),
    )
    unchanged = [title for title, items, _ in sections if not items]
    for title, items, render in sections:
        if items:
            parts.append(f"<h3>{_esc(title)}: {len(items)}</h3>{_limited(items, render)}")
    if unchanged:
        parts.append(f"<p class=muted>No change: {_esc('; '.join(unchanged))}.</p>")
    return "".join(parts)


def _checks_section(checks: list[dict]) -> str:
    rows = [[c["check"], c["about"], ", ".join(a if s == "*" else f"{s}: {a}" for s, a in c["actions"].items()),
             _Html(f'<a href="#check={_esc(c["check"])}">{c["failures"]}</a>') if c["failures"] else "passed",
             c["forces_failing"] or ""] for c in checks]
    return _table(["Check", "Ensures", "On failure", "Failures", "Forces failing"], rows, numeric=(3, 4),
                  attrs=' id="checks"')


def _quarantine_section(rows: list[dict]) -> str:
    if not rows:
        return "<p>No row was held back.</p>"
    return _table(["Force", "Source file", "Locator", "Year", "Breach (verbatim)", "Outcome (verbatim)", "Why"],
                  [[r["force_id"], r["source_file"], r["source_locator"], r["year"], r["breach_text"],
                    r["outcome_text"], r["reason"]] for r in rows], attrs=' id="quarantined"')


def render_html(document: dict) -> str:
    """The page for a validation document. Deterministic for the same document."""
    run, totals = document["run"], document["totals"]
    if run["published"]:
        banner = f'<div class="banner ok">Published to <code>{_esc(run["published_dir"])}</code>.</div>'
    else:
        reasons = "".join(f"<li>{_esc(r)}</li>" for r in run["withheld_reasons"])
        banner = (f'<div class="banner withheld"><b>Publication withheld by the validation gate.</b> The previous '
                  f'dataset was left untouched. Why:<ul>{reasons}</ul></div>')
    cards = [("Forces", totals["forces"]), ("Cases", totals["cases"]), ("Rows read", totals["rows_read"]),
             ("Published", totals["rows_published"]), ("Quarantined", totals["rows_quarantined"]),
             ("Failures", len(document["failures"])), ("To review", totals["review_queue"])]
    cards += [(_STATUS_LABEL.get(s, s).capitalize(), n) for s, n in totals["by_status"].items()]
    card_html = "".join(f'<div class="card"><b>{_esc(v)}</b>{_esc(k)}</div>' for k, v in cards)
    queue = _table(["Field", "Text", "Count", "Forces", "Suggested code"],
                   [[q.get("field"), q.get("text"), q.get("count"), q.get("forces"), q.get("suggested_code")]
                    for q in document["review_queue"]], numeric=(2,), attrs=' id="review"') \
        if document["review_queue"] else "<p>Nothing awaits review.</p>"
    applied = _table(["Field", "Text", "Code", "Cases"],
                     [[d.get("field"), d.get("text"), d.get("code"), d.get("cases")]
                      for d in document["review_decisions_applied"]], numeric=(3,)) \
        if document["review_decisions_applied"] else "<p>None.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>FOI validation report: run {_esc(run["run_id"])}</title><style>{_CSS}</style></head>
<body>
<h1>FOI validation report</h1>
<p class="muted">Run <code>{_esc(run["run_id"])}</code>, {_esc(run["started_at"])} to {_esc(run["finished_at"])};
returns from <code>{_esc(run["raw_dir"])}</code>.</p>
{banner}
<div class="cards">{card_html}</div>
<h2 id="chart">Cases per force</h2>
<p class="muted">Hatched: the force did not answer (refused, not held, no response or unreadable): no count, not zero.</p>
{_chart(document["forces"])}
<h2>Summary per force</h2>
{_force_section(document["forces"], document["failures"])}
<h2>Validation failures</h2>
{_failures_section(document["failures"])}
<h2>Checks run</h2>
{_checks_section(document["checks"])}
<h2>Rows held back</h2>
{_quarantine_section(document["quarantined"])}
<h2>Review queue</h2>
{queue}
<h2>Review decisions applied</h2>
{applied}
<h2>Findings</h2>
{_findings_section(document)}
<h2>What changed since the previous run</h2>
{_changes_section(document["changes"])}
<script>{_JS}</script>
</body></html>
"""
