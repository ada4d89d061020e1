"""Who: the 43 territorial police forces of England and Wales, and the names people call them.

Reference data lives in ``pipeline/data/forces.csv`` (police.uk id, official name, ONS police force
area code, aliases). Every place a force is named goes through :func:`resolve_force`.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Force:
    force_id: str
    force_name: str
    ons_code: str
    aliases: tuple[str, ...]


class UnknownForceError(ValueError):
    """A name that matches no force; the message suggests the closest ids."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"'{name}' is not one of the 43 forces of England and Wales.{hint}")


_ONS_CODE = re.compile(r"^(E23000(0[0-3][0-9])|W1500000[1-4])$")


def _key(name: str) -> str:
    """Normalise a force name for lookup: case, '&'/'and', punctuation and the generic suffixes."""
    text = name.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = re.sub(r"\b(police|constabulary|service|force|heddlu)\b", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def all_forces() -> tuple[Force, ...]:
    """The 43 forces in ONS code order, validated on load."""
    path = resources.files("pipeline") / "data" / "forces.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    forces = tuple(
        Force(
            force_id=row["force_id"],
            force_name=row["force_name"],
            ons_code=row["ons_code"],
            aliases=tuple(a.strip() for a in row["aliases"].split(";") if a.strip()),
        )
        for row in rows
    )
    ids = [f.force_id for f in forces]
    if len(forces) != 43 or len(set(ids)) != 43:
        raise ValueError(f"forces.csv must hold 43 distinct forces, found {len(set(ids))}")
    bad = [f.ons_code for f in forces if not _ONS_CODE.match(f.ons_code)]
    if bad:
        raise ValueError(f"forces.csv has ONS codes outside E23000001..039/W15000001..4: {bad}")
    return tuple(sorted(forces, key=lambda f: f.ons_code))


@lru_cache(maxsize=1)
def _index() -> dict[str, Force]:
    index: dict[str, Force] = {}
    for force in all_forces():
        for name in (force.force_id, force.force_name, force.ons_code, *force.aliases):
            index[_key(name)] = force
            index[name.lower()] = force
    return index


@lru_cache(maxsize=1)
def _by_id() -> dict[str, Force]:
    return {force.force_id: force for force in all_forces()}


def force_by_id(force_id: str) -> Force:
    """Called once per case row when normalising (a scan of the 43 was 0.3 s of a 106,770-case run)."""
    found = _by_id().get(force_id)
    if found is None:
        raise UnknownForceError(force_id, suggest_force_ids(force_id))
    return found


def is_force_id(name: str) -> bool:
    return name in _by_id()


def resolve_force(name: str) -> Force:
    """Resolve an id, official name, ONS code or alias ("GMP", "Devon & Cornwall") to a Force."""
    index = _index()
    for candidate in (name.strip().lower(), _key(name)):
        if candidate in index:
            return index[candidate]
    raise UnknownForceError(name, suggest_force_ids(name))


def suggest_force_ids(name: str, limit: int = 3) -> list[str]:
    """The closest force ids to a misspelt name or folder, best first."""
    index = _index()
    matches = difflib.get_close_matches(_key(name), list(index), n=10, cutoff=0.6)
    seen: list[str] = []
    for match in matches:
        force_id = index[match].force_id
        if force_id not in seen:
            seen.append(force_id)
    return seen[:limit]
