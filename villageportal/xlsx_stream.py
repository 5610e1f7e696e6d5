"""An .xlsx workbook written as a stream: the first bytes leave before the last row is read.

A workbook is a ZIP archive; ``zipfile`` can write one to a stream that cannot seek (it then
puts each member's sizes after its data), so the sheet is compressed and handed out in chunks
while the rows are still being produced. Memory stays flat whatever the row count, and a
proxy sees bytes at once instead of waiting for the whole file.

Text is written as inline strings, which a spreadsheet never evaluates, so a cell holding
``=HYPERLINK(...)`` stays text. Dates and date-times get a Vietnamese day-first format.
"""

import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from villageportal.xmltext import xml_text

CHUNK_BYTES = 64 * 1024
EPOCH = date(1899, 12, 30)  # day 0 of the spreadsheet date system (with the 1900 leap bug)

STYLE_DATE, STYLE_DATETIME, STYLE_HEADER = 1, 2, 3

XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
OOXML = "http://schemas.openxmlformats.org"
SHEET_NS = f"{OOXML}/spreadsheetml/2006/main"
REL_TYPE = f"{OOXML}/officeDocument/2006/relationships"
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _rels(*targets: tuple[str, str]) -> str:
    items = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_TYPE}/{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(targets, start=1)
    )
    return f'{XML}<Relationships xmlns="{OOXML}/package/2006/relationships">{items}</Relationships>'


_CONTENT_TYPES = (
    f'{XML}<Types xmlns="{OOXML}/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{MIME}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{MIME}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{MIME}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = _rels(("officeDocument", "xl/workbook.xml"))
_WORKBOOK_RELS = _rels(("worksheet", "worksheets/sheet1.xml"), ("styles", "styles.xml"))
_STYLES = (
    f'{XML}<styleSheet xmlns="{SHEET_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _workbook(sheet_name: str) -> str:
    name = quoteattr(xml_text(sheet_name)[:31])
    return (
        f'{XML}<workbook xmlns="{SHEET_NS}" xmlns:r="{REL_TYPE}">'
        f'<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    )


class _Sink(io.RawIOBase):
    """A write-only stream that keeps what it was given until ``drain`` takes it."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def _cell(ref: str, value: Any, style: int = 0) -> str:
    if value is None or value == "":
        return ""
    s = f' s="{style}"' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{s}><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - datetime(1899, 12, 30)).total_seconds() / 86400
        return f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{STYLE_DATE}"><v>{(value - EPOCH).days}</v></c>'
    text = escape(xml_text(value))
    return f'<c r="{ref}" t="inlineStr"{s}><is><t xml:space="preserve">{text}</t></is></c>'


def xlsx_stream(
    headers: list[str], rows: Iterable[Iterable[Any]], *, sheet_name: str = "Sheet1"
) -> Iterator[bytes]:
    """The bytes of a one-sheet workbook: a bold, frozen header row, then ``rows``."""
    sink = _Sink()
    letters = [get_column_letter(i) for i in range(1, len(headers) + 1)]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _workbook(sheet_name))
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = "".join(
                _cell(f"{c}1", h, STYLE_HEADER) for c, h in zip(letters, headers, strict=True)
            )
            sheet.write(
                (
                    f'{XML}<worksheet xmlns="{SHEET_NS}">'
                    '<sheetViews><sheetView workbookViewId="0">'
                    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                    "</sheetView></sheetViews><sheetData>"
                    f'<row r="1">{head}</row>'
                ).encode()
            )
            yield sink.drain()
            buffer: list[str] = []
            for number, row in enumerate(rows, start=2):
                cells = "".join(
                    _cell(f"{letter}{number}", value)
                    for letter, value in zip(letters, row)  # noqa: B905 - rows may be short
                )
                buffer.append(f'<row r="{number}">{cells}</row>')
                if len(buffer) >= 500:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
                    if sink.size >= CHUNK_BYTES:
                        yield sink.drain()
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())
    yield sink.drain()
