"""The ground truth of the sample corpus: what each file holds, cell by cell, and what each force answered.

``cases.csv`` has one row per case with the verbatim cell texts (a wrap inside a cell joined by one space)
and the codes they must map to; ``forces.csv`` one row per force. Texts are empty when the return has no
such column; a code is ``not_stated`` when the return cannot tell it (no rank column, no platform named).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path


@dataclass
class CaseTruth:
    force_id: str
    source_file: str          # relative to raw/: "west-mercia/West Mercia FOI 1407-14.pdf"
    locator: str              # the row locator the extractor should report (docs/architecture.md)
    year: int
    date_text: str            # the date cell as shown; a real Excel date as ISO yyyy-mm-dd
    case_ref: str
    person_type_text: str
    rank_text: str
    breach_text: str
    outcome_text: str
    platform_text: str
    person_type: str
    rank: str
    breach_category: str
    outcome_category: str
    platform: str


@dataclass
class ForceTruth:
    force_id: str
    response_status: str
    refusal_basis: str = ""   # "s12", "s31;s40;ncnd"
    cases: int | None = None  # empty unless the force answered (0 for a nil return)
    period_start: str = ""
    period_end: str = ""
    file_formats: str = ""    # "pdf", "pdf;xlsx"
    source_files: str = ""    # ";"-separated, relative to raw/
    evidence: str = ""        # the sentence of a letter that decides its status
    grain: str = ""           # case | count | prose | letter | "" (no answer): how the force answered (issue 9)


@dataclass
class CountTruth:
    """One number a count- or prose-grain return shows, as counts.csv must publish it (issue 9)."""

    force_id: str
    source_file: str
    locator: str              # the cell: "'Sheet1'!C5", "row 3, column 2"; the answer: "paragraph 10"
    year: str                 # "" for a whole-period cell (a Total column)
    level: str                # total | breakdown | withheld (a prose answer refusing its part)
    outcome_text: str         # the item's label ("Written warning" of "2x Written warning"), "" for a total
    outcome_category: str
    count: int | None         # None for a withheld answer
    count_text: str           # the cell or answer as written ("-", "1x Written warning, 2x Management advice")
    summary_of_cases: bool = False   # a summary beside the force's case list: checked, never added
    grain: str = "count"      # count | prose
    question: str = ""        # the request's question a prose answer answers ("1a")
    person_type_text: str = ""   # who a breakdown counts ("members of police staff"), as written
    person_type: str = ""


@dataclass
class CorpusTruth:
    cases: list[CaseTruth] = field(default_factory=list)
    forces: list[ForceTruth] = field(default_factory=list)
    counts: list[CountTruth] = field(default_factory=list)

    def write(self, truth_dir: Path) -> list[Path]:
        """Write ``cases.csv``, ``forces.csv`` and ``counts.csv`` (UTF-8, LF, rows in generation order)."""
        truth_dir = Path(truth_dir)
        truth_dir.mkdir(parents=True, exist_ok=True)
        return [_write_rows(truth_dir / "cases.csv", CaseTruth, self.cases),
                _write_rows(truth_dir / "forces.csv", ForceTruth, self.forces),
                _write_rows(truth_dir / "counts.csv", CountTruth, self.counts)]


def _write_rows(path: Path, shape, rows: list) -> Path:
    columns = [f.name for f in fields(shape)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            values = asdict(row)
            writer.writerow({k: "" if v is None else v for k, v in values.items()})
    return path


def read_truth(truth_dir: Path) -> tuple[list[dict], list[dict]]:
    """The two ground-truth tables as lists of dicts of strings (for tests and benchmarks)."""
    truth_dir = Path(truth_dir)
    with (truth_dir / "cases.csv").open(encoding="utf-8", newline="") as handle:
        cases = list(csv.DictReader(handle))
    with (truth_dir / "forces.csv").open(encoding="utf-8", newline="") as handle:
        forces = list(csv.DictReader(handle))
    return cases, forces


def read_count_truth(truth_dir: Path) -> list[dict]:
    """The numbers of the count- and prose-grain returns (``counts.csv``) as dicts of strings."""
    with (Path(truth_dir) / "counts.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
