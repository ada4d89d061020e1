"""The generator's knowledge, loaded from its YAML files: wordings with their codes, the per-force plan, letters.

Each file is read once and checked on load, so a typo in a code or a missing key fails here with the
file and the entry named, not halfway through writing the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

FIELDS = ("breach", "outcome", "person_type", "rank", "platform")

# The codes of /work/shared/spec/vocabulary.md, per wording field.
CODES = {
    "breach": (
        "discriminatory", "harassment", "disclosure", "inappropriate_contact", "work_imagery",
        "criticism_or_political", "misuse_on_duty", "inappropriate_content", "other", "not_stated",
    ),
    "outcome": (
        "dismissed", "resigned_or_retired", "final_written_warning", "written_warning", "verbal_warning",
        "management_action", "no_case_to_answer", "not_upheld", "no_further_action", "ongoing", "other",
        "not_stated",
    ),
    "person_type": ("officer", "staff", "special_constable", "pcso", "volunteer", "not_stated"),
    "rank": (
        "constable", "sergeant", "inspector_or_above", "inspector", "chief_inspector",
        "superintendent_or_above", "staff_grade", "not_stated",
    ),
    "platform": (
        "facebook", "twitter", "instagram", "whatsapp", "snapchat", "youtube", "linkedin", "dating_site",
        "blog_or_forum", "other", "not_stated",
    ),
}


class PoolError(ValueError):
    """A generator data file that breaks its own rules; the message names the file and the entry."""


@dataclass(frozen=True)
class Wording:
    """One text a cell may hold and the code it must map to.

    ``implies`` is the platform a breach text names, or the person type a rank text implies ("" otherwise).
    """

    field: str
    text: str
    code: str
    implies: str = ""
    draw: bool = True        # False: used only where plan.yaml names it, never drawn at random


def _read_yaml(name: str) -> dict:
    path = resources.files("pipeline.samples") / name
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def wordings() -> dict[str, tuple[Wording, ...]]:
    """All wordings by field, checked: known codes, no duplicate text within a field."""
    document = _read_yaml("wordings.yaml")
    pool: dict[str, tuple[Wording, ...]] = {}
    for field in FIELDS:
        entries = []
        seen: set[str] = set()
        for entry in document.get(field) or []:
            text, code = entry["text"], entry["code"]
            implies = entry.get("platform") or entry.get("person_type") or ""
            if code not in CODES[field]:
                raise PoolError(f"wordings.yaml {field} '{text}': code '{code}' is not one of {CODES[field]}")
            implied_field = {"breach": "platform", "rank": "person_type"}.get(field)
            if implied_field and implies not in CODES[implied_field]:
                raise PoolError(f"wordings.yaml {field} '{text}': '{implies}' is not a {implied_field} code")
            if text in seen or text != text.strip():
                raise PoolError(f"wordings.yaml {field} '{text}': duplicate or padded text")
            seen.add(text)
            entries.append(Wording(field, text, code, implies, bool(entry.get("draw", True))))
        pool[field] = tuple(entries)
    return pool


def wording(field: str, text: str) -> Wording:
    """The pool entry for a text; a fixed case or pin must use a wording the pool knows."""
    for entry in wordings()[field]:
        if entry.text == text:
            return entry
    raise PoolError(f"'{text}' is not a {field} wording in wordings.yaml; add it there with its code")


def by_code(field: str, code: str, *, implies: str | None = None) -> tuple[Wording, ...]:
    """The wordings of a field that map to ``code`` (and, when given, name ``implies``)."""
    found = tuple(
        w for w in wordings()[field]
        if w.draw and w.code == code and (implies is None or w.implies == implies)
    )
    if not found:
        raise PoolError(f"wordings.yaml has no {field} wording for code '{code}' (implies={implies})")
    return found


@lru_cache(maxsize=1)
def plan() -> dict:
    """The per-force plan (plan.yaml): every force of pipeline/data/forces.csv exactly once."""
    from pipeline.forces import all_forces

    document = _read_yaml("plan.yaml")
    planned = set(document["forces"])
    known = {force.force_id for force in all_forces()}
    if planned != known:
        raise PoolError(
            f"plan.yaml forces differ from forces.csv: missing {sorted(known - planned)}, "
            f"unknown {sorted(planned - known)}"
        )
    quota = sum(document["outcome_quota"].values())
    fixed = sum(len(cases) for cases in document["fixed_cases"].values())
    total = sum(entry.get("cases", 0) for entry in document["forces"].values())
    if quota + fixed != total:
        raise PoolError(f"plan.yaml: outcome_quota ({quota}) + fixed cases ({fixed}) != cases ({total})")
    for code, words in (document.get("prose_people") or {}).items():
        if code not in CODES["person_type"] or len(words) != 2:
            raise PoolError(f"plan.yaml prose_people '{code}': expected a person type code with [one, several]; "
                            f"got {words!r}")
    for code, clauses in (document.get("prose_outcomes") or {}).items():
        if code not in CODES["outcome"]:
            raise PoolError(f"plan.yaml prose_outcomes '{code}': not one of {CODES['outcome']}")
        if len(clauses) != 2 or not all("{n}" in c and c.count("[") == c.count("]") == 1 for c in clauses):
            raise PoolError(f"plan.yaml prose_outcomes '{code}': expected [one case, several cases], each with "
                            f"{{n}} and one [outcome words]; got {clauses!r}")
    return document


@lru_cache(maxsize=1)
def letters() -> dict:
    """Letter wordings (letters.yaml)."""
    return _read_yaml("letters.yaml")
