"""Low-level .docx building shared by the minutes and the conclusion notice.

python-docx is convenient but slow when each run goes through its property
machinery. Here runs are appended as raw ``w:r`` elements and the paragraph
styles are created once per document and passed around as style ids, so a
150-opinion minutes builds in a few tens of milliseconds.

Layout rules followed:

* party documents: Hướng dẫn 36-HD/VPTW (2018) — "ĐẢNG CỘNG SẢN VIỆT NAM" top
  right, 15 pt bold, underlined; issuing body top left, 14 pt bold, the body
  directly above it 14 pt regular, "*" beneath; "Số 05-BB/ĐU" 14 pt; place and
  date 14 pt italic; document type 15 pt bold with its summary 14 pt bold and
  "-----" beneath; "Nơi nhận:" 14 pt underlined, recipients 12 pt.
* state documents: Nghị định 30/2020/NĐ-CP — "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
  13 pt bold, "Độc lập - Tự do - Hạnh phúc" 14 pt bold with a rule as long as
  the line beneath; issuing body 13 pt bold capitals with a short rule beneath;
  "Số: 05/BB-UBND" 13 pt; place and date 14 pt italic; "Nơi nhận:" 12 pt bold
  italic, recipients 11 pt.
* both: A4, margins top 20, bottom 20, left 30, right 15 mm; Times New Roman
  (also as the East-Asian font); body 14 pt justified, first line indented;
  page numbers centred at the top from page 2.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from lxml import etree

from .data import DocMeeting, Person
from .text import clean_text, place_date_line

FONT = "Times New Roman"
BODY_PT = 14

# A4, margins per ND 30 (top/bottom 20-25, left 30-35, right 15-20 mm).
PAGE_W_MM, PAGE_H_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 20, 20, 30, 15
TEXT_W_MM = PAGE_W_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 165 mm
CELL_MARGIN_TW = 108  # Word's default left/right cell margin (0.19 cm)

# Width of the motto in Times New Roman bold 14 pt (measured with Liberation Serif Bold, its metric twin,
# in points), used to draw the rule beneath it exactly as long as the line.
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MOTTO_WIDTH_PT = 162.2  # at 14 pt
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
PARTY_TITLE = "ĐẢNG CỘNG SẢN VIỆT NAM"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_R, _RPR, _T, _BR = qn("w:r"), qn("w:rPr"), qn("w:t"), qn("w:br")
_B, _BCS, _I, _ICS, _U = qn("w:b"), qn("w:bCs"), qn("w:i"), qn("w:iCs"), qn("w:u")
_SZ, _SZCS, _VAL = qn("w:sz"), qn("w:szCs"), qn("w:val")
_P, _PPR, _PSTYLE = qn("w:p"), qn("w:pPr"), qn("w:pStyle")

# Paragraph styles created in every document: id -> settings.
# (alignment, first-line indent cm, space before pt, space after pt, keep with next, size pt)
_J, _C, _L, _RGT = WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT


@dataclass(frozen=True)
class _StyleSpec:
    name: str
    align: object
    indent_cm: float = 0.0
    before: float = 0.0
    after: float = 0.0
    keep_next: bool = False
    size: float | None = None
    bold: bool = False
    line: float = 1.0
    left_cm: float = 0.0


STYLES = {
    "MdBody": _StyleSpec("Md Body", _J, 1.0, 0, 6),
    "MdItem": _StyleSpec("Md Item", _J, 1.0, 0, 3),
    "MdSection": _StyleSpec("Md Section", _J, 1.0, 6, 6, keep_next=True, bold=True),
    "MdLead": _StyleSpec("Md Lead", _J, 1.0, 6, 3, keep_next=True),
    "MdCenter": _StyleSpec("Md Center", _C),
    "MdRight": _StyleSpec("Md Right", _RGT),
    "MdLeft": _StyleSpec("Md Left", _L),
    "MdTitle": _StyleSpec("Md Title", _C, 0, 12, 0, keep_next=True, bold=True),
    "MdSubtitle": _StyleSpec("Md Subtitle", _C, 0, 0, 6, keep_next=True, bold=True),
    "MdRecipient": _StyleSpec("Md Recipient", _L, -0.25, 0, 0, size=11, left_cm=0.25),
    "MdKeep": _StyleSpec("Md Keep", _J, 1.0, 0, 6, keep_next=True),
    "MdRule": _StyleSpec("Md Rule", _C, 0, 0, 0, size=2),
}


class DocBuilder:
    """One document being built. Text passed in must already be cleaned."""

    def __init__(self, doc_format: str):
        if doc_format not in ("party", "state"):
            raise ValueError(f"doc_format must be 'party' or 'state', not {doc_format!r}")
        self.party = doc_format == "party"
        self.doc = Document()
        self._setup_fonts()
        self._setup_page()
        self._setup_styles()
        self.body = self.doc.element.body
        self._sect_pr = self.body.find(qn("w:sectPr"))

    # --- setup -------------------------------------------------------------------

    def _setup_fonts(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_PT)
        _set_rfonts(normal.element.get_or_add_rPr())
        pf = normal.paragraph_format
        pf.space_before = Pt(0)
        pf.space_after = Pt(0)
        pf.line_spacing = 1.0
        # Document defaults too: the template points them at theme fonts, which
        # Word would otherwise use for East-Asian / complex-script ranges.
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr_default = defaults.find(qn("w:rPrDefault"))
            if rpr_default is not None:
                rpr = rpr_default.find(qn("w:rPr"))
                if rpr is not None:
                    _set_rfonts(rpr)
                    lang = rpr.find(qn("w:lang"))
                    if lang is None:
                        lang = OxmlElement("w:lang")
                        rpr.append(lang)
                    lang.set(qn("w:val"), "vi-VN")
                    lang.set(qn("w:eastAsia"), "vi-VN")
        # The template's table style "Normal Table" and others inherit Normal.
        core = self.doc.core_properties
        core.author = ""
        core.last_modified_by = ""
        core.comments = ""

    def _setup_page(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width = Mm(PAGE_W_MM)
        section.page_height = Mm(PAGE_H_MM)
        section.top_margin = Mm(MARGIN_TOP_MM)
        section.bottom_margin = Mm(MARGIN_BOTTOM_MM)
        section.left_margin = Mm(MARGIN_LEFT_MM)
        section.right_margin = Mm(MARGIN_RIGHT_MM)
        section.header_distance = Mm(10)
        section.footer_distance = Mm(10)
        # Page number centred at the top, from the second page on.
        section.different_first_page_header_footer = True
        p = section.header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _add_page_field(p._p)

    def _setup_styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        for style_id, spec in STYLES.items():
            st = styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
            st.element.set(qn("w:styleId"), style_id)
            st.base_style = normal
            st.quick_style = False
            pf = st.paragraph_format
            pf.alignment = spec.align
            pf.first_line_indent = Cm(spec.indent_cm) if spec.indent_cm else None
            if spec.left_cm:
                pf.left_indent = Cm(spec.left_cm)
            pf.space_before = Pt(spec.before)
            pf.space_after = Pt(spec.after)
            pf.line_spacing = spec.line
            pf.widow_control = True
            if spec.keep_next:
                pf.keep_with_next = True
            if spec.size:
                st.font.size = Pt(spec.size)
            if spec.bold:
                st.font.bold = True

    # --- paragraphs and runs -----------------------------------------------------

    def para(self, style_id: str, *runs, parent=None) -> etree._Element:
        """Append a paragraph of ``style_id`` made of ``runs``.

        Each run is a str or a tuple ``(text, fmt)`` where fmt is a string of
        flags: "b" bold, "i" italic, "u" underline, and optionally a size as
        ``"b:15"``. Returns the ``w:p`` element.
        """
        if parent is None:
            p = OxmlElement("w:p")
            self._sect_pr.addprevious(p)
        else:
            p = etree.SubElement(parent, _P)
        ppr = etree.SubElement(p, _PPR)
        etree.SubElement(ppr, _PSTYLE).set(_VAL, style_id)
        for run in runs:
            if isinstance(run, str):
                add_run(p, run)
            else:
                add_run(p, run[0], run[1])
        return p

    def blank(self, parent=None, size: float | None = None, style_id: str = "MdLeft") -> etree._Element:
        p = self.para(style_id, parent=parent)
        if size:
            # an empty paragraph takes its height from the paragraph mark
            rpr = OxmlElement("w:rPr")
            sz = etree.SubElement(rpr, _SZ)
            sz.set(_VAL, str(int(size * 2)))
            p.find(_PPR).append(rpr)
        return p

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    # --- tables --------------------------------------------------------------------

    def table(self, widths_mm: list[float], rows: int = 1):
        """A borderless, fixed-layout table; returns a list of rows of ``w:tc``
        elements, each emptied so that paragraphs can be appended with
        ``para(..., parent=cell)``."""
        table = self.doc.add_table(rows=rows, cols=len(widths_mm))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        tbl = table._tbl
        tblPr = tbl.tblPr
        tblW = tblPr.find(qn("w:tblW"))
        if tblW is None:
            tblW = OxmlElement("w:tblW")
            tblPr.append(tblW)
        tblW.set(qn("w:w"), str(int(Mm(sum(widths_mm)).twips)))
        tblW.set(qn("w:type"), "dxa")
        borders = OxmlElement("w:tblBorders")
        for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
            el = OxmlElement(f"w:{edge}")
            el.set(qn("w:val"), "nil")
            borders.append(el)
        tblPr.insert_element_before(
            borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription"
        )
        for col, w in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_mm):
            col.set(qn("w:w"), str(int(Mm(w).twips)))
        out = []
        for row in table.rows:
            cells = []
            for cell, w in zip(row.cells, widths_mm):
                cell.width = Mm(w)
                tc = cell._tc
                for p in tc.findall(_P):
                    tc.remove(p)
                cells.append(tc)
            out.append(cells)
        return out

    # --- shared blocks -------------------------------------------------------------

    def heading(self, meeting: DocMeeting, number: str) -> None:
        """The top-of-page block: issuing body and number left, national or
        Party title and place/date right (HD 36 / ND 30)."""
        date_line = place_date_line(meeting.place_name, meeting.meeting_date)
        organiser = split_body_name(clean_text(meeting.organiser).upper()) or "……………"
        parent_body = clean_text(meeting.parent_body).upper()
        # ``number`` comes cleaned by the caller; its leading spaces are the
        # blank left for the number to be written in when the text is issued.
        if self.party:
            left_w, right_w = 75.0, TEXT_W_MM - 75.0
            (l0, r0), (l1, r1) = self.table([left_w, right_w], rows=2)
            if parent_body:
                self.para("MdCenter", (parent_body, "14"), parent=l0)
            self.para("MdCenter", (organiser, "b:14"), parent=l0)
            self.para("MdCenter", ("*", "14"), parent=l0)
            self.para("MdCenter", (PARTY_TITLE, "bu:15"), parent=r0)
            self.para("MdCenter", (f"Số {number}", "14"), parent=l1)
            self.para("MdRight", (date_line, "i:14"), parent=r1)
        else:
            left_w, right_w = 63.0, TEXT_W_MM - 63.0
            (l0, r0), (l1, r1) = self.table([left_w, right_w], rows=2)
            if parent_body:
                self.para("MdCenter", (parent_body, "13"), parent=l0)
            self.para("MdCenter", (organiser, "b:13"), parent=l0)
            self._rule(l0, left_w, 25.0)
            self.para("MdCenter", (NATIONAL_TITLE, "b:13"), parent=r0)
            self.para("MdCenter", (MOTTO, "b:14"), parent=r0)
            self._rule(r0, right_w, MOTTO_WIDTH_PT * 25.4 / 72)
            self.para("MdCenter", (f"Số: {number}", "13"), parent=l1)
            self.para("MdCenter", (date_line, "i:14"), parent=r1)

    def _rule(self, cell, cell_w_mm: float, rule_w_mm: float) -> None:
        """A centred horizontal rule ``rule_w_mm`` long: an empty paragraph with
        a bottom border, indented from both sides."""
        p = self.para("MdRule", parent=cell)
        ppr = p.find(_PPR)
        pbdr = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        bottom.set(qn("w:val"), "single")
        bottom.set(qn("w:sz"), "6")
        bottom.set(qn("w:space"), "1")
        bottom.set(qn("w:color"), "auto")
        pbdr.append(bottom)
        ppr.append(pbdr)
        inner_tw = Mm(cell_w_mm).twips - 2 * CELL_MARGIN_TW
        side = max(0, int((inner_tw - Mm(rule_w_mm).twips) / 2))
        ind = OxmlElement("w:ind")
        ind.set(qn("w:left"), str(side))
        ind.set(qn("w:right"), str(side))
        ppr.append(ind)

    def title(self, doc_type: str, subtitle: str) -> None:
        """"BIÊN BẢN" / "THÔNG BÁO KẾT LUẬN" and the summary line beneath."""
        self.para("MdTitle", (doc_type, "b:15" if self.party else "b:14"))
        self.para("MdSubtitle" if not self.party else "MdCenter", (subtitle, "b:14"))
        if self.party:
            self.para("MdSubtitle", ("-----", "14"))

    def keep_together(self, rows) -> None:
        """Keep the rows of a small table on one page (signature blocks)."""
        for cells in rows:
            tr = cells[0].getparent()
            trpr = tr.find(qn("w:trPr"))
            if trpr is None:
                trpr = OxmlElement("w:trPr")
                tr.insert(0, trpr) if tr.find(qn("w:tblPrEx")) is None else tr.insert(1, trpr)
            trpr.append(OxmlElement("w:cantSplit"))

    def signatures(self, left: tuple[list[str], str | None] | None, right: tuple[list[str], str | None],
                   *, sign_hint: bool) -> None:
        """Two-column signature block. Each side is (caption lines, name)."""
        half = TEXT_W_MM / 2
        rows = self.table([half, half], rows=1)
        self.keep_together(rows)
        ((lc, rc),) = rows
        for cell, side in ((lc, left), (rc, right)):
            if side is None:
                self.blank(parent=cell)
                continue
            captions, name = side
            for line in captions:
                self.para("MdCenter", (line, "b"), parent=cell)
            if sign_hint:
                self.para("MdCenter", ("(Ký, ghi rõ họ tên)", "i"), parent=cell)
            for _ in range(4):
                self.blank(parent=cell)
            self.para("MdCenter", (name or "", "b"), parent=cell)

    def recipients_and_signature(self, recipients: list[str], captions: list[str], name: str) -> None:
        """Bottom block of an issued document: "Nơi nhận:" left, signature right."""
        left_w = 75.0
        rows = self.table([left_w, TEXT_W_MM - left_w], rows=1)
        self.keep_together(rows)
        ((lc, rc),) = rows
        if self.party:
            self.para("MdLeft", ("Nơi nhận:", "u:14"), parent=lc)
            item_size = "12"
            closing = ","
        else:
            self.para("MdLeft", ("Nơi nhận:", "bi:12"), parent=lc)
            item_size = "11"
            closing = ";"
        items = [clean_text(r, multiline=False) for r in recipients]
        items = [i.lstrip("-–• ").rstrip(",;.") for i in items if i.strip("-–• ")]
        if not any(i.lower().startswith("lưu") for i in items):
            items.append("Lưu: VT." if not self.party else "Lưu Văn phòng.")
        for k, item in enumerate(items):
            last = k == len(items) - 1
            end = "" if item.endswith(".") else ("." if last else closing)
            self.para("MdRecipient", (f"- {item}{end}", item_size), parent=lc)
        for line in captions:
            self.para("MdCenter", (line, "b"), parent=rc)
        for _ in range(4):
            self.blank(parent=rc)
        self.para("MdCenter", (name, "b"), parent=rc)


# --- raw XML helpers -------------------------------------------------------------

_FMT_CACHE: dict[str, tuple[bool, bool, bool, str | None]] = {}


def _parse_fmt(fmt: str) -> tuple[bool, bool, bool, str | None]:
    cached = _FMT_CACHE.get(fmt)
    if cached is None:
        flags, _, size = fmt.partition(":")
        if not size and flags.replace(".", "").isdigit():
            flags, size = "", flags
        half_points = str(int(float(size) * 2)) if size else None
        cached = ("b" in flags, "i" in flags, "u" in flags, half_points)
        _FMT_CACHE[fmt] = cached
    return cached


def add_run(p: etree._Element, text: str, fmt: str = "") -> None:
    """Append a ``w:r`` with ``text`` to paragraph element ``p``; ``\\n``
    becomes a line break. ``fmt``: see :meth:`DocBuilder.para`."""
    r = etree.SubElement(p, _R)
    if fmt:
        bold, italic, underline, size = _parse_fmt(fmt)
        rpr = etree.SubElement(r, _RPR)
        if bold:
            etree.SubElement(rpr, _B)
            etree.SubElement(rpr, _BCS)
        if italic:
            etree.SubElement(rpr, _I)
            etree.SubElement(rpr, _ICS)
        if size:
            etree.SubElement(rpr, _SZ).set(_VAL, size)
            etree.SubElement(rpr, _SZCS).set(_VAL, size)
        if underline:
            etree.SubElement(rpr, _U).set(_VAL, "single")
    if "\n" in text:
        for k, part in enumerate(text.split("\n")):
            if k:
                etree.SubElement(r, _BR)
            if part:
                t = etree.SubElement(r, _T)
                t.text = part
                t.set(_XML_SPACE, "preserve")
    elif text:
        t = etree.SubElement(r, _T)
        t.text = text
        t.set(_XML_SPACE, "preserve")


def _set_rfonts(rpr) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        key = qn(attr)
        if key in rfonts.attrib:
            del rfonts.attrib[key]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)


def _add_page_field(p) -> None:
    """Append a PAGE field to paragraph element ``p``."""
    def run_with(child):
        r = OxmlElement("w:r")
        r.append(child)
        p.append(r)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(_XML_SPACE, "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    t = OxmlElement("w:t")
    t.text = "2"
    run_with(t)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


# Long names of state bodies break after their kind, as documents print them:
# "ỦY BAN NHÂN DÂN" / "XÃ GIAO MINH".
_BODY_KINDS = (
    "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM",
    "ỦY BAN NHÂN DÂN",
    "UỶ BAN NHÂN DÂN",
    "HỘI ĐỒNG NHÂN DÂN",
    "BAN THƯỜNG VỤ",
    "BAN CHẤP HÀNH",
)


def split_body_name(name: str) -> str:
    """Put a line break after a body's kind in a long name, unless the caller
    already chose where to break (a line break in the name)."""
    if "\n" in name or len(name) <= 22:
        return name
    for kind in _BODY_KINDS:
        if name.startswith(kind + " "):
            return kind + "\n" + name[len(kind) + 1:]
    return name


BLANK_NUMBER = "      "


def doc_number(number: str, kind: str, party: bool) -> str:
    """The number and symbol as given, or a blank to fill in by hand:
    "      -BB/……" (party) or "      /BB-……" (state)."""
    if number.strip():
        return number.strip()
    return f"{BLANK_NUMBER}-{kind}/……" if party else f"{BLANK_NUMBER}/{kind}-……"


def person_line(person: Person | None, prefix: str = "Đồng chí") -> str:
    """"Đồng chí Vũ Xuân Thủy, Bí thư Đảng ủy xã" (cleaned)."""
    if person is None:
        return ""
    name = clean_text(person.name, multiline=False)
    title = clean_text(person.title, multiline=False)
    if prefix and name and not _has_honorific(name):
        name = f"{prefix} {name}"
    return f"{name}, {title}" if title else name


_HONORIFICS = ("ông ", "bà ", "anh ", "chị ", "đồng chí ", "đ/c ", "cụ ", "em ")


def _has_honorific(name: str) -> bool:
    low = name.lower()
    return low.startswith(_HONORIFICS)


def has_honorific(name: str) -> bool:
    return _has_honorific(name)
