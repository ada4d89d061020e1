"""foi inspect / foi add-return backend: what a file looks like to the extractor, a return.yaml the
pipeline accepts, and a return added to raw/ under the force's id."""

from __future__ import annotations

import json

import pytest
import yaml
from layouts import csv_bom_tab, docx_refusal_s22, pdf_refusal_s40_ncnd
from openpyxl import Workbook

from pipeline.forces import UnknownForceError
from pipeline.inspect import add_return, inspect_file, propose_manifest
from pipeline.returns import load_manifest


def _odd_workbook(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "2013"
    ws.append(["Rank", "Allegation", "Outcome", "Colour of file"])
    ws.append(["PC", "Posted on Facebook", "Dismissed", "Blue"])
    ws.append(["Sgt", "Tweeted about a victim", "Written warning", "Red"])
    wb.save(path)
    return path


def test_inspect_says_what_each_column_was_taken_for_and_what_was_not_understood(tmp_path):
    result = inspect_file(_odd_workbook(tmp_path / "cases.xlsx"))
    json.dumps(result)   # JSON-ready as it is
    assert (result["kind"], result["rows"]) == ("table", 2)
    [table] = result["tables"]
    assert table["sheet"] == "2013"
    assert table["column_roles"] == {"Rank": "rank", "Allegation": "breach", "Outcome": "outcome",
                                     "Colour of file": ""}
    assert result["sample_rows"][0] == {"locator": "'2013'!A2:D2", "rank": "PC", "breach": "Posted on Facebook",
                                        "outcome": "Dismissed", "extra": {"Colour of file": "Blue"},
                                        "context": {"year": "2013"}}
    assert [f["code"] for f in result["findings"]] == ["unknown_column"]
    assert result["confidence"] == pytest.approx(0.79)   # 3 of 4 columns placed (0.875), one warning (x0.9)


def test_a_clean_table_is_fully_trusted_and_a_refusal_gives_its_sentence(tmp_path):
    table = inspect_file(csv_bom_tab(tmp_path).path)
    assert (table["kind"], table["rows"], table["confidence"]) == ("table", 2, 1.0)
    letter = inspect_file(pdf_refusal_s40_ncnd(tmp_path).path)
    assert (letter["kind"], letter["refusal_basis"]) == ("refused", ["s31", "s40", "ncnd"])
    assert letter["evidence"].startswith("The force can neither confirm nor deny")
    assert letter["tables"] == [] and letter["sample_rows"] == []


def test_the_proposed_manifest_is_a_return_yaml_the_pipeline_accepts(tmp_path):
    path = pdf_refusal_s40_ncnd(tmp_path).path
    text = propose_manifest(path, inspect_file(path))
    assert text.startswith("# Proposed by foi inspect")
    (tmp_path / "return.yaml").write_text(text, encoding="utf-8")
    manifest = load_manifest(tmp_path / "return.yaml")
    assert (manifest.status, manifest.refusal_basis) == ("refused", ["s31", "s40", "ncnd"])
    assert (manifest.period_start, manifest.period_end) == ("2009-01-01", "2014-02-17")
    assert manifest.files == {"refusal-s40-ncnd.pdf": {}}


def test_the_proposed_manifest_leaves_unplaced_columns_for_a_person(tmp_path):
    path = _odd_workbook(tmp_path / "cases.xlsx")
    document = yaml.safe_load(propose_manifest(path))
    assert document == {"status": "responded", "files": {"cases.xlsx": {"columns": {"Colour of file": ""}}}}
    assert "column 'Colour of file' (sheet '2013') not understood" in propose_manifest(path)


def test_add_return_files_the_return_under_the_force_id_from_any_of_its_names(tmp_path):
    incoming = tmp_path / "inbox"
    incoming.mkdir()
    letter = docx_refusal_s22(incoming).path
    raw = tmp_path / "raw"
    summary = add_return("GMP", [letter], raw)
    folder = raw / "greater-manchester"
    assert summary["force_id"] == "greater-manchester"
    assert (folder / "refusal-s22.docx").read_bytes() == letter.read_bytes()
    manifest = load_manifest(folder / "return.yaml")
    assert (manifest.status, manifest.refusal_basis) == ("refused", ["s22"])
    assert summary["results"]["refusal-s22.docx"]["kind"] == "refused"
    assert "greater-manchester" in summary["text"] and "refusal-s22.docx: refused" in summary["text"]


def test_add_return_keeps_an_existing_return_yaml_and_writes_the_proposal_beside_it(tmp_path):
    raw = tmp_path / "raw"
    (raw / "dorset").mkdir(parents=True)
    (raw / "dorset" / "return.yaml").write_text("status: responded\n", encoding="utf-8")
    summary = add_return("Dorset", [csv_bom_tab(tmp_path).path], raw)
    assert (raw / "dorset" / "return.yaml").read_text(encoding="utf-8") == "status: responded\n"
    assert summary["manifest"].endswith("return.proposed.yaml")
    assert load_manifest(raw / "dorset" / "return.proposed.yaml").files == {"bom-tab.csv": {}}


def test_add_return_refuses_a_name_that_is_no_force(tmp_path):
    with pytest.raises(UnknownForceError):
        add_return("Gotham City Police", [csv_bom_tab(tmp_path).path], tmp_path / "raw")
    assert not (tmp_path / "raw").exists()
