"""The report form asks a category's own questions only with it, takes a place checked to lie
in the village, and keeps the language a public visitor chose."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from feedback import services
from feedback.models import Report

pytestmark = pytest.mark.django_db


def _url(village: Any) -> str:
    return reverse("feedback_report_new", args=[village.pk])


@pytest.fixture
def meter(categories: dict) -> str:
    """The water category's required meter question: its form field's name."""
    question = services.question_add(
        category=categories["water"], label="Số đồng hồ nước", required=True
    )
    return f"q_{categories['water'].pk}_{question['key']}"


def _post(village: Any, category: Any, **extra: Any) -> Any:
    data = {"category": category.pk, "description": "Có việc cần báo", **extra}
    return Client().post(_url(village), data)


def test_each_question_is_marked_with_its_category(
    village: Any, categories: dict, meter: str
) -> None:
    html = Client().get(_url(village)).content.decode()
    block = re.search(
        rf'<div class="field" data-category="(\d+)" data-testid="question">'
        rf'<label for="id_{meter}"',
        html,
    )
    assert block is not None and block.group(1) == str(categories["water"].pk)
    assert "Dùng vị trí của tôi" in html


def test_another_category_neither_needs_nor_keeps_the_water_answers(
    village: Any, categories: dict, meter: str
) -> None:
    assert _post(village, categories["roads"]).status_code == 302
    # An answer left in the hidden water question (even too long to be one) is not read.
    assert _post(village, categories["roads"], **{meter: "x" * 500}).status_code == 302
    assert [r.answers for r in Report.objects.all()] == [{}, {}]


def test_the_chosen_category_needs_its_required_answer(
    village: Any, categories: dict, meter: str
) -> None:
    response = _post(village, categories["water"])
    html = response.content.decode()
    assert response.status_code == 400 and not Report.objects.exists()
    # The message stands under the question itself.
    question = html.split(f'for="id_{meter}"')[1].split("</div>")[0]
    assert "Hãy trả lời: Số đồng hồ nước" in question
    assert _post(village, categories["water"], **{meter: " DH-77 "}).status_code == 302
    key = meter.rsplit("_", 1)[1]
    assert Report.objects.get().answers == {key: "DH-77"}


@pytest.fixture
def placed(village: Any) -> Any:
    village.latitude, village.longitude = Decimal("18.3400"), Decimal("105.9000")
    village.save()
    return village


def test_a_point_in_the_village_is_kept(placed: Any, categories: dict) -> None:
    response = _post(placed, categories["roads"], latitude="18.3412345", longitude="105.9011111")
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.latitude, report.longitude) == (Decimal("18.3412345"), Decimal("105.9011111"))


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("21.0285", "105.8542", "xa bên ngoài"),  # Hà Nội, from a village in Hà Tĩnh
        ("18.3412", "", "Hãy nhập cả vĩ độ và kinh độ"),
        ("95", "105.9", "Vĩ độ phải nằm trong khoảng từ -90 đến 90."),
        ("bắc", "105.9", "Hãy nhập vĩ độ bằng số, ví dụ 18.3412."),
        ("18.3412", "105.90000001", "Kinh độ có quá nhiều chữ số."),
    ],
)
def test_a_point_outside_the_village_or_half_given_is_refused(
    placed: Any, categories: dict, latitude: str, longitude: str, message: str
) -> None:
    response = _post(placed, categories["roads"], latitude=latitude, longitude=longitude)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_a_visitor_reading_in_english_keeps_english_on_the_form(
    village: Any, categories: dict
) -> None:
    client = Client()
    home = client.get(reverse("qrsigns_village", args=[village.pk]), {"lang": "en"})
    link = re.search(r'href="([^"]*/feedback/[^"]*/new/[^"]*)"', home.content.decode()).group(1)
    assert link.endswith("?lang=en")
    form = client.get(link).content.decode()
    assert '<html lang="en">' in form and "Report a problem" in form
    # The links onwards keep the choice: the board, and after sending, the report's status.
    board = re.search(r'href="([^"]*/board/[^"]*)"', form).group(1)
    assert '<html lang="en">' in client.get(board).content.decode()
    sent = client.post(link, {"category": categories["roads"].pk, "description": "Broken lamp"})
    assert sent.status_code == 302
    page = client.get(sent["Location"]).content.decode()
    status = re.search(r'href="([^"]*/track/[^"]*)"', page).group(1)
    assert '<html lang="en">' in client.get(status).content.decode()
    # Without the choice in the link, the portal speaks Vietnamese first.
    assert '<html lang="vi">' in client.get(_url(village)).content.decode()
