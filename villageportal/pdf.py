"""What every PDF of the portal shares: fonts that cover Vietnamese, embedded in the file.

DejaVu Sans (free licence) ships with the project, so the PDFs look the same on a machine
without it. Administrative documents (the criteria report) are set in Liberation Serif 2,
metric-compatible with Times New Roman, the font Decree 30/2020/NĐ-CP prescribes (SIL Open
Font License, beside the files); DejaVu Sans stands in for the few signs it lacks (✓, ✗).
"""

from datetime import date
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

VIETNAMESE_FONTS = Path(__file__).resolve().parent / "fonts"

# The family name administrative documents are written in.
DOCUMENT_FONT = "Serif"


def add_document_fonts(pdf: Any) -> None:
    """Register the document serif (regular, bold, italic, bold italic) and its fallback."""
    for style, name in (
        ("", "Regular"),
        ("B", "Bold"),
        ("I", "Italic"),
        ("BI", "BoldItalic"),
    ):
        pdf.add_font(DOCUMENT_FONT, style, str(VIETNAMESE_FONTS / f"LiberationSerif-{name}.ttf"))
    pdf.add_font("DejaVu", "", str(VIETNAMESE_FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(VIETNAMESE_FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_fallback_fonts(["DejaVu"], exact_match=False)


def vietnamese_date_line(place: str, day: date) -> str:
    """The place and date line of an administrative document: ``Hà Nội, ngày 05 tháng 01 năm
    2020`` (a day below 10 and the months 1 and 2 take a leading zero, Decree 30/2020)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return _("%(place)s, %(day)s/%(month)s/%(year)s") % {
        "place": place,
        "day": f"{day.day:02d}",
        "month": month,
        "year": day.year,
    }
