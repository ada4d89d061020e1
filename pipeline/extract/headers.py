"""Header detection by meaning: which column role a heading names, from schemas/header_synonyms.yaml."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.records import COLUMN_ROLES

SYNONYMS_PATH = Path(__file__).resolve().parents[2] / "schemas" / "header_synonyms.yaml"


_QUESTION_NUMBER = re.compile(r"\(q\d+[a-z]?\)|\bq\d+[a-z]?\b")      # question numbers in headings
_NOT_A_WORD = re.compile(r"[^a-z0-9+]+")


def normalise_heading(text: str) -> str:
    text = (text or "").lower().replace("&", " and ")
    text = _QUESTION_NUMBER.sub(" ", text)
    text = _NOT_A_WORD.sub(" ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    document = yaml.safe_load(SYNONYMS_PATH.read_text(encoding="utf-8"))
    unknown = set(document) - set(COLUMN_ROLES)
    if unknown:
        raise ValueError(f"{SYNONYMS_PATH}: {sorted(unknown)} are not column roles ({', '.join(COLUMN_ROLES)})")
    return tuple((role, re.compile(rf"^(?:{pattern})$")) for role, patterns in document.items()
                 for pattern in patterns)


@lru_cache(maxsize=4096)
def header_role(heading: str) -> str:
    """The role a heading names, or '' when it names none."""
    text = normalise_heading(heading)
    if not text or len(text) > 60:
        return ""
    for role, pattern in _patterns():
        if pattern.match(text):
            return role
    return ""
