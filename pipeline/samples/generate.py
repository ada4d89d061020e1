"""Generate the synthetic sample corpus in ``raw/`` and its ground truth in ``tests/ground_truth/``.

    python -m pipeline.samples.generate [--raw DIR] [--truth DIR]

Deterministic: one seed (plan.yaml), fixed document dates and zip times, so a second run gives
byte-identical files.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections import Counter
from pathlib import Path

from pipeline.forces import all_forces, is_force_id
from pipeline.samples.cases import force_cases, outcome_deck
from pipeline.samples.pool import plan
from pipeline.samples.render import write_return
from pipeline.samples.truth import CorpusTruth

README = """\
# raw/: the sample corpus (SYNTHETIC)

**This is a SYNTHETIC RECONSTRUCTION, not the forces' real answers.** It imitates the Press Association's
2014 Freedom of Information request to the 43 police forces of England and Wales about officers and staff
investigated for misusing social media, and it is consistent with the figures the press published
(Shropshire Star, 2014): {total} cases in all; Greater Manchester 88, West Midlands 74, Metropolitan 69;
West Mercia 19 (13 officers, 6 staff); Warwickshire 8; Dyfed-Powys 4; Durham 1; Essex, Hampshire,
Merseyside and Staffordshire refused. Every other number, name, wording, reference and date here is made
up. The letters borrow the phrasing real forces use, but no force wrote them.

What is in it: {responded} forces answered ({case_grain} with case tables, {count_grain} with tables of counts
instead of a row per case, {prose_grain} in numbered sentences withholding part of the answer), {refused} refused,
{nil} nil return,
{not_held} "information not held", {no_response} sent nothing (no folder). The returns come as PDF letters
with ruled and with unruled tables (some spanning pages, with and without a repeated header), XLSX
workbooks (title blocks, a merged two-row header, one sheet per year with a notes sheet, totals rows,
blank rows), CSV exports (Windows-1252, UTF-8 with BOM and `;`) and Word letters. The count tables have
outcomes as rows and years as columns with "-" for zero and a Total row, or years as columns with a
"No of Officers" row and count-prefixed outcomes ("1x Written warning, 2x Management advice"). One
workbook carries, beside its case list, a summary sheet of the same cases (to be checked, never added). One
Word letter answers in numbered sentences ("1. 7 (three police officers, ...)." / "3. Of the seven, one
resigned, two received Written Warnings, ...") and withholds the nature of each allegation under Section 40(2).

The ground truth (every case's verbatim cell texts, row locator and expected codes; every force's status,
grain and total; every number of the count tables and prose answers with its cell or paragraph) is in
`tests/ground_truth/cases.csv`, `tests/ground_truth/forces.csv` and `tests/ground_truth/counts.csv`.

Regenerate (deterministic: the same bytes every time):

    make sample-corpus
    # or: .venv/bin/python -m pipeline.samples.generate --raw raw --truth tests/ground_truth

The generator and its data (wordings with their codes, the per-force plan, the letter texts) are in
`pipeline/samples/`.
"""


def _clear_force_folders(raw_dir: Path) -> None:
    """Remove the force folders a previous run wrote; leave anything else in raw/ alone."""
    for entry in raw_dir.iterdir():
        if entry.is_dir() and is_force_id(entry.name):
            shutil.rmtree(entry)


def generate_corpus(raw_dir: Path, truth_dir: Path) -> CorpusTruth:
    """Write every force's return into ``raw_dir`` and the ground truth into ``truth_dir``."""
    raw_dir, truth_dir = Path(raw_dir), Path(truth_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    _clear_force_folders(raw_dir)
    document = plan()
    rng = random.Random(document["seed"])
    deck = outcome_deck(rng)
    truth = CorpusTruth()
    for index, force in enumerate(all_forces()):
        entry = document["forces"][force.force_id]
        cases = force_cases(force.force_id, entry, rng, deck) if entry.get("cases") else []
        force_truth, case_rows, count_rows = write_return(force, entry, cases, raw_dir / force.force_id, index)
        truth.forces.append(force_truth)
        truth.cases.extend(case_rows)
        truth.counts.extend(count_rows)
    if deck:
        raise ValueError(f"plan.yaml: {len(deck)} outcomes of outcome_quota were not dealt")
    statuses = Counter(f.response_status for f in truth.forces)
    (raw_dir / "README.md").write_text(README.format(
        total=sum(f.cases or 0 for f in truth.forces), responded=statuses["responded"] + statuses["partial"],
        refused=statuses["refused"], prose_grain=sum(1 for f in truth.forces if f.grain == "prose"),
        case_grain=sum(1 for f in truth.forces if f.grain == "case"),
        count_grain=sum(1 for f in truth.forces if f.grain == "count"),
        nil=statuses["nil_return"], not_held=statuses["not_held"], no_response=statuses["no_response"],
    ), encoding="utf-8")
    truth.write(truth_dir)
    return truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.samples.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--raw", type=Path, default=Path("raw"), help="where the returns go (default raw/)")
    parser.add_argument("--truth", type=Path, default=Path("tests/ground_truth"),
                        help="where the ground truth goes (default tests/ground_truth/)")
    args = parser.parse_args(argv)
    truth = generate_corpus(args.raw, args.truth)
    answered = sum(1 for f in truth.forces if f.response_status != "no_response")
    print(f"Wrote {sum(f.cases or 0 for f in truth.forces)} cases ({len(truth.cases)} as case rows) from "
          f"{answered} forces into {args.raw}/ "
          f"and the ground truth into {args.truth}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
