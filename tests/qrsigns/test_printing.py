import io
from urllib.parse import urlsplit

import pypdfium2
import pytest
import zxingcpp
from django.test import Client
from PIL import Image

from qrsigns import printing, services
from qrsigns.models import Sign

pytestmark = pytest.mark.django_db


def _decode(image: Image.Image) -> list[str]:
    return [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def _follow(url: str) -> tuple[int, str]:
    """Open a decoded address with the test client, following redirects to the page."""
    parts = urlsplit(url)
    response = Client().get(parts.path, follow=True)
    return response.status_code, response.content.decode()


def _staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_png_sign_decodes_to_its_short_address_and_opens_the_lane_page(
    village_head, world, lane_sign
) -> None:
    response = _staff(village_head).get(f"/signs/{lane_sign.code}/sign.png")
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (827, 1165)  # an A6 card at 200 dpi
    texts = _decode(image)
    assert texts == [printing.qr_payload(lane_sign)]
    assert texts[0].upper().endswith(f"/Q/{lane_sign.code}")
    status, html = _follow(texts[0])
    assert status == 200 and "<h1>Ngõ Văn hóa</h1>" in html


def test_the_qr_code_is_chosen_for_outdoor_signs(lane_sign) -> None:
    qr = printing.make_qr(lane_sign)
    assert qr.error == "Q" and not qr.is_micro
    assert qr.version <= 4


def test_the_svg_sign_carries_the_names_with_diacritics_and_the_printed_address(
    village_head, world, lane_sign
) -> None:
    response = _staff(village_head).get(f"/signs/{lane_sign.code}/sign.svg")
    svg = response.content.decode()
    assert response["Content-Type"].startswith("image/svg+xml")
    assert 'width="105.0mm"' in svg
    assert "Thôn Đông Phú" in svg and "Ngõ Văn hóa" in svg and "Đầu ngõ" in svg
    assert f"127.0.0.1:8000/q/{lane_sign.code}" in svg


def test_the_svg_sign_draws_a_readable_qr_code(lane_sign, tmp_path) -> None:
    """The SVG's modules, rasterised as drawn (path of unit squares), decode to the address."""
    import re

    svg = printing.sign_svg(lane_sign)
    path = re.search(
        r'<path transform="[^"]+" fill="#000000" shape-rendering="crispEdges" d="([^"]+)"', svg
    )
    assert path
    n = printing.make_qr(lane_sign).symbol_size(scale=1, border=printing.QUIET_ZONE)[0]
    scale = 10
    image = Image.new("L", (n * scale, n * scale), 255)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.group(1)):
        x, y, w = int(x), int(y), int(w)
        draw.rectangle((x * scale, y * scale, (x + w) * scale - 1, (y + 1) * scale - 1), fill=0)
    assert _decode(image) == [printing.qr_payload(lane_sign)]


def test_the_sign_of_another_village_is_404_to_staff(outsider, lane_sign) -> None:
    assert _staff(outsider).get(f"/signs/{lane_sign.code}/sign.png").status_code == 404


@pytest.mark.parametrize("per_page", [1, 2, 4])
def test_every_sign_of_a_pdf_sheet_decodes_and_opens_its_page(world, site, per_page) -> None:
    from tests.factories import LaneFactory

    LaneFactory(village=world.village, name="Xóm Giếng")
    services.signs_ensure(village=world.village, by=None, door_plates=True)
    signs = list(
        Sign.objects.filter(village=world.village).select_related(
            "village", "lane", "heritage_site", "household__lane"
        )
    )
    assert len(signs) == 6  # two lanes x 2, a site, a door plate
    pdf = pypdfium2.PdfDocument(printing.sheet_pdf(signs, per_page=per_page))
    assert len(pdf) == -(-len(signs) // per_page)
    page = pdf[0]
    width, height = page.get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    found = []
    for page in pdf:
        found += _decode(page.render(scale=2).to_pil())
    assert sorted(found) == sorted(printing.qr_payload(s) for s in signs)
    pages = {s.kind: _follow(printing.qr_payload(s)) for s in signs}
    assert (
        pages[Sign.Kind.HERITAGE][0] == 200 and "Đình làng Đông Phú" in pages[Sign.Kind.HERITAGE][1]
    )
    assert "Số nhà 5A" in pages[Sign.Kind.DOOR_PLATE][1]
    text = "".join(p.get_textpage().get_text_range() for p in pdf)
    assert "Thôn Đông Phú" in text and "Xóm Giếng" in text and "Cuối ngõ" in text
    assert f"/q/{signs[0].code}" in text


def test_the_pdf_embeds_its_font(world, lane_sign) -> None:
    pdf = printing.sheet_pdf([lane_sign], per_page=1)
    assert b"/FontFile2" in pdf and b"DejaVuSans" in pdf


def test_one_sign_per_page_prints_a_symbol_readable_from_a_metre(lane_sign) -> None:
    """About ten times the symbol's width: 1 m needs 10 cm of modules, quiet zone aside."""
    qr = printing.make_qr(lane_sign)
    modules = qr.symbol_size(scale=1, border=0)[0]
    with_zone = qr.symbol_size(scale=1, border=printing.QUIET_ZONE)[0]
    margin = 8.0
    placed = printing.layout(lane_sign, margin, margin, 210 - 2 * margin, 297 - 2 * margin)
    symbol_mm = placed.qr_size * modules / with_zone
    assert symbol_mm >= 100
    four_up = printing.layout(lane_sign, 0, 0, (210 - 22) / 2, (297 - 22) / 2)
    assert 50 <= four_up.qr_size * modules / with_zone < symbol_mm
