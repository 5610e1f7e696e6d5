"""Signs as SVG, PNG and PDF sheets: the QR code, the names and the short address as text.

QR choices, for signs that live outdoors and are scanned from about a metre away:

- error correction level Q (25% of the symbol can be lost to dirt, rain or a scratch);
- the standard quiet zone of 4 modules, in white, inside the printed card;
- the address is encoded in capitals (``HTTPS://HOST/Q/CODE``) so that it fits QR's
  alphanumeric mode: version 3 (29 modules) instead of 4 for a typical host, bigger modules
  at the same printed size;
- size: a phone camera reads a code from about ten times its width, so a sign meant for
  1 m needs a symbol of about 10 cm. One sign per A4 page prints the symbol about 13 cm wide
  (16.5 cm with its quiet zone): the layout for lane and heritage signs. Two or four per page
  give about 6.5 cm, for door plates read from closer; the A6 card (SVG, PNG) gives 7 cm at
  its own size and, being vector or 200 dpi, can be printed larger.
"""

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from qrsigns.models import Sign
from villageportal.pdf import VIETNAMESE_FONTS as FONTS

# fontTools reports every glyph subset at INFO level: one screenful per sheet in the logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

REGULAR = FONTS / "DejaVuSans.ttf"
BOLD = FONTS / "DejaVuSans-Bold.ttf"
ERROR_LEVEL = "Q"
QUIET_ZONE = 4
# One sign alone (SVG, PNG): an A6 card, portrait.
CARD_MM = (105.0, 148.0)
A4_MM = (210.0, 297.0)
PNG_DPI = 200
DARK = "#000000"
ACCENT = "#0b5d3b"


def _base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/")


def short_url(sign: Sign) -> str:
    """The address people read on the sign (and may type): ``https://host/q/CODE``."""
    return f"{_base_url()}/q/{sign.code}"


def display_url(sign: Sign) -> str:
    """The printed text: the host and path without the scheme, so the domain stands out."""
    parts = urlsplit(short_url(sign))
    return f"{parts.netloc}{parts.path}"


def qr_payload(sign: Sign) -> str:
    """What the QR code holds: the short address, in capitals when that keeps it valid."""
    base = _base_url()
    if urlsplit(base).path in ("", "/"):
        return f"{base.upper()}/Q/{sign.code}"
    return short_url(sign)


def make_qr(sign: Sign, mask: int | None = None) -> segno.QRCode:
    """The sign's QR code; segno picks the mask with the lowest penalty unless ``mask`` is given.

    Choosing the mask is most of the time spent on a code (about 20 ms in pure Python).
    """
    return segno.make(
        qr_payload(sign), error=ERROR_LEVEL, micro=False, boost_error=False, mask=mask
    )


@dataclass(frozen=True)
class Line:
    text: str
    size: float  # font size, as a fraction of the card's width
    bold: bool = False
    color: str = DARK


def sign_lines(sign: Sign) -> tuple[list[Line], list[Line]]:
    """The lines printed above and below the QR code, in Vietnamese."""
    with translation.override("vi"):
        village = sign.village
        top = [Line(f"{village.name}", 0.045, bold=True, color=ACCENT)]
        if sign.kind in (Sign.Kind.LANE_START, Sign.Kind.LANE_END):
            where = (
                _("Start of the lane")
                if sign.kind == Sign.Kind.LANE_START
                else _("End of the lane")
            )
            top += [
                Line(sign.lane.name if sign.lane else "", 0.085, bold=True),
                Line(sign.label or where, 0.045),
            ]
            call = _("Scan: houses of the lane, report a problem")
        elif sign.kind == Sign.Kind.HERITAGE:
            top += [
                Line(sign.heritage_site.name if sign.heritage_site else "", 0.07, bold=True),
                Line(sign.label or _("Heritage site"), 0.045),
            ]
            call = _("Scan to read its history and visiting hours")
        elif sign.kind == Sign.Kind.DOOR_PLATE:
            household = sign.household
            number = household.house_number if household else ""
            lane = household.lane.name if household and household.lane else ""
            top += [
                Line(_("House number %(number)s") % {"number": number}, 0.085, bold=True),
                Line(lane, 0.05),
            ]
            if household and household.digital_address:
                top.append(
                    Line(
                        _("Digital address: %(code)s") % {"code": household.digital_address},
                        0.04,
                    )
                )
            call = _("Scan to contact the village office")
        else:
            top += [Line(sign.label or village.commune.name, 0.05)]
            call = _("Scan for the village's page")
        bottom = [Line(call, 0.038), Line(display_url(sign), 0.05, bold=True)]
    return top, bottom


def _fit(text: str, size: float, width: float, bold: bool) -> float:
    """Shrink a font size so the text fits the width (DejaVu's average advance ~0.6 em)."""
    advance = 0.64 if bold else 0.58
    needed = len(text) * size * advance
    return size if needed <= width else width / (len(text) * advance)


@dataclass(frozen=True)
class Placed:
    text: str
    x: float  # centre
    y: float  # baseline
    size: float
    bold: bool
    color: str


@dataclass(frozen=True)
class Layout:
    qr_x: float
    qr_y: float
    qr_size: float
    texts: list[Placed]


def layout(sign: Sign, x: float, y: float, w: float, h: float) -> Layout:
    """Where everything goes in a box of ``w`` by ``h`` (any unit) at ``x``, ``y``."""
    top, bottom = sign_lines(sign)
    margin = w * 0.06
    inner = w - 2 * margin
    qr_size = min(w * 0.85, h * 0.62)
    texts: list[Placed] = []
    cursor = y + margin
    for line in top:
        size = _fit(line.text, line.size * w, inner, line.bold)
        cursor += size * 1.25
        texts.append(Placed(line.text, x + w / 2, cursor, size, line.bold, line.color))
    below_total = sum(line.size * w * 1.35 for line in bottom)
    space = (y + h - margin - below_total) - cursor
    qr_y = cursor + max(0.0, (space - qr_size) / 2)
    if space < qr_size:
        qr_size = max(space, w * 0.3)
    qr_x = x + (w - qr_size) / 2
    cursor = qr_y + qr_size
    for line in bottom:
        size = _fit(line.text, line.size * w, inner, line.bold)
        cursor += size * 1.35
        texts.append(Placed(line.text, x + w / 2, cursor, size, line.bold, line.color))
    return Layout(qr_x, qr_y, qr_size, texts)


# ---------------------------------------------------------------------------------------
# SVG


def _qr_svg_path(qr: segno.QRCode, x: float, y: float, size: float) -> str:
    """The dark modules as one path of unit squares, scaled into the box."""
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix) + 2 * QUIET_ZONE
    scale = size / n
    parts = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c] & 1:
                start = c
                while c < len(row) and row[c] & 1:
                    c += 1
                parts.append(f"M{start + QUIET_ZONE} {r + QUIET_ZONE}h{c - start}v1h-{c - start}z")
            else:
                c += 1
    return (
        f'<rect x="{x:.2f}" y="{y:.2f}" width="{size:.2f}" height="{size:.2f}" fill="#fff"/>'
        f'<path transform="translate({x:.3f} {y:.3f}) scale({scale:.5f})" '
        f'fill="{DARK}" shape-rendering="crispEdges" d="{"".join(parts)}"/>'
    )


def sign_svg(sign: Sign) -> str:
    """One sign as a standalone SVG document, sized in millimetres for printing."""
    w, h = CARD_MM
    placed = layout(sign, 0, 0, w, h)
    qr = make_qr(sign)
    title = escape(" · ".join(t.text for t in placed.texts[:2]))
    bold = ' font-weight="bold"'
    texts = "".join(
        f'<text x="{t.x:.2f}" y="{t.y:.2f}" font-size="{t.size:.2f}" fill="{t.color}"'
        f'{bold if t.bold else ""} text-anchor="middle">{escape(t.text)}</text>'
        for t in placed.texts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}" role="img" lang="vi" '
        "font-family=\"'DejaVu Sans', 'Noto Sans', Arial, sans-serif\">"
        f"<title>{title}</title>"
        f'<rect width="{w}" height="{h}" fill="#fff"/>'
        f'<rect x="1.5" y="1.5" width="{w - 3}" height="{h - 3}" rx="4" fill="none" '
        f'stroke="{ACCENT}" stroke-width="1.2"/>'
        f"{_qr_svg_path(qr, placed.qr_x, placed.qr_y, placed.qr_size)}{texts}</svg>\n"
    )


# ---------------------------------------------------------------------------------------
# PNG


@cache
def _font(bold: bool, px: int) -> object:
    from PIL import ImageFont

    return ImageFont.truetype(str(BOLD if bold else REGULAR), px)


def sign_png(sign: Sign, dpi: int = PNG_DPI) -> bytes:
    """One sign as a PNG at ``dpi`` (an A6 card: 827 x 1165 pixels at 200 dpi)."""
    from PIL import Image, ImageDraw

    px_per_mm = dpi / 25.4
    w, h = (round(v * px_per_mm) for v in CARD_MM)
    placed = layout(sign, 0, 0, w, h)
    card = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(card)
    border = max(2, round(1.2 * px_per_mm))
    inset = round(1.5 * px_per_mm)
    draw.rounded_rectangle(
        (inset, inset, w - inset, h - inset),
        radius=round(4 * px_per_mm),
        outline=ACCENT,
        width=border,
    )
    qr = make_qr(sign)
    modules = qr.symbol_size(scale=1, border=QUIET_ZONE)[0]
    scale = max(1, int(placed.qr_size // modules))
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=QUIET_ZONE)
    out.seek(0)
    code = Image.open(out).convert("RGB")
    qr_px = code.width
    card.paste(code, (round(placed.qr_x + (placed.qr_size - qr_px) / 2), round(placed.qr_y)))
    for t in placed.texts:
        font = _font(t.bold, max(8, round(t.size)))
        draw.text((t.x, t.y), t.text, font=font, fill=t.color, anchor="ms")
    result = io.BytesIO()
    card.save(result, "PNG", optimize=True, dpi=(dpi, dpi))
    return result.getvalue()


# ---------------------------------------------------------------------------------------
# PDF sheets

GRID = {1: (1, 1), 2: (1, 2), 4: (2, 2)}


def _qr_image(qr: segno.QRCode, scale: int = 8) -> object:
    """The code with its quiet zone as a 1-bit image, ``scale`` pixels a module.

    Drawn from the matrix with Pillow rather than through segno's PNG writer, which encodes
    and compresses in pure Python (ten times slower); fpdf2 compresses the pixels itself.
    """
    from PIL import Image

    matrix = qr.matrix
    n = len(matrix) + 2 * QUIET_ZONE
    bits = bytearray(b"\xff" * (n * n))
    for r, row in enumerate(matrix):
        base = (r + QUIET_ZONE) * n + QUIET_ZONE
        for c, value in enumerate(row):
            if value & 1:
                bits[base + c] = 0
    image = Image.frombytes("L", (n, n), bytes(bits)).convert("1", dither=Image.Dither.NONE)
    return image.resize((n * scale, n * scale), Image.Resampling.NEAREST)


def sheet_pdf(
    signs: list[Sign],
    *,
    per_page: int = 1,
    progress: Callable[[int, int], None] | None = None,
    mask: int | None = None,
) -> bytes:
    """A4 pages of signs, ``per_page`` on each (1, 2 or 4), with DejaVu Sans embedded."""
    from fpdf import FPDF

    cols, rows = GRID[per_page]
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_title("Biển mã QR")
    pdf.set_creator("Cổng thôn thông minh")
    page_w, page_h = A4_MM
    gutter = 6.0 if per_page > 1 else 0.0
    margin = 8.0
    cell_w = (page_w - 2 * margin - gutter * (cols - 1)) / cols
    cell_h = (page_h - 2 * margin - gutter * (rows - 1)) / rows
    total = len(signs)
    pt_per_mm = 72 / 25.4
    for index, sign in enumerate(signs):
        slot = index % per_page
        if slot == 0:
            pdf.add_page()
        col, row = slot % cols, slot // cols
        x = margin + col * (cell_w + gutter)
        y = margin + row * (cell_h + gutter)
        placed = layout(sign, x, y, cell_w, cell_h)
        pdf.set_draw_color(11, 93, 59)
        pdf.set_line_width(0.6)
        pdf.rect(x, y, cell_w, cell_h, style="D", round_corners=True, corner_radius=4)
        pdf.image(
            _qr_image(make_qr(sign, mask=mask)),
            x=placed.qr_x,
            y=placed.qr_y,
            w=placed.qr_size,
            h=placed.qr_size,
        )
        for t in placed.texts:
            pdf.set_font("DejaVu", "B" if t.bold else "", t.size * pt_per_mm)
            r, g, b = (int(t.color[i : i + 2], 16) for i in (1, 3, 5))
            pdf.set_text_color(r, g, b)
            width = pdf.get_string_width(t.text)
            pdf.text(t.x - width / 2, t.y, t.text)
        if progress is not None:
            progress(index + 1, total)
    return bytes(pdf.output())
