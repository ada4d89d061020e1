"""A force's response status, refusal basis, grain and period, decided from what its files said.

Precedence: what a person wrote in return.yaml, then what the files show, then the campaign's period.
A force that did not answer, refused, or sent nothing readable never gets a case count (not even 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from pipeline.records import FileExtraction
from pipeline.returns import ReturnFolder

# Statuses whose case count stays empty. ``unreadable`` (an addition to the contract's list) is a force
# that did answer but whose every file failed to read (corrupt, password-protected, a scan needing OCR).
UNANSWERED_STATUSES = ("refused", "not_held", "no_response", "unreadable")
_LETTER_KINDS = ("refused", "nil_return", "not_held")


@dataclass
class StatusDecision:
    response_status: str
    refusal_basis: str
    grain: str
    period_start: str
    period_end: str
    evidence: str


@lru_cache(maxsize=1)
def campaign() -> dict:
    path = resources.files("pipeline") / "data" / "campaign.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _sections(extractions: list[FileExtraction]) -> list[str]:
    sections: set[str] = set()
    for extraction in extractions:
        sections.update(extraction.refusal_basis)
    return sorted(sections, key=lambda s: (s == "ncnd", len(s), s))


def _count_parts(counts) -> tuple[str, bool, list[str]]:
    """(grain of the counts: "count" | "prose" | "", part withheld?, sections cited for withheld parts)."""
    if counts is None or len(counts) == 0:
        return "", False, []
    withheld = counts[counts["level"] == "withheld"]
    given = counts[counts["level"] != "withheld"]
    grains = set(given["grain"])
    grain = "count" if "count" in grains else "prose" if "prose" in grains else ""
    sections = sorted({s for basis in withheld["refusal_basis"] for s in basis.split(";") if s})
    return grain, len(withheld) > 0, sections


def decide_status(folder: ReturnFolder, extractions: list[FileExtraction], case_rows: int,
                  counts=None) -> StatusDecision:
    """``counts``: the force's count rows (``pipeline.counts.count_rows``), when it answered in numbers."""
    manifest = folder.manifest
    kinds = [e.kind for e in extractions]
    evidence = next((e.evidence for e in extractions if e.evidence), "")
    count_grain, part_withheld, withheld_sections = _count_parts(counts)
    basis = manifest.refusal_basis or sorted(set(_sections(extractions)) | set(withheld_sections),
                                             key=lambda s: (s == "ncnd", len(s), s))
    period = campaign()["period"]
    period_start = manifest.period_start or next(
        (e.period_start for e in extractions if e.period_start), str(period["start"]))
    period_end = manifest.period_end or next(
        (e.period_end for e in extractions if e.period_end), str(period["end"]))

    if manifest.status:
        status = manifest.status
    elif not extractions:
        status = "no_response"
    elif case_rows or "table" in kinds or count_grain:
        withholds = "partial" in kinds or "refused" in kinds or part_withheld
        status = "partial" if withholds else "responded"
    elif "partial" in kinds:
        status = "partial"
    elif any(k in kinds for k in _LETTER_KINDS):
        # One letter decides; a refusal outranks a nil return if a force sent both.
        status = next(k for k in ("refused", "not_held", "nil_return") if k in kinds)
    else:
        status = "unreadable"

    if status in ("responded", "nil_return") and not any(k in ("refused", "partial") for k in kinds):
        basis = list(manifest.refusal_basis)
    if status in UNANSWERED_STATUSES:
        period_start = period_end = ""   # no answer covers no period
    grain = ("case" if case_rows else
             count_grain if count_grain else
             "letter" if status in ("refused", "not_held", "nil_return") else "")
    grain = manifest.grain or grain
    return StatusDecision(
        response_status=status,
        refusal_basis=";".join(basis),
        grain=grain,
        period_start=period_start,
        period_end=period_end,
        evidence=evidence,
    )
