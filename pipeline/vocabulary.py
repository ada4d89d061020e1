"""Text to code, per vocabulary field, with the method that decided and an honest confidence.

Stages, first to answer wins: a reviewed decision (``review/decisions.csv``); empty or withheld text
(``not_stated``); an exact synonym after normalisation; the patterns, with the field's order deciding
between codes; fuzzy matching (a whole-text match against the synonyms, or the patterns re-run after
correcting misspelt words); else ``unmapped``. Every word lives in ``schemas/vocabulary/*.yaml``; this
module only knows how to apply them. Each distinct text is mapped once per ``Vocabulary`` (memoised).
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from pipeline.cache import optional_file_digest
from pipeline.review import (  # noqa: F401 - the review loop is part of this module's public API
    decisions_applied,
    pending_reviews,
    read_decisions,
    review_queue,
    write_review_file,
)

VOCABULARY_DIR = Path(__file__).resolve().parents[1] / "schemas" / "vocabulary"
FIELDS = ("breach_category", "outcome_category", "person_type", "rank", "platform")
UNMAPPED = "unmapped"
NOT_STATED = "not_stated"
METHODS = ("review", "exact", "pattern", "fuzzy", "empty", "unmapped")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                         "\u2014": "-", "\u00a0": " "})
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class VocabularyError(ValueError):
    """A vocabulary file is broken: the message names the file, the entry and what to fix."""


@dataclass(frozen=True)
class Mapping:
    code: str          # a code from the spec, or "unmapped"
    method: str        # review | exact | pattern | fuzzy | empty | unmapped
    confidence: float  # 0..1, calibrated on the dev set (docs/vocabulary.md)
    suggestion: str = ""   # for unmapped / low-confidence texts: the nearest code, shown in the review file


@dataclass(frozen=True)
class _Pattern:
    """One pattern: every regex in ``all_of`` must be found in the normalised text."""

    all_of: tuple[re.Pattern, ...]

    def span(self, text: str) -> tuple[int, int] | None:
        first = None
        for regex in self.all_of:
            found = regex.search(text)
            if not found:
                return None
            first = first or found.span()
        return first


@dataclass
class _Field:
    name: str
    codes: tuple[str, ...]
    abbreviations: dict[str, str]
    synonyms: dict[str, str]                     # normalised synonym -> code
    patterns: dict[str, tuple[_Pattern, ...]]
    excludes: dict[str, tuple[re.Pattern, ...]]
    order: tuple[str, ...]
    resolve: str                                 # "order" | "first_named"
    sequence_markers: tuple[re.Pattern, ...] = ()
    standards_only: dict | None = None
    ignore_nested: bool = False                  # a match inside another code's match does not count
    choices: list[str] = field(default_factory=list)   # synonyms as a list, for rapidfuzz
    lexicon: tuple[str, ...] = ()                # words the patterns and synonyms know, for spelling fixes
    known_words: frozenset[str] = frozenset()    # the synonyms' words
    stems: tuple[str, ...] = ()                  # pattern words written as stems ('dismiss' of dismiss\\w*)


class Vocabulary:
    """The loaded vocabulary files plus the review decisions; ``map`` is memoised per field and text."""

    def __init__(self, directory: Path = VOCABULARY_DIR, review_path: Path | None = None,
                 without_synonyms: Iterable[tuple[str, str]] = ()) -> None:
        # without_synonyms: (field, text) pairs left out of the synonyms; the benchmark's honest k-fold
        self._without = {(name, self.normalise_plain(text)) for name, text in without_synonyms}
        self.version: str = _files_digest(directory)[:16]
        shared = _read_yaml(directory / "shared.yaml")
        self._symbols = dict(shared.get("symbols") or {})
        self._strip = tuple(_compile(p, "shared.yaml strip") for p in shared.get("strip") or [])
        self._abbreviation_sets = shared.get("abbreviations") or {}
        self._empty = tuple(re.compile(rf"(?:{p})", re.IGNORECASE) for p in shared.get("empty") or [])
        self._confidence = shared["confidence"]
        fuzzy = shared["fuzzy"]
        self._threshold = float(fuzzy["threshold"])
        self._word_threshold = float(fuzzy["word_threshold"])
        self._word_min_length = int(fuzzy["word_min_length"])
        self._suggest_floor = float(fuzzy["suggest_floor"])
        self._standards = {
            code: tuple(_compile(p, f"standards.yaml {code}") for p in patterns)
            for code, patterns in _read_yaml(directory / "standards.yaml")["codes"].items()
        }
        self._fields = {name: self._load_field(directory / f"{name}.yaml", name) for name in FIELDS}
        self.fields: tuple[str, ...] = FIELDS
        self.review_path = review_path
        self.decisions: dict[tuple[str, str], str] = {}
        self.review_problems: list[str] = []
        if review_path is not None:
            self._load_decisions(review_path)
        self._memo: dict[str, dict[str, Mapping]] = {name: {} for name in FIELDS}

    # -- public API -----------------------------------------------------------------------------------
    def codes(self, field_name: str) -> tuple[str, ...]:
        """Every code a mapped text may carry in this field, ``not_stated`` and ``unmapped`` included."""
        return self._field(field_name).codes + (UNMAPPED,)

    def map(self, field_name: str, text: str) -> Mapping:
        memo = self._memo[self._field(field_name).name]
        if not isinstance(text, str):   # None or a pandas NaN from an empty cell is an empty text
            text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
        found = memo.get(text)
        if found is None:
            found = memo[text] = self._map(self._fields[field_name], text)
        return found

    def map_many(self, field_name: str, texts: Iterable[str]) -> dict[str, Mapping]:
        """text -> Mapping for every distinct text (each mapped once)."""
        return {text: self.map(field_name, text) for text in dict.fromkeys(texts)}

    def platform_in(self, text: str) -> str | None:
        """The platform a free text names ("via Facebook", "a dating site"); the first named wins."""
        spec = self._fields["platform"]
        found = self._pattern_codes(spec, self.normalise(text or "", spec))
        return found[0] if found else None

    def standards_in(self, text: str) -> list[str]:
        """The Standards of Professional Behaviour a text names, in the order of the Regulations."""
        normal = self.normalise(text or "")
        return [code for code, regexes in self._standards.items() if any(r.search(normal) for r in regexes)]

    @staticmethod
    def normalise_plain(text: str) -> str:
        """Case, quotes, punctuation and spacing only: how the benchmark compares held-out texts."""
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
        return " ".join(_NOT_WORD.sub(" ", text.replace("'", "")).split())

    def normalise(self, text: str, spec: _Field | None = None) -> str:
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
        for symbol, replacement in self._symbols.items():
            text = text.replace(symbol, replacement)
        text = _NOT_WORD.sub(" ", text.replace("'", "").replace('"', " ")).strip()
        for regex in self._strip:
            text = regex.sub("", text).strip()
        if spec is not None and spec.abbreviations:
            text = " ".join(spec.abbreviations.get(word, word) for word in text.split())
        return text

    # -- the stages -----------------------------------------------------------------------------------
    def _map(self, spec: _Field, text: str) -> Mapping:
        normal = self.normalise(text, spec)
        decided = self.decisions.get((spec.name, normal))
        if decided:
            return Mapping(decided, "review", self._confidence["review"])
        if any(regex.fullmatch(normal) for regex in self._empty):
            return Mapping(NOT_STATED, "empty", 1.0 if not text.strip() else self._confidence["empty"])
        if normal in spec.synonyms:
            return Mapping(spec.synonyms[normal], "exact", self._confidence["exact"])
        by_pattern = self._by_pattern(spec, normal)
        # A misspelt key word ("dsiclosure") can leave only a weaker code's words to match: the patterns
        # run again on the spelling-corrected text, and a different answer there is recorded as fuzzy.
        corrected, similarity = self._correct_spelling(spec, normal)
        if corrected != normal:
            by_correction = self._by_pattern(spec, corrected, method="fuzzy")
            if by_correction and (by_pattern is None or by_correction.code != by_pattern.code):
                confidence = min(by_correction.confidence, self._fuzzy_confidence(similarity * 100,
                                                                                  self._word_threshold * 100))
                return Mapping(by_correction.code, "fuzzy", confidence)
        if by_pattern:
            return by_pattern
        return self._by_fuzzy(spec, normal)

    def _by_pattern(self, spec: _Field, normal: str, method: str = "pattern") -> Mapping | None:
        if spec.standards_only and self._names_only_standards(spec, normal):
            return Mapping(spec.standards_only["code"], method, self._confidence["pattern"])
        found = self._pattern_codes(spec, normal)
        if not found:
            return None
        key = "pattern" if len(found) == 1 else "pattern_resolved"
        return Mapping(found[0], method, self._confidence[key])

    def _pattern_codes(self, spec: _Field, normal: str) -> list[str]:
        """Codes whose patterns match, best first (by the field's order, or by position in the text)."""
        spans: dict[str, tuple[int, int]] = {}
        for code, patterns in spec.patterns.items():
            if any(regex.search(normal) for regex in spec.excludes.get(code, ())):
                continue
            hits = [s for s in (p.span(normal) for p in patterns) if s]
            if hits:
                spans[code] = min(hits)
        if not spans:
            return []
        if spec.sequence_markers and len(spans) > 1 and any(m.search(normal) for m in spec.sequence_markers):
            return self._last_named(spec, normal, spans)
        if spec.ignore_nested:   # "written warning" inside "final written warning" is not a second code
            spans = {code: span for code, span in spans.items()
                     if not any(other != code and o[0] <= span[0] and span[1] <= o[1] and o != span
                                for other, o in spans.items())}
        if spec.resolve == "first_named":
            return sorted(spans, key=lambda code: (spans[code], spec.codes.index(code)))
        return sorted(spans, key=spec.order.index)

    def _last_named(self, spec: _Field, normal: str, spans: dict[str, tuple[int, int]]) -> list[str]:
        """For "X, reduced to Y on appeal": each code's last match, ignoring matches inside a longer one
        ("written warning" inside "final written warning"); the code named last wins."""
        matches = []
        for code in spans:
            for pattern in spec.patterns[code]:
                for regex in pattern.all_of[:1]:
                    matches += [(m.start(), m.end(), code) for m in regex.finditer(normal)]
        kept = [m for m in matches
                if not any(o is not m and o[0] <= m[0] and m[1] <= o[1] and (o[1] - o[0]) > (m[1] - m[0])
                           for o in matches)]
        last: dict[str, int] = {}
        for start, _end, code in kept:
            last[code] = max(last.get(code, -1), start)
        return sorted(last, key=lambda code: -last[code])

    def _names_only_standards(self, spec: _Field, normal: str) -> bool:
        rest = normal
        named = False
        for regexes in self._standards.values():
            for regex in regexes:
                rest, count = regex.subn(" ", rest)
                named = named or count > 0
        filler = spec.standards_only["filler"]
        return named and all(word in filler for word in rest.split())

    def _by_fuzzy(self, spec: _Field, normal: str) -> Mapping:
        best = process.extractOne(normal, spec.choices, scorer=fuzz.token_sort_ratio) if normal else None
        if best and best[1] >= self._threshold:
            return Mapping(spec.synonyms[best[0]], "fuzzy", self._fuzzy_confidence(best[1]))
        suggestion = spec.synonyms[best[0]] if best and best[1] >= self._suggest_floor else ""
        return Mapping(UNMAPPED, "unmapped", 0.0, suggestion)

    def _correct_spelling(self, spec: _Field, normal: str) -> tuple[str, float]:
        """Each long word the vocabulary does not know, replaced by the nearest word or word stem it
        knows (OSA similarity: one dropped, doubled or swapped letter in a six-letter word is 0.83)."""
        words, worst = [], 1.0
        for word in normal.split():
            if len(word) >= self._word_min_length and not self._knows(spec, word):
                nearest = self._nearest_word(spec, word)
                if nearest:
                    words.append(nearest[0])
                    worst = min(worst, nearest[1])
                    continue
            words.append(word)
        return " ".join(words), worst

    def _nearest_word(self, spec: _Field, word: str) -> tuple[str, float] | None:
        best = process.extractOne(word, spec.lexicon, scorer=OSA.normalized_similarity,
                                  score_cutoff=self._word_threshold)
        found = (best[0], best[1]) if best else None
        for stem in spec.stems:        # 'homophhobic' against the stem 'homophob' of homophob\w*
            if len(word) < len(stem):
                continue
            for cut in (len(stem) - 1, len(stem), len(stem) + 1):
                similarity = OSA.normalized_similarity(word[:cut], stem)
                if similarity >= self._word_threshold and (found is None or similarity > found[1]):
                    found = (stem, similarity)
        return found

    def _knows(self, spec: _Field, word: str) -> bool:
        """A word the synonyms contain or a pattern matches on its own ('racism', 'dismissed')."""
        if word in spec.known_words:
            return True
        return any(regex.search(word) for patterns in spec.patterns.values()
                   for pattern in patterns for regex in pattern.all_of)

    def _fuzzy_confidence(self, score: float, threshold: float | None = None) -> float:
        threshold = self._threshold if threshold is None else threshold
        low, high = self._confidence["fuzzy_min"], self._confidence["fuzzy_max"]
        share = (score - threshold) / max(100.0 - threshold, 1e-9)
        return round(low + (high - low) * max(0.0, min(1.0, share)), 2)

    # -- loading --------------------------------------------------------------------------------------
    def _field(self, field_name: str) -> _Field:
        try:
            return self._fields[field_name]
        except KeyError:
            raise VocabularyError(f"'{field_name}' is not a vocabulary field; use one of "
                                  f"{', '.join(FIELDS)}") from None

    def _load_field(self, path: Path, name: str) -> _Field:
        where = path.name
        data = _read_yaml(path)
        if data.get("field") != name:
            raise VocabularyError(f"{where}: 'field' must be '{name}', found {data.get('field')!r}")
        codes_data = data.get("codes") or {}
        abbreviations: dict[str, str] = {}
        for set_name in data.get("abbreviations") or []:
            if set_name not in self._abbreviation_sets:
                raise VocabularyError(f"{where}: abbreviation set '{set_name}' is not in shared.yaml; "
                                      f"known: {', '.join(self._abbreviation_sets)}")
            abbreviations.update({str(k).lower(): str(v).lower() for k, v in
                                  self._abbreviation_sets[set_name].items()})
        spec = _Field(name, tuple(codes_data), abbreviations, {}, {}, {}, (), data.get("resolve", "order"))
        if NOT_STATED not in spec.codes:
            raise VocabularyError(f"{where}: every field needs a '{NOT_STATED}' code")
        spec.order = tuple(data.get("order") or ())
        for code in spec.order:
            if code not in spec.codes:
                raise VocabularyError(f"{where}: order names '{code}', which is not one of its codes")
        spec.sequence_markers = tuple(_compile(p, f"{where} sequence_markers")
                                      for p in data.get("sequence_markers") or [])
        spec.standards_only = data.get("standards_only")
        spec.ignore_nested = bool(data.get("ignore_nested_matches", False))
        for code, entry in codes_data.items():
            entry = entry or {}
            if not entry.get("definition"):
                raise VocabularyError(f"{where}: code '{code}' needs a definition")
            for synonym in [code.replace("_", " ")] + list(entry.get("synonyms") or []):
                normal = self.normalise(str(synonym), spec)
                other = spec.synonyms.get(normal)
                if other and other != code and synonym != code.replace("_", " "):
                    raise VocabularyError(f"{where}: synonym '{synonym}' is given for both '{other}' and "
                                          f"'{code}'; keep it under one code")
                if (name, self.normalise_plain(str(synonym))) not in self._without:
                    spec.synonyms.setdefault(normal, code)
            spec.patterns[code] = tuple(_pattern(p, f"{where} {code}") for p in entry.get("patterns") or [])
            spec.excludes[code] = tuple(_compile(p, f"{where} {code} exclude") for p in entry.get("exclude") or [])
            if spec.patterns[code] and spec.resolve == "order" and code not in spec.order:
                raise VocabularyError(f"{where}: code '{code}' has patterns but is missing from 'order'")
        spec.patterns = {c: p for c, p in spec.patterns.items() if p}
        spec.choices = list(spec.synonyms)
        spec.known_words = frozenset(w for s in spec.synonyms for w in s.split())
        words, stems = _pattern_words(spec)
        spec.lexicon = tuple(sorted(spec.known_words | words))
        spec.stems = tuple(sorted(stems))
        return spec

    def _load_decisions(self, review_path: Path) -> None:
        for row in read_decisions(review_path):
            name, chosen = row["field"], row["chosen_code"]
            if name not in self._fields:
                self.review_problems.append(f"{review_path}: '{row['text']}' names the field '{name}', which "
                                            f"is not one of {', '.join(FIELDS)}; the decision was not applied")
                continue
            if chosen not in self._fields[name].codes:
                self.review_problems.append(
                    f"{review_path}: chosen_code '{chosen}' for '{row['text']}' is not a code of {name}; use one "
                    f"of {', '.join(self._fields[name].codes)}. The decision was not applied")
                continue
            self.decisions[(name, self.normalise(row["text"], self._fields[name]))] = chosen


def load_vocabulary(review_path: Path | None = None, directory: Path = VOCABULARY_DIR) -> Vocabulary:
    """Load and validate the vocabulary files, plus the decisions in ``review_path`` if it exists.

    Loaded once per process for the same file contents: every return's task asks for it, and compiling the
    patterns costs ~0.1 s each time. Keyed on the bytes, so an edited file is read again."""
    key = (str(directory), str(review_path), _files_digest(directory), optional_file_digest(review_path))
    with _LOADED_LOCK:
        if key not in _LOADED:
            _LOADED.clear()    # one live version is enough; an edit makes the old one garbage
            _LOADED[key] = Vocabulary(directory, review_path)
        return _LOADED[key]


_LOADED: dict[tuple[str, str, str, str], Vocabulary] = {}
_LOADED_LOCK = threading.Lock()


def _files_digest(directory: Path) -> str:
    """sha256 over the name and bytes of each vocabulary file: the vocabulary's version, and its cache key."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def map_lines(field_name: str, lines: Iterable[str], review_path: Path | None = None,
              vocabulary: Vocabulary | None = None) -> Iterator[str]:
    """``foi map``: one "text<TAB>code<TAB>method<TAB>confidence" line per input line."""
    vocabulary = vocabulary or load_vocabulary(review_path)
    for line in lines:
        text = line.rstrip("\r\n")
        found = vocabulary.map(field_name, text)
        yield f"{text}\t{found.code}\t{found.method}\t{found.confidence:.2f}"


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VocabularyError(f"{path}: vocabulary file missing") from None
    except yaml.YAMLError as error:
        raise VocabularyError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise VocabularyError(f"{path}: expected a mapping at the top level")
    return data


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(str(pattern))
    except re.error as error:
        raise VocabularyError(f"{where}: pattern {pattern!r} is not a valid regex: {error}") from None


def _pattern(entry, where: str) -> _Pattern:
    if isinstance(entry, dict) and set(entry) == {"all"}:
        return _Pattern(tuple(_compile(p, where) for p in entry["all"]))
    if isinstance(entry, str):
        return _Pattern((_compile(entry, where),))
    raise VocabularyError(f"{where}: a pattern is a regex string or {{all: [regex, ...]}}, found {entry!r}")


def _pattern_words(spec: _Field) -> tuple[set[str], set[str]]:
    """The literal words inside the patterns ('warning' and 'warnings' of 'warnings?'), and which of them
    are stems ('dismiss' of 'dismiss\\w*')."""
    words, stems = set(), set()
    for patterns in spec.patterns.values():
        for pattern in patterns:
            for regex in pattern.all_of:
                source = regex.pattern.replace("\\w*", "~").replace("\\w+", "~")
                source = re.sub(r"\\[a-zA-Z]|\(\?[^)]*\)|\[[^\]]*\]", " ", source)
                for word, plural, stem_mark in re.findall(r"([a-z]{4,}?)(s\?)?(~)?(?![a-z])", source):
                    if stem_mark:
                        stems.add(word)
                    else:
                        words |= {word, word + "s"} if plural else {word}
    return words, stems
