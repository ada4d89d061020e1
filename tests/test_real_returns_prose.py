"""Real FOI answers from other campaigns (/work/shared/real-returns) yield no prose counts (issue 9): a form's
numbered boxes in a scan's text layer, a refusal's numbered paragraphs and a partial answer's questions are
not answers to this campaign's request, and a scan stays a scan needing OCR, never a force that answered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.extract import extract_file
from pipeline.forces import force_by_id
from pipeline.process import process_return
from pipeline.returns import ReturnFolder, ReturnManifest
from pipeline.vocabulary import load_vocabulary

REAL = Path("/work/shared/real-returns")
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="the real returns are not on this machine")

# Hertfordshire (61 pages) is left out: its case table is found, so prose is never looked for.
LETTERS_AND_COUNT_TABLES = ["council-Aberdeenshire.pdf", "council-BarkingAndDagenhamResponse.docx",
                            "council-BexleyResponse.pdf", "council-BirminghamResponse.docx", "police-Cumbria.pdf",
                            "police-Durham.pdf", "police-Humberside.pdf"]


@pytest.mark.parametrize("name", LETTERS_AND_COUNT_TABLES)
def test_no_real_return_is_read_as_numbered_prose_answers(name):
    extraction = extract_file(REAL / name, "real", f"real/{name}")
    assert [(row.locator, row.raw_text) for row in extraction.rows if row.context.get("grain") == "prose"] == []


def test_a_scan_whose_few_text_pages_hold_a_numbered_form_is_unreadable_with_no_count(tmp_path):
    # Aberdeenshire's text pages are a numbered return form ("1 60+ hours 0 1 0 16 0 31", "15 Total 42 ...");
    # read as answers they once made this scan a force that 'responded' with 60 cases.
    folder = tmp_path / "kent"
    folder.mkdir()
    shutil.copy(REAL / "council-Aberdeenshire.pdf", folder)
    files = sorted(folder.iterdir())
    extractions = [extract_file(p, "kent", f"kent/{p.name}") for p in files]
    assert [e.kind for e in extractions] == ["needs_ocr"]
    assert [e.rows for e in extractions] == [[]]
    outcome = process_return(ReturnFolder(force_by_id("kent"), folder, files, ReturnManifest()), extractions,
                             load_vocabulary())
    assert (outcome.summary.response_status, outcome.summary.grain, outcome.summary.cases) == ("unreadable", "", None)
    assert outcome.counts.empty
