"""Untrusted files, read safely: what a file really is, checks before a parser opens it, parsing in a child.

Returns arrive by email from 43 offices: empty, truncated, password-protected, renamed, scanned, zip bombs.
``guarded_extract`` turns every one of them into a ``FileExtraction`` with an error ``Finding`` that names the
force, the file and what to do; it never raises. Parsing runs in a child process (a reused worker,
``pipeline.workers``) with an address-space limit and a wall-clock timeout enforced by the parent, because a
thread cannot interrupt pdfminer or lxml.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import logging
import math
import multiprocessing
import os
import re
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import spawn
from pathlib import Path
from typing import Any, TypeVar

import yaml

from pipeline import workers
from pipeline.records import FileExtraction, Finding
from pipeline.workers import report_stage

T = TypeVar("T")
LIMITS_FILE = Path(__file__).resolve().parents[1] / "schemas" / "limits.yaml"
MB = 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# What each extension promises; a file whose true format is not in its set gets an ``extension_mismatch``.
EXTENSION_FORMATS = {
    ".pdf": {"pdf"}, ".xlsx": {"xlsx"}, ".xlsm": {"xlsx"}, ".docx": {"docx"}, ".xls": {"xls"},
    ".doc": {"doc"}, ".csv": {"csv", "text"}, ".txt": {"text", "csv"}, ".tsv": {"csv", "text"},
}
# True formats an extractor can read once the file carries the right extension.
READABLE_AS = {"pdf": ".pdf", "xlsx": ".xlsx", "docx": ".docx", "xls": ".xls", "csv": ".csv", "text": ".txt"}
FORMAT_NAMES = {
    "pdf": "a PDF", "xlsx": "an Excel workbook (XLSX)", "docx": "a Word document (DOCX)",
    "ooxml_encrypted": "an encrypted Office file", "xls": "an old Excel workbook (XLS)",
    "doc": "an old Word document (DOC)", "ole_other": "an OLE container that is neither Excel nor Word",
    "html": "an HTML page", "xml_spreadsheet": "an Excel 2003 XML spreadsheet", "csv": "a CSV table", "text": "plain text", "zip_other": "a zip archive",
    "empty": "empty", "unknown": "of an unknown format",
}


@dataclass(frozen=True)
class Limits:
    """How far one file may go; loaded from ``schemas/limits.yaml`` and checked on creation."""

    max_file_mb: float
    timeout_s: float
    memory_mb: float
    max_zip_members: int
    max_zip_uncompressed_mb: float
    max_zip_ratio: float
    zip_ratio_applies_above_mb: float
    max_pdf_pages: int
    max_sheet_rows: int
    messages: dict[str, str] = dataclasses.field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name != "messages" and not (isinstance(value, int | float) and value > 0):
                raise ValueError(f"limits: {field.name} must be a positive number, got {value!r}")

    def with_(self, **changes: Any) -> Limits:
        return dataclasses.replace(self, **changes)

    def message(self, code: str, file: str, force: str, detail: str = "") -> str:
        template = self.messages.get(code, "{file} from {force}: " + code + " ({detail})")
        return template.format(file=file, force=force, detail=detail)


@dataclass(frozen=True)
class LimitExceeded:
    """A child process stopped at a limit: which one, the allowance, and how far it had got."""

    label: str
    limit: str            # "time" | "memory"
    allowed: str          # "60 s" | "1536 MB"
    elapsed_s: float
    stage: str            # the last stage the child reported ("counting pages", "extracting" ...)


@dataclass(frozen=True)
class ChildFailure:
    """A child process raised or died without a result (an extractor bug, a crash in C code)."""

    label: str
    error: str            # "ValueError: ..." or "killed by signal 11"
    stage: str
    elapsed_s: float


def load_limits(path: Path | None = None) -> Limits:
    """Read the limits file; an unknown or missing key is an error naming it."""
    return _limits_from_text((path or LIMITS_FILE).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=4)
def _limits_from_text(text: str) -> Limits:
    """Parsed once per content: every file's guard asks for the limits (YAML parsing ~7 ms a time)."""
    raw = yaml.safe_load(text) or {}
    known = {field.name for field in dataclasses.fields(Limits)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"limits: unknown keys {unknown}; allowed: {sorted(known)}")
    missing = sorted(known - set(raw) - {"messages"})
    if missing:
        raise ValueError(f"limits: missing keys {missing}")
    return Limits(**raw)


# --- What a file really is -------------------------------------------------------------------------


def sniff_format(path: Path) -> str:
    """The true format from magic bytes and content, whatever the extension says."""
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    if not head:
        return "empty"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(ZIP_MAGICS):
        return _sniff_zip(path, head)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(path)
    return _sniff_text(head)


def _sniff_zip(path: Path, head: bytes) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        # A truncated container has no central directory: read the part names from the local headers.
        names = {name.decode("cp437") for name in re.findall(rb"PK\x03\x04.{26}([\x20-\x7e]+?)(?=[^\x20-\x7e]|$)",
                                                              head, re.DOTALL)}
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    if any(name.startswith("word/") for name in names):
        return "docx"
    return "zip_other"


def _sniff_ole(path: Path) -> str:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
    except (OSError, ValueError, IndexError):
        return "ole_other"
    if "EncryptedPackage" in streams:
        return "ooxml_encrypted"
    if streams & {"Workbook", "Book"}:
        return "xls"
    if "WordDocument" in streams:
        return "doc"
    return "ole_other"


def _sniff_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" export, often named .xls
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    elif b"\x00" in head:
        return "unknown"
    else:
        try:
            text = head.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = head.decode("cp1252", errors="replace")
    start = text.lstrip()[:512].lower()
    if start.startswith(("<!doctype html", "<html", "<table", "<meta")) or "<html" in start:
        return "html"
    if start.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text[:4096].lower():
        return "xml_spreadsheet"
    if start.startswith(("<?xml", "{\\rtf")):
        return "unknown"
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) >= 2:
        try:
            dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
        except csv.Error:
            dialect = None
        if dialect is not None:
            widths = {len(row) for row in csv.reader(lines, dialect)}
            if len(widths) == 1 and widths.pop() >= 2:
                return "csv"
    return "text"


# --- Checks before any parser opens the file ---------------------------------------------------------


def precheck(path: Path, limits: Limits, force_id: str = "", source_file: str = "") -> Finding | None:
    """The first problem found without parsing: an error, or a warning that the extension lies, or None."""
    source_file = source_file or path.name
    true_format = sniff_format(path)

    def finding(code: str, detail: str = "", severity: str = "error") -> Finding:
        return Finding(severity, code, limits.message(code, source_file, force_id or "?", detail),
                       force_id=force_id, source_file=source_file, value=true_format)

    size = path.stat().st_size
    if size > limits.max_file_mb * MB:
        return finding("file_too_large", f"{size / MB:.1f} MB against {limits.max_file_mb:g} MB")
    if true_format == "empty":
        return finding("empty_file")
    if true_format == "ooxml_encrypted" or (true_format in {"xls", "doc"} and _ole_encrypted(path)):
        return finding("password_protected")
    if true_format in {"xlsx", "docx", "zip_other"}:
        problem = _zip_problem(path, limits)
        if problem:
            return finding(*problem)
    expected = EXTENSION_FORMATS.get(path.suffix.lower())
    if true_format in {"unknown", "zip_other", "ole_other"} and expected:
        return finding("corrupt_file", f"its bytes are not {FORMAT_NAMES[min(expected)]}")
    if true_format not in READABLE_AS:
        return finding("unsupported_format", FORMAT_NAMES[true_format])
    if expected is not None and true_format not in expected:
        return finding("extension_mismatch", FORMAT_NAMES[true_format], severity="warning")
    return None


def _ole_encrypted(path: Path) -> bool:
    import msoffcrypto

    try:
        with open(path, "rb") as handle:
            return bool(msoffcrypto.OfficeFile(handle).is_encrypted())
    except Exception:  # noqa: BLE001 - a damaged OLE file is found out by its parser, in the child
        return False


def _zip_problem(path: Path, limits: Limits) -> tuple[str, str] | None:
    """Members, expanded size, ratio, DTDs and rows, read from the zip directory and streamed part heads."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_zip_members:
                return "zip_bomb", f"{len(members)} parts against {limits.max_zip_members}"
            expanded = sum(member.file_size for member in members)
            if expanded > limits.max_zip_uncompressed_mb * MB:
                return "zip_bomb", f"{expanded / MB:.0f} MB uncompressed against {limits.max_zip_uncompressed_mb:g} MB"
            ratio = expanded / max(path.stat().st_size, 1)
            if expanded > limits.zip_ratio_applies_above_mb * MB and ratio > limits.max_zip_ratio:
                return "zip_bomb", f"compression ratio {ratio:.0f} against {limits.max_zip_ratio:g}"
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as part:
                        part_head = part.read(4096)
                    if b"<!DOCTYPE" in part_head or b"<!ENTITY" in part_head:
                        return "xml_entity_bomb", f"a DTD in {member.filename}"
            for member in members:
                if re.fullmatch(r"xl/worksheets/[^/]+\.xml", member.filename):
                    rows = _count_rows(archive, member)
                    if rows > limits.max_sheet_rows:
                        return "too_many_rows", f"{rows} rows in {member.filename} against {limits.max_sheet_rows}"
    except Exception as error:  # noqa: BLE001 - BadZipFile, zlib.error, EOFError ...: all mean a damaged file
        return "corrupt_file", f"{type(error).__name__}: {error}"
    return None


def _count_rows(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> int:
    """Row elements in a worksheet, counted in the stream (its expanded size was checked already)."""
    rows, tail = 0, b""
    with archive.open(member) as part:
        while chunk := part.read(MB):
            block = tail + chunk
            rows += len(re.findall(rb"<(?:\w+:)?row[\s>]", block))
            tail = block[-16:]
            rows -= len(re.findall(rb"<(?:\w+:)?row[\s>]", tail))
    return rows + len(re.findall(rb"<(?:\w+:)?row[\s>]", tail))


# --- Parsing in a child process with limits ---------------------------------------------------------

_MAIN_ENV = "FOI_GUARD_MAIN"


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: a clean single-threaded parent for every child (safe under Prefect's threads), with the
    # heavy parsers imported once in the server instead of once per file.
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    main_path = spawn.get_preparation_data("guard").get("init_main_from_path")
    if main_path:
        os.environ[_MAIN_ENV] = f"{os.getpid()}:{main_path}"
    context.set_forkserver_preload(["pipeline.guard", "pipeline.records", "pdfplumber", "openpyxl", "docx"])
    return context


def _in_fork_server() -> bool:
    """True while this module is being imported as a preload of multiprocessing's fork server."""
    return sys.argv == ["-c"] and "multiprocessing.forkserver" in sys.modules


def _import_main_in_fork_server() -> None:
    """Import the parent's main script once in the fork server, so that its children need not.

    Python 3.11's fork server is meant to do this for a ``__main__`` preload, but ``ensure_running`` asks the
    preparation data for a ``main_path`` key it never has; every child then re-runs the main script (about
    1 s a file under ``python flows.py``, which imports Prefect). The parent names its script in an
    environment variable; only a fork server started by that parent acts on it.
    """
    parent, _, main_path = os.environ.get(_MAIN_ENV, "").partition(":")
    if (main_path and parent == str(os.getppid()) and _in_fork_server()
            and sys.modules["__main__"].__dict__.get("__file__") is None):
        multiprocessing.process.current_process()._inheriting = True
        try:
            spawn.import_main_path(main_path)
        except Exception:  # noqa: BLE001, S110 - then each child imports it, and fails, as without this
            pass
        finally:
            del multiprocessing.process.current_process()._inheriting


def run_limited(fn: Callable[..., T], *args: Any, limits: Limits, label: str) -> T | LimitExceeded | ChildFailure:
    """``fn(*args)`` in a worker process under ``limits.timeout_s`` and ``limits.memory_mb``.

    Returns the result, a ``LimitExceeded`` (time: the parent killed the worker; memory: an allocation
    failed under RLIMIT_AS), or a ``ChildFailure`` (the call raised, or the worker died by a signal). ``fn``,
    its arguments and its result must pickle. A memory failure in a worker that had served other calls is
    tried once more in a new one, so that a file is never blamed for what earlier files left in the heap.
    """
    outcome, reused = _run_in_worker(fn, args, limits, label, fresh=False)
    if reused and isinstance(outcome, LimitExceeded) and outcome.limit == "memory":
        outcome, _ = _run_in_worker(fn, args, limits, label, fresh=True)
    return outcome


def _run_in_worker(fn: Callable, args: tuple, limits: Limits, label: str, fresh: bool) -> tuple[Any, bool]:
    """The call's outcome, and whether the worker had served calls before it."""
    started = time.monotonic()
    try:
        worker = workers.acquire(_context(), int(limits.memory_mb * MB), fresh=fresh)
    except (OSError, AssertionError, ValueError) as error:
        return ChildFailure(label, f"could not start a child process ({type(error).__name__}: {error})",
                            "starting", 0.0), False
    reused = worker.calls > 0
    try:
        worker.conn.send((fn, args, math.ceil(limits.timeout_s) + 5))
    except Exception as error:  # noqa: BLE001 - pickling fn or its arguments failed: nothing was sent
        workers.release(worker)
        return ChildFailure(label, f"could not start a child process ({type(error).__name__}: {error})",
                            "starting", 0.0), reused
    stage = "starting"
    while True:
        remaining = started + limits.timeout_s - time.monotonic()
        if remaining <= 0 or not worker.conn.poll(remaining):
            workers.kill(worker)
            return LimitExceeded(label, "time", f"{limits.timeout_s:g} s", round(time.monotonic() - started, 3),
                                 stage), reused
        try:
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            break
        except BaseException:
            workers.kill(worker)          # a result this process cannot read: the worker's stream is suspect
            raise
        if kind == "stage":
            stage = payload
        elif kind == "ok":
            workers.release(worker)
            return payload, reused
        elif kind == "memory":
            workers.reap(worker)
            return LimitExceeded(label, "memory", f"{limits.memory_mb:g} MB", round(time.monotonic() - started, 3),
                                 stage), reused
        else:
            workers.release(worker)
            return ChildFailure(label, payload, stage, round(time.monotonic() - started, 3)), reused
    exitcode = workers.reap(worker)
    signal_note = f"killed by signal {-exitcode}" if (exitcode or 0) < 0 else f"exit {exitcode}"
    return ChildFailure(label, signal_note, stage, round(time.monotonic() - started, 3)), reused


# --- The whole guard around one extractor -----------------------------------------------------------

# Exception class names (anywhere in the chain and its MRO) -> finding code.
_ERROR_CODES = (
    ({"PDFPasswordIncorrect", "PDFEncryptionError", "InvalidKeyError", "DecryptionError"}, "password_protected"),
    ({"DefusedXmlException", "EntitiesForbidden", "DTDForbidden"}, "xml_entity_bomb"),
    ({"PSEOF", "PSSyntaxError", "PDFSyntaxError", "PDFNoValidXRef", "PDFTypeError", "PDFKeyError", "BadZipFile",
      "EOFError", "XMLSyntaxError", "ParseError", "ExpatError", "RecursionError", "InvalidFileException",
      "PdfiumError"}, "corrupt_file"),
)


# Where a library fails on a file, the file is damaged; where our own code fails, it is our bug.
_PARSER_PACKAGES = ("pdfminer", "pdfplumber", "pypdfium2", "openpyxl", "docx", "lxml", "xml", "zipfile", "zlib",
                    "defusedxml", "xlrd", "olefile", "msoffcrypto", "PIL", "et_xmlfile", "csv", "encodings")


def classify_error(error: BaseException) -> tuple[str, str]:
    """(finding code, detail) for an exception raised while parsing, judged by its whole cause chain.

    pdfplumber wraps every pdfminer failure in one ``PdfminerException``, so the cause decides; an error of
    no known type raised inside a parser library still means the library choked on the file.
    """
    chain, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        chain.append(error)
        error = error.__cause__ or error.__context__

    def describe(link: BaseException) -> str:
        return f"{type(link).__name__}: {link}".strip().rstrip(":")[:200]

    for link in chain:  # lxml (python-docx) refuses entity expansion with a syntax error that says so
        if type(link).__name__ == "XMLSyntaxError" and re.search(r"amplification|entity reference loop", str(link)):
            return "xml_entity_bomb", describe(link)
    for class_names, code in _ERROR_CODES:
        for link in chain:  # the typed error tells more than the wrapper pdfplumber puts around it
            if {klass.__name__ for klass in type(link).__mro__} & class_names:
                return code, describe(link)
    if any(_raised_in_parser(link) for link in chain):
        return "corrupt_file", describe(chain[0])
    return "extract_failed", describe(chain[0])


def _raised_in_parser(error: BaseException) -> bool:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return False
    parts = Path(frames[-1].filename).parts
    return any(package in parts or f"{package}.py" in parts for package in _PARSER_PACKAGES)


def _error_extraction(force_id: str, source_file: str, sha256: str, file_format: str, limits: Limits,
                      code: str, detail: str = "", kind: str = "unknown") -> FileExtraction:
    message = limits.message(code, source_file, force_id, detail)
    return FileExtraction(force_id, source_file, sha256, file_format, kind=kind,
                          findings=[Finding("error", code, message, force_id=force_id, source_file=source_file,
                                            value=detail)])


def _extract_checked(path: Path, force_id: str, source_file: str, hints: dict | None, extract: Callable,
                     file_format: str, sha256: str, limits: Limits) -> FileExtraction:
    """Runs in the child: page limit, the extractor, and the text-layer test for a PDF that gave nothing."""
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # a damaged file's warnings become our finding
    try:
        if file_format == "pdf":
            report_stage("counting pages")
            pages = _pdf_page_count(path)
            if pages > limits.max_pdf_pages:
                return _error_extraction(force_id, source_file, sha256, file_format, limits, "too_many_pages",
                                         f"{pages} pages against {limits.max_pdf_pages}")
        report_stage("extracting")
        result = extract(path, force_id, source_file, hints)
        if file_format == "pdf" and not result.rows and result.kind in {"unknown", "table"}:
            report_stage("checking the text layer")
            has_text, has_images = _pdf_text_and_images(path)
            if not has_text:
                code, kind = ("needs_ocr", "needs_ocr") if has_images else ("no_text", result.kind)
                result.kind = kind
                result.findings.extend(
                    _error_extraction(force_id, source_file, sha256, file_format, limits, code).findings)
        return result
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - every parser failure becomes a finding
        code, detail = classify_error(error)
        return _error_extraction(force_id, source_file, sha256, file_format, limits, code, detail)


def _pdf_page_count(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


def _pdf_text_and_images(path: Path) -> tuple[bool, bool]:
    """Whether any page has a character of text, and whether any has an image (a scan has only images)."""
    import pdfplumber

    has_images = False
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            if any(char["text"].strip() for char in page.chars):
                return True, True
            has_images = has_images or bool(page.images)
            page.close()
    return False, has_images


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


def guarded_extract(path: Path, force_id: str, source_file: str, hints: dict | None,
                    extract: Callable[[Path, str, str, dict | None], FileExtraction],
                    limits: Limits | None = None) -> FileExtraction:
    """Sniff, pre-check, then ``extract`` in a limited child. Always a ``FileExtraction``, never an exception."""
    limits = limits or load_limits()
    try:
        return _guarded_extract(Path(path), force_id, source_file, hints, extract, limits)
    except Exception as error:  # noqa: BLE001 - the guard's own failure must not cost the other forces
        return _error_extraction(force_id, source_file, "", "unknown", limits, "extract_failed",
                                 f"{type(error).__name__}: {error}")


def _guarded_extract(path: Path, force_id: str, source_file: str, hints: dict | None, extract: Callable,
                     limits: Limits) -> FileExtraction:
    true_format = sniff_format(path)
    warning = precheck(path, limits, force_id, source_file)
    too_large = warning is not None and warning.code == "file_too_large"
    sha256 = "" if too_large else file_sha256(path)  # hashing a runaway file would be the slow part
    if warning is not None and warning.severity == "error":
        return FileExtraction(force_id, source_file, sha256, true_format, findings=[warning])
    with tempfile.TemporaryDirectory(prefix="foi-guard-") as scratch:
        readable = path
        if warning is not None:  # the extension lies: let the extractor see the file as what it is
            readable = Path(scratch) / (path.stem + READABLE_AS[true_format])
            readable.symlink_to(path.resolve())
        outcome = run_limited(_extract_checked, readable, force_id, source_file, hints, extract, true_format,
                              sha256, limits, limits=limits, label=source_file)
    if isinstance(outcome, LimitExceeded):
        code = "time_limit" if outcome.limit == "time" else "memory_limit"
        detail = f"stopped at {outcome.allowed} after {outcome.elapsed_s:.1f} s while {outcome.stage}"
        return _error_extraction(force_id, source_file, sha256, true_format, limits, code, detail)
    if isinstance(outcome, ChildFailure):
        return _error_extraction(force_id, source_file, sha256, true_format, limits, "parser_crashed",
                                 f"{outcome.error}, while {outcome.stage}")
    if warning is not None:
        outcome.findings.insert(0, warning)
    return outcome


def _warm_fork_server() -> None:
    """In the fork server only: import the extractors and load their data once for every child to inherit."""
    if _in_fork_server():
        try:
            from pipeline.extract import warm

            warm()
        except Exception:  # noqa: BLE001, S110 - then each child loads them itself, as without this
            pass


_import_main_in_fork_server()
_warm_fork_server()
