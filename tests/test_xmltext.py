"""Every XML document the portal writes is well formed, whatever text it carries."""

import io
import zipfile
from xml.etree import ElementTree as ET

from villageportal.xlsx_stream import xlsx_stream
from villageportal.xmltext import XMLWriter, xml_text

# Every character XML 1.0 forbids, beside the ones it allows (tab, newline, carriage return).
HOSTILE = "a\x00b\x01\x08\x0b\x0c\x0e\x1f\ud800\udfff\ufffe\uffffc\td\ne\U0001f600"


def test_only_the_characters_xml_forbids_are_left_out() -> None:
    assert xml_text(HOSTILE) == "abc\td\ne\U0001f600"
    assert xml_text("Nguyễn Văn An <&>") == "Nguyễn Văn An <&>"


def test_the_writer_makes_well_formed_xml_of_any_text() -> None:
    out = io.StringIO()
    writer = XMLWriter(out, "utf-8")
    writer.startDocument()
    writer.startElement("root", {"title": HOSTILE})
    writer.addQuickElement("text", HOSTILE)
    writer.endElement("root")
    root = ET.fromstring(out.getvalue().encode("utf-8", "surrogatepass"))  # noqa: S314 (our own output)
    assert root.get("title") == "abc\td\ne\U0001f600"
    assert root.find("text").text == "abc\td\ne\U0001f600"


def test_a_spreadsheet_cell_with_forbidden_characters_stays_well_formed() -> None:
    data = b"".join(xlsx_stream(["Tên"], [[HOSTILE]], sheet_name="Sổ\ufffe"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in ("xl/worksheets/sheet1.xml", "xl/workbook.xml"):
            ET.fromstring(archive.read(name))  # noqa: S314 (our own output)
