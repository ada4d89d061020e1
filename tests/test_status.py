from pathlib import Path

import pytest

from pipeline.forces import force_by_id
from pipeline.records import FileExtraction
from pipeline.returns import ReturnFolder, ReturnManifest
from pipeline.status import decide_status


def _folder(files=("answer.pdf",), **manifest) -> ReturnFolder:
    return ReturnFolder(force_by_id("kent"), Path("raw/kent"), [Path(f"raw/kent/{f}") for f in files],
                        ReturnManifest(**manifest))


def _extraction(kind: str, basis=(), evidence="", **extra) -> FileExtraction:
    return FileExtraction("kent", "kent/answer.pdf", "0" * 64, "pdf", kind=kind,
                          refusal_basis=list(basis), evidence=evidence, **extra)


@pytest.mark.parametrize("kinds, cases, status, basis", [
    ([], 0, "no_response", ""),
    ([("table", ())], 12, "responded", ""),
    ([("refused", ("s12",))], 0, "refused", "s12"),
    ([("refused", ("s40", "s31"))], 0, "refused", "s31;s40"),
    ([("nil_return", ())], 0, "nil_return", ""),
    ([("not_held", ())], 0, "not_held", ""),
    ([("table", ()), ("partial", ("s40",))], 5, "partial", "s40"),
    ([("needs_ocr", ())], 0, "unreadable", ""),
    ([("unknown", ())], 0, "unreadable", ""),
])
def test_status_follows_what_the_files_say(kinds, cases, status, basis):
    files = [f"f{i}.pdf" for i in range(len(kinds))]
    folder = _folder(files) if kinds else _folder(())
    decision = decide_status(folder, [_extraction(k, b) for k, b in kinds], cases)
    assert (decision.response_status, decision.refusal_basis) == (status, basis)


def test_manifest_overrides_the_letter_and_its_period():
    folder = _folder(status="refused", refusal_basis=["s14"], period_start="2010-01-01", period_end="2013-12-31")
    decision = decide_status(folder, [_extraction("table")], 3)
    assert (decision.response_status, decision.refusal_basis) == ("refused", "s14")


def test_manifest_period_wins():
    folder = _folder(period_start="2010-01-01", period_end="2013-12-31")
    decision = decide_status(folder, [_extraction("table", period_start="2009-01-01")], 3)
    assert (decision.period_start, decision.period_end) == ("2010-01-01", "2013-12-31")


def test_a_force_that_did_not_answer_covers_no_period():
    decision = decide_status(_folder(()), [], 0)
    assert (decision.period_start, decision.period_end) == ("", "")


def test_period_stated_in_the_letter_beats_the_campaign_default():
    decision = decide_status(_folder(), [_extraction("table", period_start="2009-04-01",
                                                     period_end="2014-01-31")], 3)
    assert (decision.period_start, decision.period_end) == ("2009-04-01", "2014-01-31")
    default = decide_status(_folder(), [_extraction("table")], 3)
    assert (default.period_start, default.period_end) == ("2009-01-01", "2014-02-17")


def test_evidence_sentence_is_kept():
    sentence = "We estimate that to conduct these searches would take over 60 hours (FOIA, s.12)."
    decision = decide_status(_folder(), [_extraction("refused", ("s12",), sentence)], 0)
    assert decision.evidence == sentence
