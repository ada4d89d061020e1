"""Office files (XLSX, DOCX) with the same bytes for the same content.

openpyxl and python-docx stamp the wall-clock time into every zip entry, and openpyxl's ``save()`` also
overwrites the workbook's modified time with now(). Published files and the sample corpus must be
byte-identical run to run, so both are pinned here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

ZIP_TIME = (2014, 3, 10, 9, 0, 0)


def freeze_zip(path: Path, date_time: tuple[int, ...] = ZIP_TIME) -> None:
    """Rewrite a zip with every entry stamped at one fixed time, in the same order."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in entries:
            frozen = zipfile.ZipInfo(info.filename, date_time=date_time)
            frozen.compress_type = zipfile.ZIP_DEFLATED
            frozen.external_attr = 0o600 << 16
            target.writestr(frozen, content)


def save_workbook(workbook: Workbook, path: Path) -> None:
    """Save keeping the workbook's own created/modified times (``save()`` would put now())."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    freeze_zip(path)
