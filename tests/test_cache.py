from pipeline.cache import return_fingerprint
from pipeline.returns import discover_returns


def _kent(raw):
    returns, _ = discover_returns(raw)
    return next(r for r in returns if r.force_id == "kent")


def test_fingerprint_follows_file_content_not_path(tmp_path):
    answer = tmp_path / "kent" / "answer.csv"
    answer.parent.mkdir()
    answer.write_text("Year,Details\n2012,Inappropriate comments\n", encoding="utf-8")
    first = return_fingerprint(_kent(tmp_path))
    assert return_fingerprint(_kent(tmp_path)) == first
    answer.write_text("Year,Details\n2013,Inappropriate comments\n", encoding="utf-8")
    assert return_fingerprint(_kent(tmp_path)) != first


def test_fingerprint_changes_with_the_manifest_and_with_a_new_file(tmp_path):
    folder = tmp_path / "kent"
    folder.mkdir()
    (folder / "answer.csv").write_text("Year\n2012\n", encoding="utf-8")
    base = return_fingerprint(_kent(tmp_path))
    (folder / "return.yaml").write_text("status: responded\n", encoding="utf-8")
    with_manifest = return_fingerprint(_kent(tmp_path))
    (folder / "letter.pdf").write_bytes(b"%PDF-1.4")
    with_letter = return_fingerprint(_kent(tmp_path))
    assert len({base, with_manifest, with_letter}) == 3
