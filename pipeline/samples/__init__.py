"""The synthetic sample corpus: a deterministic generator of ``raw/`` and its ground truth.

Tests and benchmarks reuse the writers to build single files::

    from pipeline.samples import write_ruled_pdf, write_csv
    from pipeline.samples.generate import generate_corpus   # the whole corpus
"""

from pipeline.samples.office import (
    freeze_zip,
    write_csv,
    write_docx_letter,
    write_docx_table,
    write_xlsx_sheets,
    write_xlsx_table,
)
from pipeline.samples.pdf import write_letter_pdf, write_ruled_pdf, write_unruled_pdf
from pipeline.samples.truth import CaseTruth, CorpusTruth, ForceTruth, read_truth

__all__ = [
    "CaseTruth",
    "CorpusTruth",
    "ForceTruth",
    "freeze_zip",
    "read_truth",
    "write_csv",
    "write_docx_letter",
    "write_docx_table",
    "write_letter_pdf",
    "write_ruled_pdf",
    "write_unruled_pdf",
    "write_xlsx_sheets",
    "write_xlsx_table",
]
