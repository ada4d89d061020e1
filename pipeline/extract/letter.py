"""A return with no table, read as a letter: refusal (with its FOIA sections), nil return, not held,
partial, or unknown. The sentence the decision rests on is kept as evidence. Wordings live in
schemas/letter_phrases.yaml."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

PHRASES_PATH = Path(__file__).resolve().parents[2] / "schemas" / "letter_phrases.yaml"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])|\n{2,}")


@dataclass
class LetterReading:
    kind: str = "unknown"
    sections: list[str] = field(default_factory=list)
    evidence: str = ""
    period_start: str = ""
    period_end: str = ""


@lru_cache(maxsize=1)
def _phrases() -> dict:
    document = yaml.safe_load(PHRASES_PATH.read_text(encoding="utf-8"))
    document["compiled"] = {kind: [re.compile(p) for p in patterns] for kind, patterns in document["kinds"].items()}
    document["section_re"] = re.compile(document["section_pattern"], re.IGNORECASE)
    document["ncnd_re"] = re.compile(document["ncnd_pattern"], re.IGNORECASE)
    document["period_re"] = re.compile(document["period_pattern"], re.IGNORECASE)
    return document


def paragraphs(text: str) -> list[str]:
    """Lines rejoined into paragraphs. A PDF breaks every wrapped line; a line much shorter than the
    page's longest ends its paragraph (letterheads, addresses, the last line of a paragraph)."""
    lines = [line.strip() for line in (text or "").splitlines()]
    width = max((len(line) for line in lines), default=0)
    found, current = [], []
    for line in lines:
        if line:
            current.append(line)
        if current and (not line or len(line) < 0.6 * width):
            found.append(" ".join(current))
            current = []
    if current:
        found.append(" ".join(current))
    return found


def sentences(text: str) -> list[str]:
    parts = []
    for paragraph in paragraphs(text):
        for block in _SENTENCE_END.split(paragraph):
            sentence = " ".join(block.split())
            if sentence:
                parts.append(sentence)
    return parts


def cited_sections(text: str) -> list[str]:
    phrases = _phrases()
    allowed = set(phrases["exemption_sections"])
    found = {int(m.group(1)) for m in phrases["section_re"].finditer(text or "")}
    sections = [f"s{n}" for n in sorted(found & allowed)]
    if phrases["ncnd_re"].search(text or ""):
        sections.append("ncnd")
    return sections


def _parse_date(text: str) -> str:
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " "))
    text = " ".join(text.split())
    for fmt in ("%d %B %Y", "%B %d %Y", "%d %b %Y", "%b %d %Y", "%d/%m/%Y", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


def stated_period(text: str) -> tuple[str, str]:
    """The last period a letter states ("between 1 April 2010 and 17 February 2014"): the force's own
    answer comes after the quoted request."""
    matches = list(_phrases()["period_re"].finditer(" ".join((text or "").split())))
    for match in reversed(matches):
        start, end = _parse_date(match.group(1)), _parse_date(match.group(2))
        if start and end:
            return start, end
    return "", ""


def classify_text(text: str) -> LetterReading:
    phrases = _phrases()
    reading = LetterReading()
    reading.period_start, reading.period_end = stated_period(text)
    found: dict[str, str] = {}
    for sentence in sentences(text):
        lowered = sentence.lower()
        for kind, patterns in phrases["compiled"].items():
            if kind not in found and any(p.search(lowered) for p in patterns):
                found[kind] = sentence
    for kind in phrases["precedence"]:
        if kind in found:
            reading.kind, reading.evidence = kind, found[kind]
            break
    if reading.kind in ("refused", "partial"):
        reading.sections = cited_sections(text)
    return reading
