import csv
import hashlib
import json

import pandas as pd
import pytest

from pipeline.publish import discard, neutralise_formula, publish, stage_outputs, swap_in
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


def test_staged_outputs_leave_the_publication_alone_until_swapped_in_or_discarded(tmp_path):
    out = tmp_path / "published"
    publish(_cases(3), _forces(), out)
    before = _digests(out)
    staged = stage_outputs(_cases(2), _forces(), out)
    assert staged.parent == tmp_path and staged.name.startswith(".published.staging-")
    assert _digests(out) == before                          # a reader still sees the last publication
    discard(staged)                                         # the gate withheld the run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published"] and _digests(out) == before
    written = swap_in(stage_outputs(_cases(2), _forces(), out), out)
    publish(_cases(2), _forces(), tmp_path / "at-once")
    assert [p.name for p in written] == sorted(before) and _digests(out) == _digests(tmp_path / "at-once")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["at-once", "published"]


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


# What a force may write, and what openpyxl does with it: escaped markup, kept spaces, non-ASCII as character
# references, a text over Excel's 32,767 characters cut, error codes and '=' texts as openpyxl types them.
AWKWARD_TEXTS = ["plain", "", " leading", "trailing ", "  ", "a & b < c > d", "quote \" ' ok", "line\nbreak",
                 "tab\tx", "cr\rx", "=1+1", "'=HYPERLINK(\"x\")", "#N/A", "#REF!", "=", "ünïcødé ✓ 𝔘", "x" * 40000,
                 "-", "+44", "\u00a0nbsp\u00a0", "]]>", "a\u2028b", None, float("nan")]


def _awkward_frame() -> pd.DataFrame:
    n = len(AWKWARD_TEXTS)
    return pd.DataFrame({
        "verbatim": pd.Series(AWKWARD_TEXTS, dtype=object),
        "text": pd.Series([t if isinstance(t, str) else None for t in AWKWARD_TEXTS], dtype="str"),
        "confidence": [0.95, 1.0, float("nan"), 0.1, 1e-20, 123456789.123456789, 0.0, -1.5] + [0.5] * (n - 8),
        "cases": pd.Series([1, None, 3] + [7] * (n - 3), dtype="Int64"),
        "rows_read": range(n),
        "suppressed": [True, False] * (n // 2) + [True] * (n % 2),
    })


@pytest.mark.parametrize("rendered_at_once, rows_per_chunk", [(4096, 5000), (1, 2)])
def test_sheet_rows_are_the_xml_openpyxl_writes_for_the_same_values(monkeypatch, rendered_at_once, rows_per_chunk):
    """(1, 2): every column rendered chunk by chunk, two rows at a time, as a large table's unique columns are."""
    import io
    import zipfile

    from openpyxl import Workbook

    from pipeline import office_zip
    from pipeline.office_zip import sheet_rows_xml

    monkeypatch.setattr(office_zip, "RENDERED_AT_ONCE", rendered_at_once)
    monkeypatch.setattr(office_zip, "_ROWS_PER_CHUNK", rows_per_chunk)
    frame = _awkward_frame()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("cases")
    for values in frame.itertuples(index=False):
        sheet.append([None if pd.isna(v) else v for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    xml = zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml").decode("utf-8")
    expected = xml[xml.index("<sheetData>") + len("<sheetData>"):xml.index("</sheetData>")]
    assert b"".join(sheet_rows_xml(frame, first_row=1)).decode("utf-8") == expected


def test_xlsx_is_the_workbook_openpyxl_would_write_cell_by_cell(tmp_path):
    """Rows streamed as XML give the same bytes as a normal openpyxl workbook filled a cell at a time."""
    from openpyxl import Workbook

    from pipeline.office_zip import save_workbook
    from pipeline.publish import _codebook, _write_xlsx

    cases = _awkward_frame()
    forces = _forces()
    _write_xlsx(cases, forces, tmp_path / "streamed.xlsx")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, frame in (("cases", cases), ("forces", forces), ("codebook", _codebook())):
        sheet = workbook.create_sheet(title)
        sheet.append(list(frame.columns))
        for values in frame.itertuples(index=False):
            sheet.append([None if pd.isna(v) else v for v in values])
        if title != "codebook":
            sheet.freeze_panes = "A2"
    fixed = pd.Timestamp("2014-02-17").to_pydatetime()
    workbook.properties.created = workbook.properties.modified = fixed
    workbook.properties.creator = "foi-pipeline"
    save_workbook(workbook, tmp_path / "cell_by_cell.xlsx")
    assert (tmp_path / "streamed.xlsx").read_bytes() == (tmp_path / "cell_by_cell.xlsx").read_bytes()


def test_xlsx_reads_back_as_the_published_values(tmp_path):
    from openpyxl import load_workbook

    cases = _cases(3)
    cases.loc[1, "breach_confidence"] = float("nan")
    publish(cases, _forces(), tmp_path / "out")
    workbook = load_workbook(tmp_path / "out" / "foi_dataset.xlsx")
    assert workbook.sheetnames == ["cases", "forces", "codebook"]
    rows = list(workbook["cases"].iter_rows(values_only=True))
    assert rows[0] == tuple(CASE_COLUMNS)
    assert [r[CASE_COLUMNS.index("record_id")] for r in rows[1:]] == [f"kent-{i:012d}" for i in range(3)]
    assert [r[CASE_COLUMNS.index("breach_confidence")] for r in rows[1:]] == [0.95, None, 0.95]
    assert workbook["cases"].freeze_panes == "A2" and workbook["cases"].max_row == 4
    forces = list(workbook["forces"].iter_rows(values_only=True))
    assert [(r[0], r[FORCE_COLUMNS.index("cases")]) for r in forces[1:]] == [("kent", 3), ("essex", None)]


def test_xlsx_with_no_cases_has_the_header_only(tmp_path):
    from openpyxl import load_workbook

    publish(_cases(0), _forces(), tmp_path / "out")
    rows = list(load_workbook(tmp_path / "out" / "foi_dataset.xlsx")["cases"].iter_rows(values_only=True))
    assert rows == [tuple(CASE_COLUMNS)]


def test_a_control_character_in_a_text_publishes_kept_in_the_csv_and_replaced_in_the_xlsx(tmp_path):
    from openpyxl import load_workbook

    cases = _cases()
    cases.loc[1, "breach_text"] = "Posted a photo\x07 on Facebook\x00"   # a bell and a NUL, as a bad export has
    publish(cases, _forces(), tmp_path / "out")
    with (tmp_path / "out" / "cases.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[1]["breach_text"] == "Posted a photo\x07 on Facebook\x00"
    sheet = load_workbook(tmp_path / "out" / "foi_dataset.xlsx")["cases"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=3, column=header.index("breach_text") + 1).value == "Posted a photo\ufffd on Facebook\ufffd"


@pytest.mark.parametrize("with_counts", [False, True])
def test_the_outputs_are_known_before_publishing(tmp_path, with_counts):
    from pipeline.counts import empty_counts
    from pipeline.publish import published_paths

    out = tmp_path / "published"
    written = publish(_cases(), _forces(), out, counts=empty_counts() if with_counts else None)
    assert written == published_paths(out, with_counts)
    assert ("counts.csv" in {p.name for p in written}) is with_counts


def test_publishing_aside_writes_what_publishing_here_writes(tmp_path):
    from pipeline.aside import Aside

    publish(_cases(), _forces(), tmp_path / "here")
    written = Aside(publish, _cases(), _forces(), tmp_path / "aside").result()
    assert [p.name for p in written] == [p.name for p in sorted((tmp_path / "here").iterdir())]
    assert _digests(tmp_path / "aside") == _digests(tmp_path / "here")


def test_a_publish_that_fails_aside_says_why(tmp_path):
    from pipeline.aside import Aside, AsideError

    (tmp_path / "blocked").write_text("a file where the folder's parent should be")
    pending = Aside(publish, _cases(), _forces(), tmp_path / "blocked" / "published")
    with pytest.raises(AsideError, match=r"publish failed in its process: (FileExistsError|NotADirectoryError)"):
        pending.result()


def test_a_case_table_in_one_chunk_per_return_publishes_the_bytes_of_the_same_table_in_one(tmp_path):
    """Consolidated from 30 returns, the case table's columns come in 30 Arrow chunks; sent aside, in as many."""
    import numpy as np

    from pipeline.aside import Aside

    whole = _cases(50_000)          # unique breach texts: at this size pyarrow's page layout follows the chunks
    whole["breach_text"] = [f"Inappropriate comments made via Twitter, case {i}" for i in range(len(whole))]
    by_return = pd.concat([whole.iloc[rows] for rows in np.array_split(np.arange(len(whole)), 30)], ignore_index=True)
    assert by_return["breach_text"].array._pa_array.num_chunks == 30
    publish(whole, _forces(), tmp_path / "whole")
    publish(by_return.copy(), _forces(), tmp_path / "by-return")
    Aside(publish, by_return, _forces(), tmp_path / "aside").result()
    assert _digests(tmp_path / "by-return") == _digests(tmp_path / "whole") == _digests(tmp_path / "aside")
