"""Hostile spreadsheets, made here (nothing downloaded): each is small on the wire and costly to parse naively."""
from __future__ import annotations

import io
import os
import zipfile

from openpyxl import Workbook

from tests.admin.helpers import xlsx

HEADER = ["Họ và tên", "Nội dung kiến nghị"]


def _with_sheet(sheet_xml_parts, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A real workbook whose first sheet is replaced by the given XML, written piece by piece (never whole in
    memory), so a sheet of hundreds of megabytes costs the test little."""
    base = zipfile.ZipFile(io.BytesIO(xlsx([HEADER, ["x", "y"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in base.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                target.compress_type = compression
                with z.open(target, "w", force_zip64=True) as w:
                    for part in sheet_xml_parts():
                        w.write(part)
            else:
                z.writestr(info, base.read(info.filename))
    return out.getvalue()


_SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
               b'<row r="1"><c r="A1" t="inlineStr"><is><t>H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan</t></is></c>'
               b'<c r="B1" t="inlineStr"><is><t>N\xe1\xbb\x99i dung</t></is></c></row>')
_SHEET_TAIL = b"</sheetData></worksheet>"


def zip_bomb(inflated_mb: int = 300) -> bytes:
    """One cell of ``inflated_mb`` MB of text: a few hundred KB deflated (the bzip2 variant is ~40 KB)."""
    def parts():
        yield _SHEET_HEAD + b'<row r="2"><c r="A2" t="inlineStr"><is><t>Nguy\xe1\xbb\x85n</t></is></c>'
        yield b'<c r="B2" t="inlineStr"><is><t>'
        block = b"A" * (1024 * 1024)
        for _ in range(inflated_mb):
            yield block
        yield b"</t></is></c></row>" + _SHEET_TAIL
    return _with_sheet(parts)


def zip_bomb_bzip2(inflated_mb: int = 300) -> bytes:
    """The same cell, compressed with bzip2 (a method zip readers accept): tens of KB on the wire."""
    def parts():
        yield _SHEET_HEAD + b'<row r="2"><c r="B2" t="inlineStr"><is><t>'
        block = b"A" * (1024 * 1024)
        for _ in range(inflated_mb):
            yield block
        yield b"</t></is></c></row>" + _SHEET_TAIL
    return _with_sheet(parts, zipfile.ZIP_BZIP2)


def billion_laughs() -> bytes:
    """Ten levels of ten entities each: a billion "lol"s if a parser expands them."""
    dtd = [b'<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        dtd.append(b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%d;" % (i - 1) for _ in range(10))))

    def parts():
        yield (b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [' + b"".join(dtd) + b"]>"
               + _SHEET_HEAD.split(b"?>", 1)[1]
               + b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c>'
               b'<c r="B2" t="inlineStr"><is><t>&lol9;</t></is></c></row>' + _SHEET_TAIL)
    return _with_sheet(parts)


def many_rows(n: int = 50_000) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADER)
    for i in range(n):
        ws.append([f"Người số {i}", f"Kiến nghị số {i} về đường liên thôn."])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def wide_dimension() -> bytes:
    """A sheet that declares 16,384 columns and puts one cell far right on every row."""
    def parts():
        yield _SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:XFD2001"/><sheetData>')
        for r in range(2, 2002):
            yield (b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>a</t></is></c>'
                   b'<c r="XFD%d" t="inlineStr"><is><t>b</t></is></c></row>' % (r, r, r))
        yield _SHEET_TAIL
    return _with_sheet(parts)


def not_a_zip() -> bytes:
    return b"%PDF-1.7\n" + os.urandom(200_000)


def csv_long_cell(chars: int = 200_000) -> bytes:
    return ("Họ và tên,Nội dung\nNguyễn Văn A," + "A" * chars + "\n").encode()


def csv_many_rows(n: int = 50_000) -> bytes:
    return ("Họ và tên,Nội dung\n" + "".join(f"Người {i},Kiến nghị {i}\n" for i in range(n))).encode()


def csv_wide(columns: int = 100_000) -> bytes:
    """One header row with 100,000 filled columns and short rows under it (each would be padded that wide)."""
    return ("Nội dung" + ",x" * columns + "\n" + "".join(f"Kiến nghị {i}\n" for i in range(1500))).encode()


def xlsx_long_cell(chars: int = 20_000) -> bytes:
    return xlsx([HEADER, ["Nguyễn Văn A", "A" * chars]])


def too_big(megabytes: int = 6) -> bytes:
    return b"PK\x03\x04" + os.urandom(megabytes * 1024 * 1024)
