import csv
import hashlib
import json

import pandas as pd
import pytest

from pipeline.publish import neutralise_formula, publish
from pipeline.records import CASE_COLUMNS, FORCE_COLUMNS


def _cases(n: int = 3) -> pd.DataFrame:
    rows = []
    for i in range(n):
        row = {c: "" for c in CASE_COLUMNS}
        row.update(record_id=f"kent-{i:012d}", force_id="kent", force_name="Kent Police", year="2012",
                   breach_text=f"Inappropriate comments made via Twitter {i}", breach_category="inappropriate_content",
                   outcome_text="=HYPERLINK(\"http://x\")" if i == 0 else "Management advice",
                   outcome_category="management_action", breach_confidence=0.95, outcome_confidence=1.0,
                   source_file="kent/answer.csv", source_locator=f"row {i + 2}", source_sha256="ab" * 32)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(CASE_COLUMNS))


def _forces() -> pd.DataFrame:
    rows = []
    for force_id, status, cases in (("kent", "responded", 3), ("essex", "refused", None)):
        row = {c: "" for c in FORCE_COLUMNS}
        row.update(force_id=force_id, force_name=force_id.title(), ons_code="E23000032", response_status=status,
                   cases=cases, rows_read=cases or 0, rows_published=cases or 0, rows_quarantined=0)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(FORCE_COLUMNS))


def _digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_publishes_every_output_of_the_contract(tmp_path):
    out = tmp_path / "published"
    publish(_cases(), _forces(), out)
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md", "cases.csv", "cases.parquet", "datapackage.json", "foi_dataset.xlsx",
        "forces.csv", "forces.parquet"]
    package = json.loads((out / "datapackage.json").read_text())
    assert [r["name"] for r in package["resources"]] == ["cases", "forces"]
    assert [f["name"] for f in package["resources"][0]["schema"]["fields"]] == list(CASE_COLUMNS)


def test_same_inputs_give_byte_identical_files(tmp_path):
    publish(_cases(), _forces(), tmp_path / "a")
    publish(_cases(), _forces(), tmp_path / "b")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_refused_force_has_an_empty_count_not_zero(tmp_path):
    publish(_cases(), _forces(), tmp_path / "out")
    with (tmp_path / "out" / "forces.csv").open(encoding="utf-8") as handle:
        rows = {r["force_id"]: r for r in csv.DictReader(handle)}
    assert rows["essex"]["cases"] == ""
    assert rows["kent"]["cases"] == "3"


def test_formula_text_is_neutralised_in_csv_and_xlsx(tmp_path):
    from openpyxl import load_workbook

    publish(_cases(), _forces(), tmp_path / "out")
    with (tmp_path / "out" / "cases.csv").open(encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    assert first["outcome_text"] == "'=HYPERLINK(\"http://x\")"
    sheet = load_workbook(tmp_path / "out" / "foi_dataset.xlsx")["cases"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("outcome_text") + 1)
    assert cell.data_type == "s" and cell.value.startswith("'=")


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("-", "-"), ("-3", "-3"), ("Management advice", "Management advice"), ("", ""),
])
def test_neutralise_formula(text, expected):
    assert neutralise_formula(text) == expected


def test_publication_replaces_the_previous_one_whole(tmp_path):
    out = tmp_path / "published"
    publish(_cases(3), _forces(), out)
    (out / "stale.txt").write_text("from an older run")
    publish(_cases(2), _forces(), out)
    assert not (out / "stale.txt").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".published")]
