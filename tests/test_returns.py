from pathlib import Path

import pytest

from pipeline.returns import ManifestError, discover_returns, load_manifest


def _write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_every_force_is_listed_even_without_a_folder(tmp_path):
    _write(tmp_path / "durham" / "response.pdf")
    returns, findings = discover_returns(tmp_path)
    assert len(returns) == 43
    by_id = {r.force_id: r for r in returns}
    assert [p.name for p in by_id["durham"].files] == ["response.pdf"]
    assert by_id["kent"].folder is None and by_id["kent"].files == []
    assert findings == []


def test_unknown_folder_is_reported_with_the_closest_id_and_skipped(tmp_path):
    _write(tmp_path / "west-mecia" / "response.pdf")
    returns, findings = discover_returns(tmp_path)
    assert [f.code for f in findings] == ["unknown_force_folder"]
    assert "raw/west-mecia" in findings[0].message and "west-mercia" in findings[0].message
    assert all(r.files == [] for r in returns if r.force_id == "west-mercia")


def test_manifest_and_hidden_files_are_not_part_of_the_return(tmp_path):
    folder = tmp_path / "kent"
    _write(folder / "answer.xlsx")
    _write(folder / ".DS_Store")
    _write(folder / "return.yaml", "status: refused\nrefusal_basis: [s12, s40]\n")
    returns, _ = discover_returns(tmp_path)
    kent = next(r for r in returns if r.force_id == "kent")
    assert [p.name for p in kent.files] == ["answer.xlsx"]
    assert kent.manifest.status == "refused"
    assert kent.manifest.refusal_basis == ["s12", "s40"]
    assert len(kent.manifest_sha256) == 64


def test_manifest_hints_and_period(tmp_path):
    path = _write(tmp_path / "return.yaml", (
        "period: {start: 2009-01-01, end: 2014-02-17}\n"
        "files:\n  cases.xlsx: {sheets: ['2013'], header_row: 4}\n"))
    manifest = load_manifest(path)
    assert (manifest.period_start, manifest.period_end) == ("2009-01-01", "2014-02-17")
    assert manifest.hints_for("cases.xlsx") == {"sheets": ["2013"], "header_row": 4}
    assert manifest.hints_for("other.pdf") == {}


@pytest.mark.parametrize("text, message", [
    ("colour: blue\n", "unknown keys ['colour']"),
    ("status: sulking\n", "status 'sulking' is not one of"),
    ("files: [a.pdf]\n", "files must map each file name"),
    ("status: [unclosed\n", "not valid YAML"),
])
def test_bad_manifest_is_an_error_naming_the_problem(tmp_path, text, message):
    path = _write(tmp_path / "return.yaml", text)
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert message in str(caught.value)


def test_bad_manifest_becomes_a_finding_and_the_return_is_still_read(tmp_path):
    _write(tmp_path / "kent" / "answer.csv")
    _write(tmp_path / "kent" / "return.yaml", "colour: blue\n")
    returns, _ = discover_returns(tmp_path)
    kent = next(r for r in returns if r.force_id == "kent")
    assert [f.code for f in kent.findings] == ["bad_manifest"]
    assert [p.name for p in kent.files] == ["answer.csv"]


def test_a_force_folder_that_links_outside_raw_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    _write(outside / "secret.csv")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "kent").symlink_to(outside, target_is_directory=True)
    returns, findings = discover_returns(raw)
    assert [f.code for f in findings] == ["unsafe_path"]
    assert next(r for r in returns if r.force_id == "kent").files == []
