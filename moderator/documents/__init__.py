"""Documents people sign: the minutes (biên bản), the conclusion notice
(thông báo kết luận) and the summary table of recommendations.

Pure functions of plain data (see :mod:`moderator.documents.data`); no Flask,
no database. Each returns the file as bytes.
"""

from .conclusion import build_conclusion_docx
from .data import AttendanceLine, DocIntervention, DocMeeting, Person, StepLine, SummaryRow
from .minutes import build_minutes_docx
from .summary import build_summary_xlsx, build_xlsx_table
from .text import clean_text, redact_phones

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
