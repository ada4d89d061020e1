"""index.html of a run's report: one self-contained page (inline CSS, JS and SVG) rendered from validation.json.

Every text a force wrote is escaped; the page is the same for the same document. ``pipeline.report`` builds the
document and writes the files; this module only turns the document into markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import pandas as pd

from pipeline.status import UNANSWERED_STATUSES

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


def _plain(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


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


def _failures_section(failures: list[dict]) -> Iterator[str]:
    """The failures table, a row at a time: at 100,000 cases there can be ~90,000 rows (~40 MB of markup)."""
    if not failures:
        yield "<p>No validation failures.</p>"
        return
    choices: dict[str, set[str]] = {"force_id": set(), "check": set(), "action": set()}
    for failure in failures:            # one pass: report.FailureRecords makes each dict as it is read
        for name, seen in choices.items():
            seen.add(failure[name])
    filters = (_select("force", "Force", sorted(choices["force_id"])) + _select("check", "Check", sorted(choices["check"]))
               + _select("action", "Action", sorted(choices["action"])))
    head = "".join(f"<th>{h}</th>" for h in
                   ("Action", "Stage", "Check", "Force", "Source file", "Locator", "Column", "Value", "Message"))
    yield (f'<div class="filters">{filters} <span class="muted"><span id="failures-shown">{len(failures)}'
           f'</span> of {len(failures)} shown</span></div>'
           f'<div class="wide"><table id="failures"><thead><tr>{head}</tr></thead><tbody>')
    escaped: dict[object, str] = {}     # most fields repeat from row to row (force, check, file, column)

    def esc(value: object) -> str:
        text = escaped.get(value)
        if text is None:
            text = escaped[value] = _esc(value)
        return text

    for f in failures:
        action, check, force_id = esc(f["action"]), esc(f["check"]), esc(f["force_id"])
        yield (f'<tr data-force="{force_id}" data-check="{check}" data-action="{action}"><td class="a-{action}">'
               f'{action}</td><td>{esc(f["stage"])}</td><td>{check}</td><td>{force_id}</td>'
               f'<td>{esc(f["source_file"])}</td><td><code>{_esc(f["locator"])}</code></td>'
               f'<td>{esc(f["column"])}</td><td>{_esc(f["value"])}</td><td>{_esc(f["message"])}</td></tr>')
    yield "</tbody></table></div>"


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


def _unchanged(run: dict) -> str:
    since = run.get("unchanged_since")
    if not since:
        return ""
    return (f'<p class="muted">Nothing changed since run <code>{_esc(since)}</code> (returns, vocabulary, '
            f"review decisions, gate, code): its result was reused, no file was read again.</p>\n")


def render_html(document: dict) -> str:
    """The page for a validation document. Deterministic for the same document."""
    return "".join(html_pieces(document))


def html_pieces(document: dict) -> Iterator[str]:
    """The page in pieces, to be written as it is made (``render_html`` joins them)."""
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
    yield f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>FOI validation report: run {_esc(run["run_id"])}</title><style>{_CSS}</style></head>
<body>
<h1>FOI validation report</h1>
<p class="muted">Run <code>{_esc(run["run_id"])}</code>, {_esc(run["started_at"])} to {_esc(run["finished_at"])};
returns from <code>{_esc(run["raw_dir"])}</code>.</p>
{_unchanged(run)}{banner}
<div class="cards">{card_html}</div>
<h2 id="chart">Cases per force</h2>
<p class="muted">Hatched: the force did not answer (refused, not held, no response or unreadable): no count, not zero.</p>
{_chart(document["forces"])}
<h2>Summary per force</h2>
{_force_section(document["forces"], document["failures"])}
<h2>Validation failures</h2>
"""
    yield from _failures_section(document["failures"])
    yield f"""
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
