"""Documents people sign: the minutes (biên bản), the conclusion notice
(thông báo kết luận) and the summary table of recommendations.

Pure functions of plain data (see :mod:`moderator.documents.data`); no Flask,
no database. Each returns the file as bytes.

The builders are imported on first use (PEP 562 ``__getattr__``): python-docx, lxml and openpyxl are ~300 modules
and ~16 MB per server process, and a hall server that never exports should not carry them
(docs/performance.md, issue 14 session 3). Import-cheap here: the data classes, the text helpers, the mimetypes.
"""

from importlib import import_module

from .data import AttendanceLine, DocIntervention, DocMeeting, Person, StepLine, SummaryRow
from .text import clean_text, redact_phones

_LAZY = {
    "build_conclusion_docx": ".conclusion",
    "build_minutes_docx": ".minutes",
    "build_summary_xlsx": ".summary",
    "build_xlsx_table": ".summary",
}

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

__all__ = [
    "AttendanceLine",
    "DocIntervention",
    "DocMeeting",
    "Person",
    "StepLine",
    "SummaryRow",
    "build_conclusion_docx",
    "build_minutes_docx",
    "build_summary_xlsx",
    "build_xlsx_table",
    "clean_text",
    "redact_phones",
    "DOCX_MIMETYPE",
    "XLSX_MIMETYPE",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value
