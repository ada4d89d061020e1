"""Personal data released by mistake, found in free text and withheld before publication.

Forces sometimes leave a name, a collar number or an address in an allegation summary. ``screen_cases``
withholds each hit from the published text (the codes are kept) and lists it for a person to review; the
patterns and the switch to publish after review live in ``schemas/privacy.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

PRIVACY_FILE = Path(__file__).resolve().parents[1] / "schemas" / "privacy.yaml"
TEXT_COLUMNS = ("breach_text", "outcome_text", "rank_text", "person_type_text", "case_ref", "date_text",
                "platform_text")


@dataclass(frozen=True)
class PersonalDataHit:
    """One stretch of text that looks like personal data: its kind, the text, and where it sits."""

    kind: str           # officer_name | person_name | collar_number | email | phone | date_of_birth | address | postcode
    match: str
    span: tuple[int, int]


@dataclass(frozen=True)
class PrivacyRules:
    patterns: tuple[tuple[str, re.Pattern], ...]
    withheld_text: str
    publish_after_review: bool
    reviewed_record_ids: frozenset[str]


@lru_cache(maxsize=4)
def load_privacy(path: Path | None = None) -> PrivacyRules:
    """Compile the patterns of ``schemas/privacy.yaml``, filling in the word lists they name."""
    config = yaml.safe_load((path or PRIVACY_FILE).read_text(encoding="utf-8"))

    def alternation(words: list[str]) -> str:
        if not all(isinstance(word, str) for word in words):  # YAML reads a bare No / On as a boolean
            raise ValueError(f"privacy: every listed word must be a string (quote it): {words}")
        return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))

    pieces = {
        "ranks": alternation(config["ranks"]),
        "titles": alternation(config["titles"]),
        "street_types": alternation(config["street_types"]),
        "not_names": alternation(config["not_names"]),
        "given_names": alternation(config["given_names"]),
    }
    pieces["postcode"] = config["postcode"]
    pieces["name_word"] = _fill(config["name_word"], pieces)
    pieces["name"] = _fill(config["name"], pieces)
    patterns = []
    for entry in config["patterns"]:
        try:
            patterns.append((entry["kind"], re.compile(_fill(entry["regex"], pieces))))
        except (KeyError, re.error) as error:
            raise ValueError(f"privacy: pattern {entry.get('kind')!r} does not compile: {error}") from error
    return PrivacyRules(
        patterns=tuple(patterns),
        withheld_text=config["withheld_text"],
        publish_after_review=bool(config["publish_after_review"]),
        reviewed_record_ids=frozenset(str(record) for record in config.get("reviewed_record_ids") or ()),
    )


def _fill(template: str, pieces: dict[str, str]) -> str:
    """Replace ``{ranks}``-style names only, leaving regex braces such as ``\\d{2,6}`` alone."""
    return re.sub(r"\{(\w+)\}", lambda m: pieces.get(m.group(1), m.group(0)), template)


def screen_text(text: str, rules: PrivacyRules | None = None) -> list[PersonalDataHit]:
    """Every stretch of ``text`` that looks like personal data, in order; overlaps keep the longest."""
    rules = rules or load_privacy()
    found = []
    for order, (kind, pattern) in enumerate(rules.patterns):
        for match in pattern.finditer(text):
            if match.group().strip():
                found.append((match.start(), -(match.end() - match.start()), order, kind, match))
    hits, covered_to = [], -1
    for start, _, _, kind, match in sorted(found):
        if start >= covered_to:
            hits.append(PersonalDataHit(kind, match.group(), (start, match.end())))
            covered_to = match.end()
    return hits


def withhold(text: str, hits: list[PersonalDataHit], replacement: str) -> str:
    """``text`` with each hit replaced; everything around the hits is kept as written."""
    for hit in sorted(hits, key=lambda h: h.span, reverse=True):
        start, end = hit.span
        text = text[:start] + replacement + text[end:]
    return text


def screen_cases(cases: pd.DataFrame, text_columns: tuple[str, ...] = TEXT_COLUMNS,
                 publish_reviewed: set[str] | frozenset[str] = frozenset(),
                 rules: PrivacyRules | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Cases with personal data withheld from their text columns, and one report entry per hit.

    A case is published as written when ``publish_after_review`` is set in the config, or its record id
    is in ``publish_reviewed`` or the config's ``reviewed_record_ids``: a person has read the hits.
    """
    rules = rules or load_privacy()
    cleared = set(publish_reviewed) | rules.reviewed_record_ids
    screened = cases.copy()
    report = []
    hits_of: dict[str, list[PersonalDataHit]] = {}   # returns repeat their wordings: each screened once
    for column in (name for name in text_columns if name in cases.columns):
        for position, value in enumerate(cases[column].tolist()):
            if not isinstance(value, str) or not value:
                continue
            hits = hits_of.get(value)
            if hits is None:
                hits = hits_of[value] = screen_text(value, rules)
            if not hits:
                continue
            index = cases.index[position]
            row = cases.loc[index]
            record_id = str(row.get("record_id", ""))
            publish = rules.publish_after_review or record_id in cleared
            if not publish:
                screened.at[index, column] = withhold(value, hits, rules.withheld_text)
            report.extend(
                {
                    "record_id": record_id,
                    "force_id": str(row.get("force_id", "")),
                    "column": column,
                    "kind": hit.kind,
                    "match": hit.match,
                    "source_file": str(row.get("source_file", "")),
                    "source_locator": str(row.get("source_locator", "")),
                    "withheld": not publish,
                }
                for hit in hits
            )
    return screened, report
