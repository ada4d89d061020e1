"""How well and how fast the vocabulary maps: `python bench/vocabulary_bench.py [--dev PATH] [--folds K]`.

Prints, per field, on ../shared/phrases/dev.tsv:
- coverage: the share of texts auto-mapped (any code but ``unmapped``);
- precision: the share of auto-mapped texts whose code is the labelled one;
- the confusion pairs (labelled -> mapped) that remain, and the unmapped texts;
first on the full set, then k-fold held back: for each fold, every synonym whose text (case, quotes,
punctuation and spacing ignored) equals a text of that fold is removed from the vocabulary, the fold is
mapped and the folds are pooled. Patterns are hand-written and stay (see docs/vocabulary.md for what that
means for the held-back figure).
Then: precision per method (the calibration behind the confidences in shared.yaml), the fuzzy stage on
misspelt copies of the labelled texts, the sample-corpus wording pool (must be 100%), and the time to map
100,000 texts with the repetition real returns have.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from pipeline.vocabulary import FIELDS, Vocabulary  # noqa: E402

DEV = ROOT.parent / "shared" / "phrases" / "dev.tsv"
WORDINGS = ROOT / "pipeline" / "samples" / "wordings.yaml"
WORDING_FIELDS = {"breach": "breach_category", "outcome": "outcome_category", "person_type": "person_type",
                  "rank": "rank", "platform": "platform"}


def read_dev(path: Path) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(r["field"], r["text"], r["code"]) for r in csv.DictReader(handle, delimiter="\t")]


def read_wordings(path: Path) -> list[tuple[str, str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(WORDING_FIELDS[key], item["text"], item["code"]) for key, items in data.items()
            if key in WORDING_FIELDS for item in items]


def fold_of(field_name: str, text: str, folds: int) -> int:
    """A fixed fold per text (a hash, not the file order), so the split is reproducible."""
    digest = hashlib.sha256(f"{field_name}\t{text}".encode()).hexdigest()
    return int(digest, 16) % folds


def score(labelled: list[tuple[str, str, str]], predicted: list) -> dict[str, dict]:
    """Per field: n, auto-mapped, correct, confusion pairs, unmapped texts, per-method tallies."""
    result: dict[str, dict] = {}
    for (field_name, text, code), mapping in zip(labelled, predicted):
        r = result.setdefault(field_name, {"n": 0, "auto": 0, "correct": 0, "confusions": [], "unmapped": [],
                                           "methods": defaultdict(lambda: [0, 0])})
        r["n"] += 1
        if mapping.code == "unmapped":
            r["unmapped"].append(text)
            continue
        r["auto"] += 1
        stage = f"{mapping.method} @{mapping.confidence:.2f}" if mapping.method != "fuzzy" else \
            f"fuzzy {'>=' if mapping.confidence >= 0.8 else '<'}0.80"
        r["methods"][stage][0] += 1
        if mapping.code == code:
            r["correct"] += 1
            r["methods"][stage][1] += 1
        else:
            r["confusions"].append((code, mapping.code, mapping.method, text))
    return result


def print_scores(title: str, result: dict[str, dict]) -> None:
    print(f"\n== {title}")
    print(f"{'field':18} {'n':>4} {'coverage':>9} {'precision':>10}")
    for field_name in [f for f in FIELDS if f in result]:
        r = result[field_name]
        coverage = r["auto"] / r["n"]
        precision = r["correct"] / r["auto"] if r["auto"] else float("nan")
        print(f"{field_name:18} {r['n']:>4} {coverage:>8.1%} {precision:>10.1%}")
    for field_name in [f for f in FIELDS if f in result]:
        r = result[field_name]
        for code, got, method, text in r["confusions"]:
            print(f"   confusion {field_name}: {code} -> {got} ({method}): {text!r}")
        for text in r["unmapped"]:
            print(f"   unmapped  {field_name}: {text!r}")


def map_all(vocabulary: Vocabulary, labelled: list[tuple[str, str, str]]) -> list:
    return [vocabulary.map(field_name, text) for field_name, text, _code in labelled]


def kfold(labelled: list[tuple[str, str, str]], folds: int) -> tuple[list, list]:
    ordered, predicted = [], []
    for fold in range(folds):
        held = [item for item in labelled if fold_of(item[0], item[1], folds) == fold]
        vocabulary = Vocabulary(without_synonyms=[(f, t) for f, t, _c in held])
        ordered += held
        predicted += map_all(vocabulary, held)
    return ordered, predicted


def misspell(text: str, rng: random.Random) -> str:
    """One typo in one word of five letters or more: a dropped, doubled or swapped letter."""
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word, j = words[i], rng.randrange(1, len(words[i]) - 1)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        word = word[:j] + word[j + 1:]
    elif kind == "double":
        word = word[:j] + word[j] + word[j:]
    else:
        word = word[:j - 1] + word[j] + word[j - 1] + word[j + 1:]
    words[i] = word
    return " ".join(words)


def print_methods(title: str, results: list[dict[str, dict]]) -> None:
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        for r in result.values():
            for method, (auto, correct) in r["methods"].items():
                tally[method][0] += auto
                tally[method][1] += correct
    print(f"\n== {title}")
    for method, (auto, correct) in sorted(tally.items()):
        print(f"   {method:14} {correct:>4}/{auto:<4} right = {correct / auto:.1%}")


def threshold_sweep(labelled: list[tuple[str, str, str]], folds: int) -> None:
    """The whole-text fuzzy stage alone: misspelt copies of the labelled texts against the synonyms (the
    fold's own texts removed from them); precision of the nearest synonym's code at each threshold."""
    rng = random.Random(3)
    items = [(f, misspell(t, rng), c) for f, t, c in labelled for _ in range(2)]
    scored = []
    for fold in range(folds):
        part = [item for item in items if fold_of(item[0], item[1], folds) == fold]
        originals = [(f, t) for f, t, _c in labelled if fold_of(f, t, folds) == fold]
        vocabulary = Vocabulary(without_synonyms=originals + [(f, t) for f, t, _c in part])
        for field_name, text, code in part:
            spec = vocabulary._fields[field_name]
            best = process.extractOne(vocabulary.normalise(text, spec), spec.choices, scorer=fuzz.token_sort_ratio)
            if best:
                scored.append((best[1], spec.synonyms[best[0]] == code))
    print(f"\n== whole-text fuzzy threshold (token_sort_ratio), {len(items)} misspelt texts, held back")
    for threshold in (75, 80, 85, 88, 90, 95):
        chosen = [right for value, right in scored if value >= threshold]
        print(f"   >= {threshold}: {len(chosen):>4} matched, {sum(chosen) / max(len(chosen), 1):.1%} right")


def timing(labelled: list[tuple[str, str, str]], total: int = 100_000) -> None:
    """100,000 cells drawn with a Zipf-like repetition from the labelled texts and case/space variants
    of them (real returns repeat "Management advice" hundreds of times and a long tail once)."""
    rng = random.Random(7)
    pool: dict[str, list[str]] = defaultdict(list)
    for field_name, text, _code in labelled:
        pool[field_name] += [text, text.upper(), f" {text.lower()} ", text.title()]
    cells = []
    fields = sorted(pool)
    for _ in range(total):
        field_name = rng.choice(fields)
        texts = pool[field_name]
        rank = min(int(rng.paretovariate(1.1)) - 1, len(texts) - 1)
        cells.append((field_name, texts[rank]))
    started = time.perf_counter()
    vocabulary = Vocabulary()
    loaded = time.perf_counter()
    by_field: dict[str, list[str]] = defaultdict(list)
    for field_name, text in cells:
        by_field[field_name].append(text)
    for field_name, texts in by_field.items():
        vocabulary.map_many(field_name, texts)
    mapped = time.perf_counter()
    for field_name, text in cells:
        vocabulary.map(field_name, text)
    again = time.perf_counter()
    distinct = sum(len(set(texts)) for texts in by_field.values())
    print(f"\n== speed: {total:,} cells ({distinct} distinct texts)")
    print(f"   load vocabulary {loaded - started:.3f} s; map_many over all cells {mapped - loaded:.3f} s; "
          f"{total:,} memoised map() calls again {again - mapped:.3f} s")
    # the worst case: no repetition at all (every cell a different misspelling)
    fresh = Vocabulary()
    distinct_cells = [(f, f"{misspell(t, rng)} {i}") for i, (f, t, _c) in
                      enumerate(rng.choice(labelled) for _ in range(5_000))]
    started = time.perf_counter()
    for field_name, text in distinct_cells:
        fresh.map(field_name, text)
    elapsed = time.perf_counter() - started
    print(f"   worst case, {len(distinct_cells):,} all-distinct misspelt texts: {elapsed:.2f} s "
          f"({elapsed / len(distinct_cells) * 1e3:.2f} ms a text)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    dev = read_dev(args.dev)
    vocabulary = Vocabulary()

    full = score(dev, map_all(vocabulary, dev))
    print_scores(f"dev set, full vocabulary ({args.dev})", full)
    ordered, predicted = kfold(dev, args.folds)
    held = score(ordered, predicted)
    print_scores(f"dev set, {args.folds}-fold held back (synonyms equal to a held-out text removed)", held)
    print_methods("precision per method, full + held-back dev", [full, held])

    rng = random.Random(11)
    typos = [(f, misspell(t, rng), c) for f, t, c in dev for _ in range(3)]
    typos = [item for item in typos if item[1] not in {t for _f, t, _c in dev}]
    ordered, predicted = [], []
    for fold in range(args.folds):
        part = [item for item in typos if fold_of(item[0], item[1], args.folds) == fold]
        originals = [(f, t) for f, t, _c in dev if fold_of(f, t, args.folds) == fold]
        folded = Vocabulary(without_synonyms=originals + [(f, t) for f, t, _c in part])
        ordered += part
        predicted += map_all(folded, part)
    typo_scores = score(ordered, predicted)
    print_scores("misspelt dev texts (3 per text, one typo each), held back", {
        k: dict(v, confusions=v["confusions"][:8], unmapped=v["unmapped"][:8]) for k, v in typo_scores.items()})
    print_methods("precision per method on misspelt texts", [typo_scores])

    if WORDINGS.exists():
        wordings = read_wordings(WORDINGS)
        result = score(wordings, map_all(vocabulary, wordings))
        print_scores(f"sample-corpus wording pool ({WORDINGS.relative_to(ROOT)}), must be 100%", result)
        data = yaml.safe_load(WORDINGS.read_text(encoding="utf-8"))
        wrong = [(item["platform"], vocabulary.platform_in(item["text"]) or "not_stated", item["text"])
                 for item in data.get("breach", [])
                 if (vocabulary.platform_in(item["text"]) or "not_stated") != item["platform"]]
        print(f"   platform_in on breach wordings: {len(data.get('breach', [])) - len(wrong)}/"
              f"{len(data.get('breach', []))} right")
        for expected, got, text in wrong:
            print(f"   platform_in: {expected} -> {got}: {text!r}")
        people = Counter(vocabulary.map("person_type", item["text"]).code == item["person_type"]
                         for item in data.get("rank", []))
        print(f"   person_type from rank cells: {people[True]}/{sum(people.values())} right")

    everything = dev + (read_wordings(WORDINGS) if WORDINGS.exists() else [])
    threshold_sweep(everything, args.folds)
    timing(everything)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
