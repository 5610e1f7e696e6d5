"""The public board without JavaScript: a drawn map of numbered pins, and the list."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from feedback import services
from feedback.models import Status
from tests.feedback.conftest import make_report

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def _board(client: Client, village: Any) -> str:
    response = client.get(reverse("feedback_board", args=[village.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _svg(html: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match, "the board has no drawn map"
    return ET.fromstring(match.group(0))  # noqa: S314 (our own page)


def _pins(svg: ET.Element) -> dict[str, dict[str, Any]]:
    pins = {}
    for link in svg.iter(f"{SVG}a"):
        circle = link.find(f"{SVG}circle")
        assert circle is not None
        pins[link.get("href", "")] = {
            "n": int(link.get("data-n", "0")),
            "title": link.findtext(f"{SVG}title", ""),
            "label": link.findtext(f"{SVG}text", ""),
            "x": float(circle.get("cx", "nan")),
            "y": float(circle.get("cy", "nan")),
        }
    return pins


def _list_order(html: str) -> list[str]:
    board = html[html.index('data-testid="board"') :]
    return re.findall(r'<li id="r\d+"[^>]*><a href="([^"]+)"', board)


@pytest.fixture
def placed(village: Any, categories: dict, village_head: Any) -> dict[str, Any]:
    village.latitude, village.longitude = Decimal("18.3400"), Decimal("105.9000")
    village.save()

    def at(lat: str, lng: str, **fields: Any) -> Any:
        return make_report(
            village,
            fields.pop("category", categories["roads"]),
            latitude=Decimal(lat),
            longitude=Decimal(lng),
            **fields,
        )

    south_west = at("18.3380", "105.8980", reporter_name="Ngô Văn Ẩn", show_name=False)
    north_east = at(
        "18.3420",
        "105.9030",
        category=categories["water"],
        reporter_name="Hồ Thị Hiện",
        show_name=True,
    )
    hidden = at("18.3410", "105.9010", description="Nội dung bị ẩn", reporter_name="Bị Ẩn")
    services.report_moderate(report=hidden, hidden=True, reason="Xúc phạm", by=village_head)
    duplicate = at("18.3405", "105.9005", description="Bản trùng")
    services.report_transition(
        report=duplicate,
        to_status=Status.DUPLICATE,
        by=village_head,
        text="Trùng",
        duplicate_of=south_west,
    )
    nowhere = make_report(village, categories["other"], description="Không rõ chỗ")
    return {
        "south_west": south_west,
        "north_east": north_east,
        "hidden": hidden,
        "duplicate": duplicate,
        "nowhere": nowhere,
    }


def _detail(report: Any) -> str:
    return reverse("feedback_public_detail", args=[report.public_code])


def test_without_javascript_the_board_draws_a_numbered_pin_for_each_visible_report(
    client: Client, village: Any, placed: dict
) -> None:
    html = _board(client, village)
    pins = _pins(_svg(html))
    sw, ne = placed["south_west"], placed["north_east"]
    assert set(pins) == {_detail(sw), _detail(ne)}
    order = _list_order(html)
    assert _detail(placed["nowhere"]) in order  # the list has every visible report
    for report in (sw, ne):
        pin = pins[_detail(report)]
        assert pin["n"] == order.index(_detail(report)) + 1  # numbered as in the list
        assert pin["label"] == str(pin["n"])
        assert pin["title"].startswith(f"{pin['n']}. {report.category.name} · ")
    # north up, east to the right, inside the frame
    svg = _svg(html)
    width, height = (float(v) for v in svg.get("viewBox", "").split()[2:])
    a, b = pins[_detail(sw)], pins[_detail(ne)]
    assert a["x"] < b["x"] and a["y"] > b["y"]
    assert all(0 < p["x"] < width and 0 < p["y"] < height for p in pins.values())
    assert svg.findtext(f"{SVG}title")  # the drawing's own text alternative


def test_the_drawing_shows_no_hidden_report_and_no_private_name(
    client: Client, village: Any, placed: dict
) -> None:
    html = _board(client, village)
    svg_text = ET.tostring(_svg(html), encoding="unicode")
    for report in (placed["hidden"], placed["duplicate"]):
        assert report.public_code not in html
    assert "Nội dung bị ẩn" not in html and "Bị Ẩn" not in html
    assert "Ngô Văn Ẩn" not in html and "nam@example.com" not in html
    # even a name shown publicly stays in the list, not on the drawing
    assert "Hồ Thị Hiện" in html and "Hồ Thị Hiện" not in svg_text


def test_the_leaflet_map_gets_the_same_numbers(client: Client, village: Any, placed: dict) -> None:
    import json

    html = _board(client, village)
    raw = re.search(r'<script id="feedback-points" type="application/json">(.*?)</script>', html)
    assert raw
    points = {p["url"]: p["n"] for p in json.loads(raw.group(1))}
    pins = _pins(_svg(html))
    assert points == {url: pin["n"] for url, pin in pins.items()}


def test_a_board_without_placed_reports_has_no_map_and_loads_no_map_script(
    client: Client, village: Any, categories: dict
) -> None:
    make_report(village, categories["roads"], description="Không có vị trí")
    html = _board(client, village)
    assert "<svg" not in html and "leaflet" not in html
    assert "Không có vị trí" in html


def test_the_board_stays_light(
    client: Client, village: Any, placed: dict, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        html = _board(client, village)
    assert len(html.encode()) < 30_000
