"""Drawing the cases of each force from the wording pool, deterministically.

A case knows its true codes and the wordings its force used for them. Which cells a return shows
depends on its columns: a return with no rank column cannot state a rank, so its truth says
``not_stated``; a return with no person-type column states the person type through the rank.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from pipeline.samples.pool import Wording, by_code, plan, wording

CAMPAIGN_START = dt.date(2009, 1, 1)
CAMPAIGN_END = dt.date(2014, 2, 17)
_FINE_TO_GROUPED = {"inspector": "inspector_or_above", "chief_inspector": "inspector_or_above",
                    "superintendent_or_above": "inspector_or_above"}


@dataclass
class SampleCase:
    """One case as the force recorded it: the wordings it used and when it was recorded."""

    force_id: str
    recorded: dt.date
    person_type: Wording
    rank: Wording
    breach: Wording
    outcome: Wording
    platform: Wording | None = None   # the platform cell, when the return has a platform column
    ref: str = ""

    @property
    def year(self) -> int:
        return self.recorded.year

    @property
    def platform_code(self) -> str:
        return self.platform.code if self.platform is not None else self.breach.implies


def _weighted(rng: random.Random, weights: dict) -> str:
    keys = list(weights)
    return str(rng.choices(keys, weights=[weights[k] for k in keys])[0])


def _pick(rng: random.Random, options: tuple[Wording, ...]) -> Wording:
    return options[rng.randrange(len(options))]


def force_period(entry: dict) -> tuple[dt.date, dt.date]:
    period = entry.get("period") or {}
    return (period.get("start") or CAMPAIGN_START, period.get("end") or CAMPAIGN_END)


def _recorded_date(rng: random.Random, year: int, start: dt.date, end: dt.date) -> dt.date:
    first = max(dt.date(year, 1, 1), start)
    last = min(dt.date(year, 12, 31), end)
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _draw_year(rng: random.Random, start: dt.date, end: dt.date) -> int:
    weights = {y: w for y, w in plan()["year_weights"].items() if start.year <= y <= end.year}
    return int(_weighted(rng, weights))


def _fields(entry: dict) -> set[str]:
    return {field for _, field in entry.get("columns", [])}


def _draw_person(rng: random.Random, entry: dict) -> tuple[Wording, Wording]:
    """A person type and a rank wording consistent with each other and with the return's columns."""
    fields = _fields(entry)
    person_code = _weighted(rng, plan()["person_weights"])
    if person_code == "officer":
        rank_code = _weighted(rng, plan()["officer_rank_weights"])
        if entry.get("ranks") == "grouped":
            rank_code = _FINE_TO_GROUPED.get(rank_code, rank_code)
        rank = _pick(rng, by_code("rank", rank_code, implies="officer"))
    elif person_code == "staff":
        rank = _pick(rng, by_code("rank", "staff_grade", implies="staff"))
    elif person_code == "pcso":
        rank = wording("rank", "N/A" if "person_type" in fields else "PCSO")
    else:
        rank = wording("rank", "Special Constable")
    return _pick(rng, by_code("person_type", person_code)), rank


def _platform_for(rng: random.Random, breach: Wording) -> Wording:
    """A platform cell agreeing with what the breach text names (preferring the very same word)."""
    code = breach.implies if breach.implies != "not_stated" else _weighted(rng, plan()["platform_weights"])
    options = by_code("platform", code)
    named = tuple(w for w in options if w.text.lower() in breach.text.lower())
    return _pick(rng, named or options)


def _apply_pin(rng: random.Random, case: SampleCase, pin: dict, has_platform: bool) -> None:
    if "breach" in pin:
        case.breach = wording("breach", pin["breach"])
        if has_platform:
            case.platform = _platform_for(rng, case.breach)
    if "rank" in pin:
        case.rank = wording("rank", pin["rank"])
        case.person_type = _pick(rng, by_code("person_type", case.rank.implies))


def force_cases(force_id: str, entry: dict, rng: random.Random, outcome_codes: list[str]) -> list[SampleCase]:
    """The force's ``entry['cases']`` cases (its fixed ones, then drawn ones), sorted by date recorded.

    ``outcome_codes`` is the shared, shuffled outcome deck: drawn cases take their codes from its end.
    """
    cases = fixed_cases(force_id, entry, rng) if entry.get("fixed_cases") else []
    cases += draw_cases(force_id, entry, rng, outcome_codes, entry["cases"] - len(cases))
    for case, pin in zip(cases, entry.get("pinned") or []):
        _apply_pin(rng, case, pin, "platform" in _fields(entry))
    return _numbered(sorted(cases, key=lambda c: c.recorded), entry)


def draw_cases(
    force_id: str, entry: dict, rng: random.Random, outcome_codes: list[str], count: int
) -> list[SampleCase]:
    """``count`` cases drawn from the pool with the plan's weights, for a return with the entry's columns."""
    start, end = force_period(entry)
    has_platform = "platform" in _fields(entry)
    cases: list[SampleCase] = []
    for _ in range(count):
        person, rank = _draw_person(rng, entry)
        breach = _pick(rng, by_code("breach", _weighted(rng, plan()["breach_weights"])))
        case = SampleCase(
            force_id=force_id,
            recorded=_recorded_date(rng, _draw_year(rng, start, end), start, end),
            person_type=person,
            rank=rank,
            breach=breach,
            outcome=_pick(rng, by_code("outcome", outcome_codes.pop())),
        )
        if has_platform:
            case.platform = _platform_for(rng, breach)
        cases.append(case)
    return cases


def fixed_cases(force_id: str, entry: dict, rng: random.Random) -> list[SampleCase]:
    """The cases the 2014 reports describe, written as plan.yaml gives them (in that order)."""
    start, end = force_period(entry)
    cases = []
    for item in plan()["fixed_cases"][entry["fixed_cases"]]:
        cases.append(SampleCase(
            force_id=force_id,
            recorded=_recorded_date(rng, item["year"], start, end),
            person_type=Wording("person_type", *item["person_type"]),
            rank=Wording("rank", *item["rank"], implies=item["person_type"][1]),
            breach=wording("breach", item["breach"]),
            outcome=Wording("outcome", *item["outcome"]),
        ))
    return cases


def _numbered(cases: list[SampleCase], entry: dict) -> list[SampleCase]:
    template = entry.get("ref_format")
    if template:
        for n, case in enumerate(cases, start=1):
            case.ref = template.format(n=n, year=case.year, yy=f"{case.year % 100:02d}")
    return cases


def outcome_deck(rng: random.Random) -> list[str]:
    """Every generic case's outcome code, exactly as plan.yaml's quota says, in a seeded order."""
    deck = [code for code, count in plan()["outcome_quota"].items() for _ in range(count)]
    rng.shuffle(deck)
    return deck
