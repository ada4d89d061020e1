"""The work done per force return, and the consolidation of all of them.

Plain functions: ``flows.py`` wraps them as Prefect tasks, tests call them directly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline.counts import empty_counts, force_total, reconcile, split_rows
from pipeline.counts import count_rows as read_count_rows
from pipeline.counts import review_items as count_review_items
from pipeline.extract import extract_file
from pipeline.forces import all_forces
from pipeline.normalise import cell_locators, normalise_rows
from pipeline.records import (
    CASE_COLUMNS,
    COUNT_COLUMNS,
    FORCE_COLUMNS,
    Failure,
    FileExtraction,
    Finding,
    ForceSummary,
    RunRecord,
    share_repeated_texts,
)
from pipeline.guard import guarded_extract
from pipeline.privacy import screen_cases
from pipeline.returns import ReturnFolder, sha256_file
from pipeline.status import UNANSWERED_STATUSES, decide_status
from pipeline.validate import gate_decision, validate_cases, validate_consolidated, validate_extracted
from pipeline.vocabulary import decisions_applied, load_vocabulary, review_queue

REVIEWED_FIELDS = {
    "breach_category": "breach_text",
    "outcome_category": "outcome_text",
    "person_type": "person_type_text",
    "rank": "rank_text",
}


@dataclass
class ForceOutcome:
    """What one force's return became: its line in the force table, its cases, what was held back."""

    summary: ForceSummary
    cases: pd.DataFrame
    quarantined: pd.DataFrame
    failures: list[Failure] = field(default_factory=list)
    extractions: list[FileExtraction] = field(default_factory=list)   # rows dropped: summaries only
    review_items: list[tuple] = field(default_factory=list)   # (field, text, force_id, Mapping[, cases])
    counts: pd.DataFrame | None = None    # COUNT_COLUMNS: numbers by year/category and prose answers (issue 9)


def extract_return(folder: ReturnFolder) -> list[FileExtraction]:
    """Read every file of one return, each in a limited child process (``pipeline.guard``).

    The expensive step, and the one cached across runs. A file the disk cannot give us raises
    ``OSError`` here, so the task can retry; a file that is merely bad becomes an error finding.
    """
    extractions = []
    texts: dict[str, str] = {}
    for path in folder.files:
        sha256_file(path)
        source_file = f"{folder.force_id}/{path.name}"
        extraction = guarded_extract(path, folder.force_id, source_file, folder.manifest.hints_for(path.name),
                                     extract_file)
        extractions.append(share_repeated_texts(extraction, texts))
    return extractions


def process_return(folder: ReturnFolder, extractions: list[FileExtraction], vocabulary,
                   gate=None) -> ForceOutcome:
    """Normalise and validate one force's extracted return and decide its status. Never raises."""
    every_row = [row for extraction in extractions for row in extraction.rows]
    rows, grain_rows = split_rows(every_row)          # issue 9: count tables and prose answers apart
    failures = validate_extracted(rows, folder.force_id)
    cases = normalise_rows(rows, vocabulary)
    counts, count_findings = read_count_rows(grain_rows, vocabulary)
    decision = decide_status(folder, extractions, len(cases), counts)
    checked = validate_cases(
        cases,
        allowed_codes={name: vocabulary.codes(name) for name in vocabulary.fields},
        periods={folder.force_id: (decision.period_start, decision.period_end)},
        cell_locators=cell_locators(rows, cases["record_id"]),
        gate=gate,
    )
    failures += checked.failures
    published = checked.published.loc[:, list(CASE_COLUMNS)].reset_index(drop=True)

    status = decision.response_status
    count = None if status in UNANSWERED_STATUSES else len(published)
    findings = list(folder.findings) + [f for e in extractions for f in e.findings] + count_findings
    if len(counts) and len(rows):
        # A case list and a summary of it: the summary is checked, never added (issue 9).
        counts["summary_of_cases"] = True
        findings += reconcile(folder.force_id, published, counts)
    elif len(counts) and status not in UNANSWERED_STATUSES:
        total, total_findings = force_total(counts, folder.force_id)
        findings += total_findings
        count = total if total is not None else count
    summary = ForceSummary(
        force_id=folder.force.force_id,
        force_name=folder.force.force_name,
        ons_code=folder.force.ons_code,
        response_status=status,
        refusal_basis=decision.refusal_basis,
        grain=decision.grain,
        cases=count,
        rows_read=len(rows),
        rows_published=len(published),
        rows_quarantined=len(checked.quarantined),
        period_start=decision.period_start,
        period_end=decision.period_end,
        source_files=[e.source_file for e in extractions],
        evidence=decision.evidence,
        findings=findings,
    )
    # one item per distinct text and its number of cases: one per case was 428,630 tuples at 106,770 cases
    # (~30 MB, and ~27 MB more for their texts)
    review_items = [
        (name, text, folder.force_id, vocabulary.map(name, text), cases)
        for name, column in REVIEWED_FIELDS.items()
        for text, cases in Counter(published[column].tolist()).items()
    ] + count_review_items(counts, vocabulary)     # issue 9: count and prose labels are reviewed too
    summaries = [replace(extraction, rows=[]) for extraction in extractions]
    return ForceOutcome(summary, published, checked.quarantined, failures, summaries, review_items, counts)


def review_findings(review_path: str | None) -> list[Finding]:
    """Decisions in the review file that cannot be applied (a chosen code that is not a code)."""
    if not review_path:
        return []
    vocabulary = load_vocabulary(Path(review_path))
    return [Finding("warning", "bad_review_decision", problem, source_file=str(review_path))
            for problem in vocabulary.review_problems]


def unreadable_outcome(folder: ReturnFolder, reason: str) -> ForceOutcome:
    """The outcome of a return whose reading failed outright (after retries): reported, never zero."""
    finding = Finding("error", "return_failed",
                      f"raw/{folder.force_id}/ could not be read: {reason}. The other forces were published; "
                      f"check the files and run again.", force_id=folder.force_id)
    summary = ForceSummary(
        force_id=folder.force_id, force_name=folder.force.force_name, ons_code=folder.force.ons_code,
        response_status="unreadable" if folder.files else "no_response",
        source_files=[f"{folder.force_id}/{p.name}" for p in folder.files],
        findings=list(folder.findings) + [finding],
    )
    empty = pd.DataFrame(columns=list(CASE_COLUMNS))
    return ForceOutcome(summary, empty, empty.copy(), [], [], [], empty_counts())


def forces_table(outcomes: list[ForceOutcome]) -> pd.DataFrame:
    """One row per force, in ONS code order."""
    order = {force.force_id: i for i, force in enumerate(all_forces())}
    rows = []
    for outcome in sorted(outcomes, key=lambda o: order[o.summary.force_id]):
        s = outcome.summary
        rows.append({
            "force_id": s.force_id, "force_name": s.force_name, "ons_code": s.ons_code,
            "response_status": s.response_status, "refusal_basis": s.refusal_basis, "grain": s.grain,
            "cases": s.cases, "rows_read": s.rows_read, "rows_published": s.rows_published,
            "rows_quarantined": s.rows_quarantined, "period_start": s.period_start,
            "period_end": s.period_end, "source_files": ";".join(s.source_files), "evidence": s.evidence,
        })
    frame = pd.DataFrame.from_records(rows, columns=list(FORCE_COLUMNS))
    frame["cases"] = frame["cases"].astype("Int64")
    return frame


def cases_table(outcomes: list[ForceOutcome]) -> pd.DataFrame:
    """All published cases, forces in id order, each force's rows in the order they were read."""
    frames = [o.cases for o in sorted(outcomes, key=lambda o: o.summary.force_id) if len(o.cases)]
    if not frames:
        return pd.DataFrame(columns=list(CASE_COLUMNS))
    return pd.concat(frames, ignore_index=True).loc[:, list(CASE_COLUMNS)]


class AttachedCounts:
    """The count rows riding on the forces frame (``attrs``) until flows.py passes them to publish itself."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__


def counts_table(outcomes: list[ForceOutcome]) -> pd.DataFrame:
    """All published count rows (issue 9), forces in id order, each force's rows in the order read."""
    frames = [o.counts for o in sorted(outcomes, key=lambda o: o.summary.force_id)
              if o.counts is not None and len(o.counts)
              and o.summary.response_status not in UNANSWERED_STATUSES]
    if not frames:
        return empty_counts()
    return pd.concat(frames, ignore_index=True).loc[:, list(COUNT_COLUMNS)]


@dataclass
class Consolidation:
    cases: pd.DataFrame
    forces: pd.DataFrame
    quarantined: pd.DataFrame
    run: RunRecord
    counts: pd.DataFrame | None = None


def _personal_data_finding(hit: dict) -> Finding:
    action = "withheld from the published text" if hit["withheld"] else "published after review"
    return Finding(
        "warning", "personal_data",
        f"Possible personal data ({hit['kind']}) in {hit['column']} of {hit['record_id']}: {action}. "
        f"Check it; to publish after review, list the record id in schemas/privacy.yaml.",
        force_id=hit["force_id"], source_file=hit["source_file"], locator=hit["source_locator"],
        value=hit["match"],
    )


@dataclass
class JoinedReturns:
    """The forces' tables joined and screened for personal data: what is published if the whole passes."""

    cases: pd.DataFrame
    forces: pd.DataFrame
    counts: pd.DataFrame
    quarantined: pd.DataFrame
    personal_data: list[dict]


def join_returns(outcomes: list[ForceOutcome]) -> JoinedReturns:
    """The tables every output is written from; ``consolidate`` checks them. Apart so that the publishing can
    start on them while the whole is checked (flows.py)."""
    cases, personal_data = screen_cases(cases_table(outcomes))
    forces = forces_table(outcomes)
    counts = counts_table(outcomes)
    # publish(cases, forces, out) as flows.py calls it finds the counts here (issue 9); a caller that passes
    # ``counts=`` explicitly does not need this. Wrapped so that pandas comparing attrs (concat) never compares
    # two DataFrames.
    forces.attrs["counts"] = AttachedCounts(counts)
    quarantined_frames = [o.quarantined for o in outcomes if len(o.quarantined)]
    quarantined = pd.concat(quarantined_frames, ignore_index=True) if quarantined_frames else pd.DataFrame()
    return JoinedReturns(cases, forces, counts, quarantined, personal_data)


def consolidate(outcomes: list[ForceOutcome], run_findings: list[Finding], *, run_id: str, started_at: str,
                raw_dir: Path, published_dir: Path, gate=None, review_threshold: float = 0.8,
                joined: JoinedReturns | None = None) -> Consolidation:
    """Join the forces (or take ``joined``, theirs), check the whole, and decide whether it may be published."""
    joined = joined or join_returns(outcomes)
    cases, forces, counts = joined.cases, joined.forces, joined.counts
    quarantined, personal_data = joined.quarantined, joined.personal_data
    failures = [f for o in outcomes for f in o.failures]
    failures += validate_consolidated(cases, forces, gate=gate, counts=counts)
    publish_ok, reasons = gate_decision(failures, gate) if gate is not None else gate_decision(failures, None)
    mapped = [item for o in outcomes for item in o.review_items]
    queue = review_queue(mapped, review_threshold)
    run = RunRecord(
        run_id=run_id,
        started_at=started_at,
        finished_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        raw_dir=str(raw_dir),
        published_dir=str(published_dir),
        published=publish_ok,
        withheld_reasons=reasons,
        forces=[o.summary for o in sorted(outcomes, key=lambda o: o.summary.ons_code)],
        failures=failures,
        findings=run_findings + [_personal_data_finding(hit) for hit in personal_data],
        personal_data=personal_data,
        review_queue=queue,
        review_decisions_applied=decisions_applied(mapped),
    )
    return Consolidation(cases, forces, quarantined, run, counts)
