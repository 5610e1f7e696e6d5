"""Privacy by default on the public side of feedback: sensitive reports, positions, photos."""

import json
import re
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET  # our own responses, not untrusted input

import pytest
from django.test import Client
from django.urls import reverse

from feedback import services
from feedback.models import Category
from feedback.photos import process
from tests.feedback.conftest import jpeg_with_gps, make_report

pytestmark = pytest.mark.django_db

EXACT = {"latitude": Decimal("18.3412345"), "longitude": Decimal("105.9056789")}


@pytest.fixture
def placed_village(village: Any) -> Any:
    village.latitude, village.longitude = Decimal("18.3400"), Decimal("105.9000")
    village.save()
    return village


def _open311(client: Client, village: Any, fmt: str = "json") -> Any:
    return client.get(
        reverse("feedback_open311_requests", kwargs={"fmt": fmt}),
        {"jurisdiction_id": str(village.pk)},
    )


def test_a_security_report_stays_private_until_a_staff_member_publishes_it(
    client: Client, placed_village: Any, categories: dict, village_head: Any
) -> None:
    assert categories["security"].sensitive
    report = make_report(
        placed_village, categories["security"], description="Người lạ rình nhà bà Tư", **EXACT
    )
    board = reverse("feedback_board", args=[placed_village.pk])
    detail = reverse("feedback_public_detail", args=[report.public_code])

    assert "rình nhà" not in client.get(board).content.decode()
    assert client.get(detail).status_code == 404
    assert _open311(client, placed_village).json() == []
    # The reporter still follows it by the tracking code.
    assert client.get(reverse("feedback_status", args=[report.tracking_code])).status_code in (
        200,
        302,
    )

    staff = Client()
    staff.force_login(village_head)
    page = staff.get(reverse("feedback_detail", args=[report.pk])).content.decode()
    assert "Danh mục nhạy cảm" in page
    response = staff.post(reverse("feedback_moderate", args=[report.pk]), {"hidden": "0"})
    assert response.status_code == 302

    assert "rình nhà" in client.get(board).content.decode()
    assert client.get(detail).status_code == 200
    assert len(_open311(client, placed_village).json()) == 1


def test_an_ordinary_category_is_public_at_once(
    client: Client, placed_village: Any, categories: dict
) -> None:
    report = make_report(placed_village, categories["roads"], **EXACT)
    assert not report.hidden
    detail = reverse("feedback_public_detail", args=[report.public_code])
    assert client.get(detail).status_code == 200


def test_a_village_head_marks_a_new_category_sensitive(village_head: Any, village: Any) -> None:
    staff = Client()
    staff.force_login(village_head)
    response = staff.post(
        reverse("feedback_category_add"),
        {"name": "Bạo lực gia đình", "sensitive": "on", "ack_hours": "4"},
    )
    assert response.status_code == 302, response.content.decode()
    category = Category.objects.get(village=village, name="Bạo lực gia đình")
    assert category.sensitive
    assert make_report(village, category).hidden


def _coordinates(text: str) -> list[str]:
    return re.findall(r"1(?:8\.34|05\.90)\d*", text)


def test_public_positions_are_rounded_to_about_ten_metres(
    client: Client, placed_village: Any, categories: dict
) -> None:
    report = make_report(placed_village, categories["roads"], **EXACT)
    html = client.get(reverse("feedback_board", args=[placed_village.pk])).content.decode()
    raw = re.search(r'<script id="feedback-points" type="application/json">(.*?)</script>', html)
    assert raw
    point = json.loads(raw.group(1))[0]
    assert (point["lat"], point["lon"]) == (18.3412, 105.9057)
    assert "3412345" not in html and "9056789" not in html

    row = _open311(client, placed_village).json()[0]
    assert (row["lat"], row["long"]) == (18.3412, 105.9057)
    xml = ET.fromstring(_open311(client, placed_village, "xml").content)  # noqa: S314
    assert xml.findtext("request/lat") == "18.3412"
    assert xml.findtext("request/long") == "105.9057"
    one = client.get(
        reverse(
            "feedback_open311_request", kwargs={"fmt": "json", "request_id": report.public_code}
        ),
        {"jurisdiction_id": str(placed_village.pk)},
    ).content.decode()
    assert "3412345" not in one and "18.3412" in one
    # Staff see the position as it was sent.
    assert report.latitude == EXACT["latitude"]


def test_a_public_photo_leaves_shared_caches_soon_after_it_is_hidden(
    client: Client, village: Any, categories: dict, village_head: Any
) -> None:
    report = make_report(village, categories["roads"], photos=[process(jpeg_with_gps((640, 480)))])
    photo = report.photos.get()
    url = reverse("feedback_photo", args=[photo.pk])
    response = client.get(url)
    assert response.status_code == 200
    max_age = re.search(r"max-age=(\d+)", response["Cache-Control"])
    assert max_age and int(max_age.group(1)) <= 300
    services.photo_moderate(photo=photo, hidden=True, by=village_head)
    assert client.get(url).status_code == 404
