"""Hostile and broken returns: each becomes a named error for its force and file, in bounded time and memory."""

from __future__ import annotations

import multiprocessing
import resource
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pytest
from hostile import builders, extractors

from pipeline import guard, workers
from pipeline.guard import (
    MB,
    ChildFailure,
    LimitExceeded,
    Limits,
    guarded_extract,
    load_limits,
    precheck,
    run_limited,
    sniff_format,
)
from pipeline.records import FileExtraction

LIMITS = load_limits()
FORCE = "west-mercia"


def guarded(path: Path, limits: Limits = LIMITS, extract=extractors.by_suffix) -> FileExtraction:
    return guarded_extract(path, FORCE, f"{FORCE}/{path.name}", None, extract, limits)


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_limits_file_loads_with_every_message():
    assert LIMITS.timeout_s == 60
    assert LIMITS.max_sheet_rows == 100_000
    assert set(LIMITS.messages) >= {"empty_file", "password_protected", "corrupt_file", "zip_bomb",
                                    "xml_entity_bomb", "needs_ocr", "time_limit", "memory_limit"}


def test_limits_file_with_an_unknown_key_is_refused(tmp_path):
    (tmp_path / "limits.yaml").write_text("timeout_s: 5\nmax_rows_typo: 3\n")
    with pytest.raises(ValueError, match=r"unknown keys \['max_rows_typo'\]"):
        load_limits(tmp_path / "limits.yaml")


def test_a_limit_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="timeout_s must be a positive number, got 0"):
        LIMITS.with_(timeout_s=0)


@pytest.mark.parametrize(
    ("builder", "name", "true_format"),
    [
        (builders.table_pdf, "response.pdf", "pdf"),
        (builders.table_xlsx, "response.xlsx", "xlsx"),
        (builders.table_docx, "response.docx", "docx"),
        (builders.table_csv, "response.csv", "csv"),
        (builders.empty_file, "response.pdf", "empty"),
        (builders.encrypted_xlsx, "response.xlsx", "ooxml_encrypted"),
        (builders.html_as_xls, "response.xls", "html"),
        (builders.csv_as_xls, "response.xls", "csv"),
        (builders.docx_as_pdf, "response.pdf", "docx"),
        (builders.truncated_xlsx, "response.xlsx", "xlsx"),
        (builders.truncated_pdf, "response.pdf", "pdf"),
        (builders.unicode_text_as_xls, "response.xls", "csv"),
        (builders.xml_spreadsheet_as_xls, "response.xls", "xml_spreadsheet"),
        (builders.junk_as_xlsx, "response.xlsx", "unknown"),
    ],
)
def test_sniff_format_reads_the_bytes_not_the_extension(tmp_path, builder, name, true_format):
    assert sniff_format(builder(tmp_path, name)) == true_format


def test_a_letter_in_plain_text_sniffs_as_text(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text("Dear Sir,\nWe do not hold the information you asked for.\n")
    assert sniff_format(path) == "text"


@pytest.mark.parametrize(
    ("builder", "code", "message"),
    [
        (builders.empty_file, "empty_file",
         "west-mercia/response.pdf from west-mercia is empty (0 bytes): ask the force to send it again."),
        (builders.encrypted_xlsx, "password_protected",
         "west-mercia/response.pdf from west-mercia is password-protected: ask the force for an unprotected copy."),
        (builders.zip_bomb_xlsx, "zip_bomb",
         ("west-mercia/response.pdf from west-mercia expands far beyond its size (210 MB uncompressed against 200 MB),"
         " so it was not opened: ask the force to send it again, or check it by hand.")),
        (builders.entity_bomb_xlsx, "xml_entity_bomb",
         ("west-mercia/response.pdf from west-mercia declares XML entities (a DTD in xl/worksheets/sheet1.xml), which"
         " no Office file needs, so it was not opened: ask the force to send it again.")),
        (builders.entity_bomb_docx, "xml_entity_bomb",
         ("west-mercia/response.pdf from west-mercia declares XML entities (a DTD in word/document.xml), which"
         " no Office file needs, so it was not opened: ask the force to send it again.")),
        (builders.huge_sheet_xlsx, "too_many_rows",
         ("west-mercia/response.pdf from west-mercia has 100001 rows in xl/worksheets/sheet1.xml against 100000, over"
         " the limit: check it is the return, or raise max_sheet_rows in schemas/limits.yaml.")),
        (builders.html_as_xls, "unsupported_format",
         ("west-mercia/response.pdf from west-mercia is really an HTML page, which the pipeline cannot read: ask the"
         " force to export it as XLSX, CSV or PDF.")),
    ],
)
def test_precheck_stops_a_hostile_file_before_any_parser_opens_it(tmp_path, builder, code, message):
    # The name lies too (".pdf"): the pre-check goes by what the bytes are.
    path = builder(tmp_path, "response.pdf")
    finding = precheck(path, LIMITS, FORCE, f"{FORCE}/response.pdf")
    assert (finding.severity, finding.code, finding.message) == ("error", code, message)
    assert (finding.force_id, finding.source_file) == (FORCE, "west-mercia/response.pdf")


def test_precheck_stops_a_zip_bomb_by_its_ratio_below_the_size_limit(tmp_path):
    path = builders.zip_bomb_xlsx(tmp_path, expanded_mb=20)
    finding = precheck(path, LIMITS, FORCE, "west-mercia/response.xlsx")
    assert finding.code == "zip_bomb"
    assert "compression ratio" in finding.message and "against 100)" in finding.message


@pytest.mark.parametrize("builder", [builders.table_pdf, builders.table_xlsx, builders.table_docx,
                                     builders.table_csv])
def test_precheck_passes_a_sound_return(tmp_path, builder):
    assert precheck(builder(tmp_path), LIMITS, FORCE) is None


# --- guarded_extract: every file ends as a FileExtraction -------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "name", "file_format", "first_locator"),
    [
        (builders.table_pdf, "response.pdf", "pdf", "page 1, table 1, row 1"),
        (builders.table_xlsx, "response.xlsx", "xlsx", "'2014'!A2:D2"),
        (builders.table_docx, "response.docx", "docx", "table 1, row 1"),
        (builders.table_csv, "response.csv", "csv", "row 2"),
    ],
)
def test_a_sound_return_is_read_in_the_child_unchanged(tmp_path, builder, name, file_format, first_locator):
    extraction = guarded(builder(tmp_path, name))
    assert (extraction.kind, extraction.file_format, extraction.findings) == ("table", file_format, [])
    assert next(row.locator for row in extraction.rows) == first_locator
    assert extraction.rows[1].cells["breach"] == "Inappropriate comments/use of Facebook"


@pytest.mark.parametrize(
    ("builder", "name", "code", "message_end"),
    [
        (builders.empty_file, "response.pdf", "empty_file", "is empty (0 bytes): ask the force to send it again."),
        (builders.truncated_pdf, "response.pdf", "corrupt_file",
         "is truncated or damaged (PSEOF: Unexpected EOF): ask the force to send it again."),
        (builders.truncated_xlsx, "response.xlsx", "corrupt_file",
         "is truncated or damaged (BadZipFile: File is not a zip file): ask the force to send it again."),
        (builders.garbled_xlsx, "response.xlsx", "corrupt_file",
         ("is truncated or damaged (error: Error -3 while decompressing data: invalid stored block lengths):"
         " ask the force to send it again.")),
        (builders.encrypted_pdf, "response.pdf", "password_protected",
         "is password-protected: ask the force for an unprotected copy."),
        (builders.encrypted_xlsx, "response.xlsx", "password_protected",
         "is password-protected: ask the force for an unprotected copy."),
        (builders.html_as_xls, "response.xls", "unsupported_format",
         "is really an HTML page, which the pipeline cannot read: ask the force to export it as XLSX, CSV or PDF."),
        (builders.xml_spreadsheet_as_xls, "response.xls", "unsupported_format",
         "is really an Excel 2003 XML spreadsheet, which the pipeline cannot read: ask the force to export it as"
         " XLSX, CSV or PDF."),
        (builders.zip_bomb_xlsx, "response.xlsx", "zip_bomb",
         ("expands far beyond its size (210 MB uncompressed against 200 MB), so it was not opened:"
         " ask the force to send it again, or check it by hand.")),
        (builders.entity_bomb_xlsx, "response.xlsx", "xml_entity_bomb",
         ("declares XML entities (a DTD in xl/worksheets/sheet1.xml), which no Office file needs, so it was not"
         " opened: ask the force to send it again.")),
        (builders.entity_bomb_docx, "response.docx", "xml_entity_bomb",
         ("declares XML entities (a DTD in word/document.xml), which no Office file needs, so it was not opened:"
         " ask the force to send it again.")),
        (builders.huge_sheet_xlsx, "response.xlsx", "too_many_rows",
         ("has 100001 rows in xl/worksheets/sheet1.xml against 100000, over the limit: check it is the return,"
         " or raise max_sheet_rows in schemas/limits.yaml.")),
        (builders.huge_pdf, "response.pdf", "too_many_pages",
         ("has 501 pages against 500, over the limit: check it is the return, or raise max_pdf_pages in"
         " schemas/limits.yaml.")),
    ],
)
def test_a_broken_return_becomes_one_error_naming_force_file_and_remedy(tmp_path, builder, name, code,
                                                                        message_end):
    started = time.monotonic()
    extraction = guarded(builder(tmp_path, name))
    assert time.monotonic() - started < 10
    assert (extraction.force_id, extraction.source_file, extraction.kind) == (FORCE, f"{FORCE}/{name}", "unknown")
    assert extraction.rows == []
    assert len(extraction.findings) == 1
    finding = extraction.findings[0]
    assert (finding.severity, finding.code, finding.force_id, finding.source_file) == (
        "error", code, FORCE, f"{FORCE}/{name}")
    assert finding.message == f"{FORCE}/{name} from {FORCE} {message_end}"


def test_a_pdf_with_no_text_and_no_images_is_reported_as_damaged_not_as_a_scan(tmp_path):
    extraction = guarded(builders.blank_pdf(tmp_path))
    assert (extraction.kind, extraction.rows) == ("unknown", [])
    assert [(f.severity, f.code) for f in extraction.findings] == [("error", "no_text")]
    assert extraction.findings[0].message == (
        "west-mercia/response.pdf from west-mercia has no readable text and no images (its fonts or content may be"
        " damaged): ask the force to send it again.")


@pytest.mark.parametrize(
    ("name", "described"),
    [("response.xlsx", "an Excel workbook (XLSX)"), ("response.pdf", "a PDF"), ("response.csv", "a CSV table")],
)
def test_junk_bytes_under_a_known_extension_are_a_damaged_file(tmp_path, name, described):
    extraction = guarded(builders.junk_as_xlsx(tmp_path, name))
    assert [(f.code, f.message) for f in extraction.findings] == [(
        "corrupt_file",
        f"west-mercia/{name} from west-mercia is truncated or damaged (its bytes are not {described}): ask the"
        " force to send it again.")]


def test_an_error_raised_inside_a_parser_library_means_a_damaged_file(tmp_path):
    extraction = guarded(builders.table_csv(tmp_path), extract=extractors.library_choke_extractor)
    assert [(f.code, f.value) for f in extraction.findings] == [
        ("corrupt_file", "ValueError: 'A1' is not a valid column name. Column names are from A to ZZZ")]


def test_a_scanned_pdf_is_needs_ocr_not_an_empty_return(tmp_path):
    extraction = guarded(builders.image_only_pdf(tmp_path))
    assert (extraction.kind, extraction.rows) == ("needs_ocr", [])
    assert [(f.severity, f.code) for f in extraction.findings] == [("error", "needs_ocr")]
    assert extraction.findings[0].message == (
        "west-mercia/response.pdf from west-mercia has no text layer (a scan): it needs OCR or a person to key it"
        " in; ask the force for an electronic copy.")


@pytest.mark.parametrize(
    ("builder", "name", "true_format", "described", "first_locator"),
    [
        (builders.csv_as_xls, "response.xls", "csv", "a CSV table", "row 2"),
        (builders.docx_as_pdf, "response.pdf", "docx", "a Word document (DOCX)", "table 1, row 1"),
    ],
)
def test_a_file_whose_extension_lies_is_read_as_what_it_is_with_a_warning(tmp_path, builder, name, true_format,
                                                                         described, first_locator):
    extraction = guarded(builder(tmp_path, name))
    assert (extraction.kind, extraction.source_file, len(extraction.rows)) == ("table", f"{FORCE}/{name}", 3)
    assert extraction.rows[0].locator == first_locator
    assert [(f.severity, f.code, f.value) for f in extraction.findings] == [
        ("warning", "extension_mismatch", true_format)]
    assert extraction.findings[0].message == (
        f"{FORCE}/{name} from {FORCE} is really {described}; it was read as what it is.")


def test_an_extractor_bug_becomes_a_finding_not_a_traceback(tmp_path):
    extraction = guarded(builders.table_csv(tmp_path), extract=extractors.broken_extractor)
    assert [(f.code, f.value) for f in extraction.findings] == [
        ("extract_failed", "TypeError: unsupported operand type(s) for +: 'int' and 'str'")]
    assert extraction.findings[0].message.endswith("open it by hand and tell the developers.")


def test_a_parse_that_runs_past_the_time_limit_is_stopped_and_named(tmp_path):
    limits = LIMITS.with_(timeout_s=1.5)
    started = time.monotonic()
    extraction = guarded(builders.table_csv(tmp_path), limits, extract=extractors.endless_extractor)
    elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 4.0
    finding = extraction.findings[0]
    assert (finding.code, extraction.kind) == ("time_limit", "unknown")
    assert finding.message.startswith("west-mercia/response.csv from west-mercia took too long to read (stopped at"
                                      " 1.5 s after 1.5 s while extracting)")


def test_a_parse_that_needs_more_memory_than_allowed_is_stopped_and_named(tmp_path):
    extraction = guarded(builders.table_csv(tmp_path), LIMITS.with_(memory_mb=1024),
                         extract=extractors.greedy_extractor)
    finding = extraction.findings[0]
    assert finding.code == "memory_limit"
    assert "(stopped at 1024 MB after" in finding.message and "while extracting)" in finding.message


def test_one_bad_file_does_not_change_the_next_forces_extraction(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "good").mkdir()
    before = guarded(builders.table_xlsx(tmp_path / "good"))
    guarded(builders.zip_bomb_xlsx(tmp_path / "bad"))
    guarded(builders.table_csv(tmp_path / "bad"), LIMITS.with_(timeout_s=1), extract=extractors.endless_extractor)
    after = guarded(builders.table_xlsx(tmp_path / "good"))
    assert after == before


# --- run_limited: the child process and its limits ---------------------------------------------------------


def test_run_limited_returns_the_childs_result():
    assert run_limited(extractors.sleep_then, 0.01, "done", limits=LIMITS, label="nap") == "done"


def test_run_limited_kills_c_code_that_a_thread_timeout_could_not_stop():
    started = time.monotonic()
    outcome = run_limited(extractors.backtrack, 40, limits=LIMITS.with_(timeout_s=1), label="regex")
    assert time.monotonic() - started < 3.0
    assert isinstance(outcome, LimitExceeded)
    assert (outcome.label, outcome.limit, outcome.allowed, outcome.stage) == ("regex", "time", "1 s", "starting")
    # killed and reaped, not left running: any child still alive is a worker waiting for its next call
    assert set(multiprocessing.active_children()) <= workers.idle_processes()


def test_run_limited_stops_an_allocation_past_the_memory_limit():
    outcome = run_limited(extractors.allocate, 2048, limits=LIMITS.with_(memory_mb=1024), label="alloc")
    assert isinstance(outcome, LimitExceeded)
    assert (outcome.limit, outcome.allowed) == ("memory", "1024 MB")


def test_run_limited_allows_what_fits_in_memory():
    assert run_limited(extractors.allocate, 200, limits=LIMITS.with_(memory_mb=1024), label="alloc") == 200 * 2**20


@pytest.mark.parametrize(
    ("function", "args", "error"),
    [
        (extractors.fail, ("no table here",), "ValueError: no table here"),
        (extractors.crash, (), "killed by signal 11"),
    ],
)
def test_run_limited_turns_a_raise_or_a_crash_into_a_value(function, args, error):
    outcome = run_limited(function, *args, limits=LIMITS, label="bad")
    assert isinstance(outcome, ChildFailure)
    assert (outcome.label, outcome.error) == ("bad", error)


def test_waiting_workers_end_with_the_process_that_started_them(tmp_path):
    script = tmp_path / "leaves_a_worker.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys
        sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parents[1])!r}]
        from hostile.extractors import pid
        from pipeline.guard import load_limits, run_limited

        if __name__ == "__main__":
            with open({str(tmp_path / "worker.pid")!r}, "w") as out:
                out.write(str(run_limited(pid, limits=load_limits(), label="x")))
            os._exit(0)   # no clean-up of any kind: as if killed
    """))
    # no pipes to the script: a worker inheriting one would make run() wait for the worker's end
    subprocess.run([sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60, check=True)
    worker = Path(f"/proc/{(tmp_path / 'worker.pid').read_text()}/status")
    deadline = time.monotonic() + 10
    while worker.exists() and "zombie" not in worker.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not worker.exists() or "zombie" in worker.read_text()


def test_a_slow_main_script_is_imported_once_not_once_per_child(tmp_path):
    # Python 3.11's fork server re-runs the main script in every child unless the guard works round it;
    # `python flows.py` imports Prefect, which would cost about a second a file.
    script = tmp_path / "slow_main.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path[:0] = [{str(Path(__file__).parent)!r}, {str(Path(__file__).parents[1])!r}]
        time.sleep(1.0)  # a main script with heavy imports
        from hostile.extractors import sleep_then
        from pipeline.guard import load_limits, run_limited

        if __name__ == "__main__":
            spent = []
            for _ in range(4):
                started = time.monotonic()
                assert run_limited(sleep_then, 0, "ok", limits=load_limits(), label="x") == "ok"
                spent.append(time.monotonic() - started)
            print(" ".join(f"{{s:.3f}}" for s in spent))
    """))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True)
    first, *later = (float(value) for value in result.stdout.split())
    assert first > 1.0          # the server imported the script once
    assert max(later) < 0.5     # the children did not


def test_guarded_extractions_run_side_by_side_from_threads(tmp_path):
    # Prefect's thread pool extracts several returns at once; each call gets its own child and its own answer.
    builds = [builders.table_pdf, builders.table_xlsx, builders.truncated_pdf, builders.encrypted_xlsx,
              builders.table_docx, builders.image_only_pdf, builders.table_csv, builders.entity_bomb_docx]
    paths = []
    for number, builder in enumerate(builds):
        (tmp_path / str(number)).mkdir()
        paths.append(builder(tmp_path / str(number)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        extractions = list(pool.map(guarded, paths))
    assert [(e.kind, [f.code for f in e.findings], len(e.rows)) for e in extractions] == [
        ("table", [], 3), ("table", [], 3), ("unknown", ["corrupt_file"], 0), ("unknown", ["password_protected"], 0),
        ("table", [], 3), ("needs_ocr", ["needs_ocr"], 0), ("table", [], 3), ("unknown", ["xml_entity_bomb"], 0)]


@pytest.mark.parametrize(
    ("builder", "extract", "file_format", "detail_start"),
    [
        (builders.entity_bomb_xlsx, extractors.xlsx_table, "xlsx", "EntitiesForbidden"),
        (builders.entity_bomb_docx, extractors.docx_table, "docx", "XMLSyntaxError: Maximum entity amplification"),
    ],
)
def test_an_entity_bomb_that_got_past_the_precheck_is_still_refused_by_the_parser(tmp_path, builder, extract,
                                                                                  file_format, detail_start):
    # Defence in depth: openpyxl parses through defusedxml, python-docx through lxml's amplification limit.
    outcome = run_limited(guard._extract_checked, builder(tmp_path), FORCE, "west-mercia/response", None, extract,
                          file_format, "", LIMITS, limits=LIMITS, label="bomb")
    assert [(f.code, f.value.startswith(detail_start)) for f in outcome.findings] == [("xml_entity_bomb", True)]


@pytest.mark.parametrize(
    ("builder", "kind", "codes", "rows"),
    [
        (builders.table_pdf, "table", [], 3),
        (builders.table_xlsx, "table", [], 3),
        (builders.table_docx, "table", [], 3),
        (builders.table_csv, "table", [], 3),
        (builders.empty_file, "unknown", ["empty_file"], 0),
        (builders.truncated_pdf, "unknown", ["corrupt_file"], 0),
        (builders.truncated_xlsx, "unknown", ["corrupt_file"], 0),
        (builders.garbled_xlsx, "unknown", ["corrupt_file"], 0),
        (builders.encrypted_pdf, "unknown", ["password_protected"], 0),
        (builders.encrypted_xlsx, "unknown", ["password_protected"], 0),
        (builders.html_as_xls, "unknown", ["unsupported_format"], 0),
        (builders.csv_as_xls, "table", ["extension_mismatch"], 3),
        (builders.docx_as_pdf, "table", ["extension_mismatch"], 3),
        (builders.image_only_pdf, "needs_ocr", ["needs_ocr"], 0),
        (builders.zip_bomb_xlsx, "unknown", ["zip_bomb"], 0),
        (builders.entity_bomb_xlsx, "unknown", ["xml_entity_bomb"], 0),
        (builders.entity_bomb_docx, "unknown", ["xml_entity_bomb"], 0),
        (builders.huge_sheet_xlsx, "unknown", ["too_many_rows"], 0),
        (builders.huge_pdf, "unknown", ["too_many_pages"], 0),
    ],
)
def test_the_pipelines_own_extractor_under_the_guard(tmp_path, builder, kind, codes, rows):
    from pipeline.extract import extract_file

    extraction = guarded(builder(tmp_path), extract=extract_file)
    assert (extraction.kind, [f.code for f in extraction.findings], len(extraction.rows)) == (kind, codes, rows)
    assert all(f.source_file == extraction.source_file for f in extraction.findings)


@pytest.mark.slow
def test_the_guard_changes_nothing_on_the_sample_corpus():
    from pipeline.extract import extract_file

    files = sorted(p for p in (Path(__file__).parents[1] / "raw").glob("*/*")
                   if p.is_file() and p.name != "return.yaml")
    if not files:
        pytest.skip("the sample corpus is not generated (make sample-corpus)")
    for path in files:
        source_file = f"{path.parent.name}/{path.name}"
        direct = extract_file(path, path.parent.name, source_file, None)
        assert guarded_extract(path, path.parent.name, source_file, None, extract_file, LIMITS) == direct


def test_the_child_has_a_cpu_limit_in_case_its_parent_dies_before_the_timeout():
    # each call may use the timeout (rounded up) plus 5 s of CPU from where the worker stands (rounded up to a
    # whole second, as RLIMIT_CPU counts), then SIGXCPU ends it
    for _ in range(2):   # a new worker, then the same one again
        allowance, hard = run_limited(extractors.cpu_allowance, limits=LIMITS.with_(timeout_s=2.5), label="cpu")
        assert 7.5 < allowance < 9.0
        assert hard == resource.RLIM_INFINITY or hard >= 8


def test_a_worker_serves_one_call_after_another_until_it_has_served_its_share(monkeypatch):
    monkeypatch.setattr(workers, "MAX_CALLS", 3)
    fresh = workers.acquire(guard._context(), int(LIMITS.memory_mb * MB), fresh=True)
    workers.release(fresh)   # the next call finds this worker waiting: it has served one call now
    pids = [run_limited(extractors.pid, limits=LIMITS, label="pid") for _ in range(3)]
    assert pids[0] == pids[1] == fresh.process.pid   # reused: no process start per file
    assert pids[2] != pids[1]                        # replaced after MAX_CALLS calls
    assert not fresh.process.is_alive()


def test_a_worker_is_not_reused_after_a_timeout_or_a_crash():
    before = run_limited(extractors.pid, limits=LIMITS, label="pid")
    assert isinstance(run_limited(extractors.backtrack, 40, limits=LIMITS.with_(timeout_s=1), label="regex"),
                      LimitExceeded)
    after_timeout = run_limited(extractors.pid, limits=LIMITS, label="pid")
    assert isinstance(run_limited(extractors.crash, limits=LIMITS, label="crash"), ChildFailure)
    after_crash = run_limited(extractors.pid, limits=LIMITS, label="pid")
    assert len({before, after_timeout, after_crash}) == 3


def test_a_raise_leaves_the_worker_usable():
    before = run_limited(extractors.pid, limits=LIMITS, label="pid")
    assert isinstance(run_limited(extractors.fail, "no table here", limits=LIMITS, label="bad"), ChildFailure)
    assert run_limited(extractors.pid, limits=LIMITS, label="pid") == before


def test_a_memory_failure_in_a_used_worker_is_tried_again_in_a_new_one():
    # the first call in any process fits; a second call in the same process raises MemoryError
    assert run_limited(extractors.memory_error_after_the_first_call, limits=LIMITS, label="m") == "fitted"
    assert run_limited(extractors.memory_error_after_the_first_call, limits=LIMITS, label="m") == "fitted"


def test_a_daemonic_worker_process_can_still_extract_under_the_guard(tmp_path):
    # Dask's worker processes are daemonic, and multiprocessing refuses children to those by default.
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    worker = context.Process(target=extractors.guard_from_a_daemon, args=(str(builders.table_csv(tmp_path)), results),
                             daemon=True)
    worker.start()
    assert results.get(timeout=60) == (True, "table", 3, [])
    worker.join(10)


def test_a_file_that_vanishes_is_a_finding_not_a_traceback(tmp_path):
    extraction = guarded(tmp_path / "response.pdf")
    assert (extraction.kind, [f.code for f in extraction.findings]) == ("unknown", ["extract_failed"])
    assert extraction.findings[0].value.startswith("FileNotFoundError: [Errno 2] No such file or directory")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    extraction = guarded(builders.table_pdf(tmp_path), LIMITS.with_(max_file_mb=0.001))
    assert (extraction.source_sha256, [f.code for f in extraction.findings]) == ("", ["file_too_large"])
    assert extraction.findings[0].message == (
        "west-mercia/response.pdf from west-mercia is 0.0 MB against 0.001 MB, over the limit: check it is the"
        " return, or raise max_file_mb in schemas/limits.yaml.")


def test_closing_the_idle_workers_ends_their_processes_and_the_next_call_starts_a_new_one():
    before = run_limited(extractors.pid, limits=LIMITS, label="pid")
    waiting = workers.idle_processes()
    assert waiting and any(process.pid == before for process in waiting)
    assert workers.close_idle() == len(waiting)
    assert workers.idle_processes() == set()
    assert not any(process.is_alive() for process in waiting)
    assert run_limited(extractors.pid, limits=LIMITS, label="pid") != before
