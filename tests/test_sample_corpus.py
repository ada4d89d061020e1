"""The synthetic sample corpus: deterministic, faithful to the 2014 figures, and every file reads back as its truth says."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from pathlib import Path

import docx
import openpyxl
import pdfplumber
import pytest

from pipeline.forces import all_forces
from pipeline.samples import (
    read_truth,
    write_csv,
    write_docx_table,
    write_ruled_pdf,
    write_unruled_pdf,
    write_xlsx_sheets,
    write_xlsx_table,
)
from pipeline.samples.generate import generate_corpus
from pipeline.samples.pool import CODES, plan, wordings
from pipeline.samples.truth import read_count_truth

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
TRUTH = ROOT / "tests" / "ground_truth"


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("corpus")
    generate_corpus(base / "raw", base / "truth")
    return base


@pytest.fixture(scope="session")
def truth() -> tuple[list[dict], dict[str, dict]]:
    cases, forces = read_truth(TRUTH)
    return cases, {f["force_id"]: f for f in forces}


def _cases_of(cases: list[dict], force_id: str) -> list[dict]:
    return [c for c in cases if c["force_id"] == force_id]


# ---------------------------------------------------------------- determinism

def test_generating_twice_gives_byte_identical_files(generated, tmp_path):
    generate_corpus(tmp_path / "raw", tmp_path / "truth")
    assert _digests(tmp_path) == _digests(generated)


def test_committed_corpus_is_what_the_generator_writes(generated):
    assert _digests(RAW) == _digests(generated / "raw")
    assert _digests(TRUTH) == _digests(generated / "truth")


# ---------------------------------------------------------------- faithful to the 2014 reports

def test_national_and_named_force_totals_match_the_reports(truth):
    cases, forces = truth
    counts = Counter(c["force_id"] for c in cases)
    # Count- and prose-grain forces (issue 9) have no case rows: their total is in forces.csv, their numbers in
    # counts.csv.
    counted = {f: int(row["cases"]) for f, row in forces.items() if row["grain"] in ("count", "prose")}
    assert sorted(counted) == ["avon-and-somerset", "gwent", "north-yorkshire"]
    counts.update(counted)
    assert sum(counts.values()) == 828
    assert len(cases) == 828 - sum(counted.values()) == 786
    assert {f: counts[f] for f in ("greater-manchester", "west-midlands", "metropolitan")} == {
        "greater-manchester": 88, "west-midlands": 74, "metropolitan": 69}
    assert (counts["west-mercia"], counts["warwickshire"], counts["dyfed-powys"], counts["durham"]) == (19, 8, 4, 1)
    others = [n for f, n in counts.items() if f not in {"greater-manchester", "west-midlands", "metropolitan", "durham"}]
    assert max(others) <= 68 and min(others) >= 2
    assert all(int(forces[f]["cases"]) == n for f, n in counts.items())


def test_west_mercia_breakdown_matches_the_reports(truth):
    cases, forces = truth
    wm = _cases_of(cases, "west-mercia")
    assert Counter(c["person_type"] for c in wm) == {"officer": 13, "staff": 6}
    assert Counter(c["rank"] for c in wm)["sergeant"] == 3
    assert [c["rank_text"] for c in wm if c["rank"] == "inspector_or_above"] == ["Inspector or above"]
    assert Counter(c["breach_category"] for c in wm)["misuse_on_duty"] == 3
    assert Counter(c["breach_category"] for c in wm)["inappropriate_content"] == 8
    assert sorted(c["outcome_text"] for c in wm if c["outcome_category"] == "not_upheld") == [
        "Not upheld", "Unsubstantiated"]
    top_grade = [c for c in wm if "8+" in c["rank_text"]]
    assert [(c["person_type"], c["breach_text"]) for c in top_grade] == [
        ("staff", "Made inappropriate commentary on a personal social media site")]
    footage = [c for c in wm if "work-related footage" in c["breach_text"]]
    assert [(c["person_type"], c["outcome_category"]) for c in footage] == [("staff", "resigned_or_retired")]
    vulnerable = [c for c in wm if c["breach_text"].startswith("Inappropriate association with a vulnerable")]
    assert [(c["rank"], c["outcome_category"]) for c in vulnerable] == [("constable", "final_written_warning")]
    assert (forces["west-mercia"]["period_start"], forces["west-mercia"]["period_end"]) == ("2009-01-01", "2014-02-17")


def test_dyfed_powys_holds_the_reported_facebook_harassment(truth):
    cases, _ = truth
    texts = [c["breach_text"] for c in _cases_of(cases, "dyfed-powys")]
    assert ("Threatening, bullying and intimidating towards a complainant by sending private messages via Facebook"
            in texts)


def test_outcome_shares_are_a_seventh_and_a_tenth(truth):
    cases, _ = truth
    outcomes = Counter(c["outcome_category"] for c in cases)
    for row in read_count_truth(TRUTH):     # count forces' outcomes once (by year), prose forces' for the period
        if row["level"] == "breakdown" and (row["year"] or row["grain"] == "prose"):
            outcomes[row["outcome_category"]] += int(row["count"])
    assert outcomes["no_further_action"] + outcomes["no_case_to_answer"] == 118        # 14.3% ~ 1/7
    assert outcomes["resigned_or_retired"] + outcomes["dismissed"] == 83              # 10.0% ~ 1/10


def test_every_force_appears_once_with_its_reported_status(truth):
    _, forces = truth
    assert sorted(forces) == sorted(f.force_id for f in all_forces())
    statuses = {f: row["response_status"] for f, row in forces.items()}
    assert sorted(f for f, s in statuses.items() if s == "refused") == [
        "essex", "hampshire", "merseyside", "staffordshire"]
    assert 2 <= Counter(statuses.values())["no_response"] <= 3
    assert Counter(statuses.values())["nil_return"] >= 1 and Counter(statuses.values())["not_held"] >= 1
    assert "s12" in {b for f in forces.values() for b in f["refusal_basis"].split(";")}
    assert any("ncnd" in f["refusal_basis"] for f in forces.values())


def test_forces_without_an_answer_have_no_folder_and_no_count(truth):
    _, forces = truth
    for force_id, row in forces.items():
        if row["response_status"] == "no_response":
            assert not (RAW / force_id).exists()
        if row["response_status"] in ("refused", "not_held", "no_response"):
            assert row["cases"] == ""
        if row["response_status"] == "nil_return":
            assert row["cases"] == "0"


def test_years_and_dates_stay_inside_each_force_period(truth):
    cases, forces = truth
    for case in cases:
        force = forces[case["force_id"]]
        assert force["period_start"][:4] <= case["year"] <= force["period_end"][:4]
        if case["date_text"][:4].isdigit():   # ISO, from a real Excel date
            assert force["period_start"] <= case["date_text"] <= force["period_end"]


# ---------------------------------------------------------------- truth texts and codes

def test_every_truth_text_is_a_pool_wording_with_the_same_code(truth):
    cases, _ = truth
    pool = {field: {w.text: w.code for w in ws} for field, ws in wordings().items()}
    pairs = {"breach": "breach_category", "outcome": "outcome_category", "person_type": "person_type",
             "rank": "rank", "platform": "platform"}
    for case in cases:
        for field, code_column in pairs.items():
            text = case[f"{field}_text"].replace("\u2019", "'")
            if text:
                assert pool[field][text] == case[code_column], (case["source_file"], case["locator"], text)


def test_truth_texts_are_trimmed_and_codes_are_known(truth):
    cases, _ = truth
    for case in cases:
        assert all(value == value.strip() for value in case.values())
        assert case["breach_category"] in CODES["breach"] and case["outcome_category"] in CODES["outcome"]
        assert case["rank"] in CODES["rank"] and case["person_type"] in CODES["person_type"]
        assert case["platform"] in CODES["platform"]


# ---------------------------------------------------------------- files read back as the truth says

def _files(cases: list[dict], suffix: str) -> list[str]:
    return sorted({c["source_file"] for c in cases if c["source_file"].endswith(suffix)})


def _pdf_files(cases, ruled: bool) -> list[str]:
    ruled_found = []
    for name in _files(cases, ".pdf"):
        with pdfplumber.open(RAW / name) as document:
            if bool(document.pages[-1].find_tables() or document.pages[0].find_tables()) == ruled:
                ruled_found.append(name)
    return ruled_found


def test_ruled_pdf_cells_read_back_verbatim_with_their_pages(truth):
    cases, _ = truth
    names = _pdf_files(cases, ruled=True)
    assert len(names) >= 5
    for name in names:
        rows = []
        with pdfplumber.open(RAW / name) as document:
            for page in document.pages:
                for table in page.find_tables():
                    for row in table.extract():
                        rows.append((page.page_number, [" ".join((c or "").split("\n")) for c in row]))
        expected = [c for c in cases if c["source_file"] == name]
        header = rows[0][1]
        data = [(page, cells) for page, cells in rows if cells != header]
        assert len(data) == len(expected)
        for (page, cells), case in zip(data, expected):
            assert case["locator"].startswith(f"page {page}, table 1, row ")
            assert case["breach_text"] in cells and case["outcome_text"] in cells


def _column_text(path: Path, heading: str) -> str:
    """The words of one column of an unruled table on every page: the data lines that start at its x."""
    with pdfplumber.open(path) as document:
        first = document.pages[0].extract_words(extra_attrs=["fontname"])
        x = next(w["x0"] for w in first if w["text"] == heading.split()[0] and "Bold" in w["fontname"])
        column = []
        for page in document.pages:
            words = [w for w in page.extract_words(extra_attrs=["fontname", "size"])
                     if "Bold" not in w["fontname"] and round(w["size"]) == 8]   # table text, not the letter
            starts = {round(w["top"]) for w in words if abs(w["x0"] - x) < 0.5}
            column += [w["text"] for w in words if round(w["top"]) in starts and w["x0"] > x - 0.5]
    return " ".join(column)


def test_unruled_pdf_columns_keep_their_x_position_on_every_page(truth):
    cases, _ = truth
    names = _pdf_files(cases, ruled=False)
    assert len(names) >= 4
    for name in names:
        expected = [c for c in cases if c["source_file"] == name]
        columns = plan()["forces"][expected[0]["force_id"]]["columns"]
        heading = next(h for h, field in columns if field == "outcome")
        assert _column_text(RAW / name, heading) == " ".join(c["outcome_text"] for c in expected)


def test_pdf_letters_carry_page_footers_and_the_ico_address(truth):
    _, forces = truth
    with pdfplumber.open(RAW / forces["greater-manchester"]["source_files"]) as document:
        pages = len(document.pages)
        first, last = document.pages[0].extract_text(), document.pages[-1].extract_text()
    assert pages >= 3
    assert f"Page 1 of {pages}" in first and "Wycliffe House" in last


@pytest.mark.parametrize("force_id", ["essex", "merseyside", "staffordshire", "city-of-london", "wiltshire"])
def test_pdf_status_letters_state_their_evidence_sentence(truth, force_id):
    _, forces = truth
    row = forces[force_id]
    with pdfplumber.open(RAW / row["source_files"]) as document:
        text = " ".join(" ".join(p.extract_text() for p in document.pages).split())
    assert row["evidence"] in text


def test_docx_refusal_and_tables_read_back_verbatim(truth):
    cases, forces = truth
    refusal = docx.Document(str(RAW / forces["hampshire"]["source_files"]))
    assert forces["hampshire"]["evidence"] in [p.text for p in refusal.paragraphs]
    for name in _files(cases, ".docx"):
        table = docx.Document(str(RAW / name)).tables[0]
        expected = [c for c in cases if c["source_file"] == name]
        assert len(table.rows) == len(expected) + 1
        for case in expected:
            n = int(case["locator"].rsplit(" ", 1)[1])
            cells = [cell.text for cell in table.rows[n].cells]
            assert case["breach_text"] in cells and case["outcome_text"] in cells


def test_xlsx_rows_sit_at_their_locators(truth):
    cases, _ = truth
    for name in _files(cases, ".xlsx"):
        workbook = openpyxl.load_workbook(RAW / name)
        for case in (c for c in cases if c["source_file"] == name):
            sheet, cells = case["locator"].split("!")
            row = workbook[sheet.strip("'")][cells.split(":")[0]].row
            values = [c.value for c in workbook[sheet.strip("'")][row]]
            assert case["breach_text"] in values and case["outcome_text"] in values


def test_xlsx_layout_features_are_present(truth):
    cases, _ = truth
    met = openpyxl.load_workbook(RAW / _files(_cases_of(cases, "metropolitan"), ".xlsx")[0])
    sheet = met.active
    assert "B6:C6" in {str(r) for r in sheet.merged_cells.ranges}
    assert (sheet["B6"].value, sheet["B7"].value, sheet["C7"].value) == ("Officer/Staff details", "Rank", "Role")
    assert sheet["A8"].is_date
    wy = openpyxl.load_workbook(RAW / _files(_cases_of(cases, "west-yorkshire"), ".xlsx")[0])
    assert wy.sheetnames == ["Notes", "2009", "2010", "2011", "2012", "2013", "2014"]
    lancs = openpyxl.load_workbook(RAW / _files(_cases_of(cases, "lancashire"), ".xlsx")[0]).active
    last = max(int(re.search(r"!A(\d+):", c["locator"]).group(1)) for c in _cases_of(cases, "lancashire"))
    assert (lancs.cell(last + 1, 1).value, lancs.cell(last + 1, 2).value) == ("Total", 31)
    blank = [r for r in range(5, last) if all(c.value is None for c in lancs[r])]
    assert len(blank) == 1


def test_cp1252_csv_breaks_as_utf8_and_reads_as_windows_1252(truth):
    cases, _ = truth
    raw = (RAW / "sussex" / "Sussex FOI 1234-14.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("cp1252"))))
    expected = _cases_of(cases, "sussex")
    assert len(rows) == len(expected) + 1
    assert any("caf\u00e9\u2019s" in c["breach_text"] for c in expected)
    assert any("\u00a3" in c["rank_text"] for c in expected)
    for case in expected:
        row = rows[int(case["locator"].split()[1]) - 1]
        assert [row[2], row[3], row[5]] == [case["rank_text"], case["breach_text"], case["outcome_text"]]


def test_utf8_bom_csv_is_semicolon_delimited_with_years_as_columns(truth):
    _, forces = truth
    raw = (RAW / "avon-and-somerset" / "ASC 221-14.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["", "2009", "2010", "2011", "2012", "2013", "2014"]
    assert [r[0] for r in rows[1:]] == ["No of Officers", "Outcomes"]
    assert sum(int(n) for n in rows[1][1:]) == int(forces["avon-and-somerset"]["cases"]) == 26
    for officers, outcomes in zip(rows[1][1:], rows[2][1:], strict=True):
        items = [re.match(r"^(\d+)x (.+)$", item) for item in outcomes.split(", ")] if outcomes else []
        assert sum(int(m.group(1)) for m in items) == int(officers)


def test_count_truth_names_cells_that_hold_its_numbers(truth):
    sheet = openpyxl.load_workbook(RAW / "north-yorkshire" / "NYP 0293-2014.xlsx")["Outcomes by year"]
    rows = [r for r in read_count_truth(TRUTH) if r["force_id"] == "north-yorkshire"]
    assert rows and {r["source_file"] for r in rows} == {"north-yorkshire/NYP 0293-2014.xlsx"}
    for row in rows:
        value = sheet[row["locator"].split("!")[1]].value
        assert ("" if value is None else str(value)) == row["count_text"]
        assert int(row["count"]) == (0 if row["count_text"] in ("-", "") else int(row["count_text"]))
    assert sum(int(r["count"]) for r in rows if r["level"] == "total" and r["year"]) == 9
    assert {r["count_text"] for r in rows if r["count"] == "0"} == {"-"}


def test_manifests_load_with_the_pipeline(truth):
    from pipeline.returns import load_manifest

    manifest = load_manifest(RAW / "north-wales" / "return.yaml")
    assert (manifest.period_start, manifest.period_end, manifest.received) == ("2010-04-01", "2014-02-17", "2014-03-12")


def test_readme_says_the_corpus_is_synthetic():
    text = (RAW / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC RECONSTRUCTION" in text and "python -m pipeline.samples.generate" in text


# ---------------------------------------------------------------- the writers on their own

HEADER = ["Year", "Rank", "Nature of Allegation", "Outcome"]
LONG = "Threatening, bullying and intimidating towards a complainant by sending private messages via Facebook"


def _rows(n: int) -> list[list[str]]:
    return [[str(2009 + i % 5), "PC", LONG if i % 3 == 0 else f"Inappropriate comments number {i}", "Words of advice"]
            for i in range(n)]


@pytest.mark.parametrize("writer", [write_ruled_pdf, write_unruled_pdf])
@pytest.mark.parametrize("repeat_header", [True, False])
def test_pdf_table_spanning_pages_repeats_the_header_only_when_asked(tmp_path, writer, repeat_header):
    path = tmp_path / "table.pdf"
    locators = writer(path, HEADER, _rows(90), repeat_header=repeat_header)
    assert locators[0] == "page 1, table 1, row 1" and locators[-1].endswith("row 90")
    pages = {int(loc.split(",")[0].split()[1]) for loc in locators}
    assert len(pages) >= 2
    with pdfplumber.open(path) as document:
        second = document.pages[1].extract_text().splitlines()[0]
    assert second.startswith("Year Rank") is repeat_header


def test_wrapped_pdf_cell_reads_back_joined_by_one_space(tmp_path):
    path = tmp_path / "wrap.pdf"
    write_ruled_pdf(path, HEADER, [["2012", "PC", LONG, "FWW"]], widths=[10, 10, 30, 20])
    with pdfplumber.open(path) as document:
        cell = document.pages[0].extract_tables()[0][1][2]
    assert "\n" in cell and " ".join(cell.split("\n")) == LONG


def test_xlsx_and_docx_and_csv_writers_return_row_locators(tmp_path):
    assert write_xlsx_table(tmp_path / "a.xlsx", HEADER, _rows(2), sheet="2013", title=["T1", "T2"]) == [
        "'2013'!A5:D5", "'2013'!A6:D6"]
    assert write_xlsx_sheets(tmp_path / "b.xlsx", HEADER, {"2012": _rows(1)}) == {"2012": ["'2012'!A2:D2"]}
    assert write_docx_table(tmp_path / "c.docx", HEADER, _rows(2)) == ["table 1, row 1", "table 1, row 2"]
    assert write_csv(tmp_path / "d.csv", HEADER, _rows(2), encoding="cp1252") == ["row 2", "row 3"]
