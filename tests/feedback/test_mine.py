"""'My reports': a resident finds the reports they sent, and nobody else's."""

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from feedback.models import Report
from feedback.views import MINE_COOKIE, MINE_SALT, remembered_codes
from tests.factories import UserFactory
from tests.feedback.conftest import make_report

pytestmark = pytest.mark.django_db


def _send(client: Client, village: Any, categories: dict, text: str) -> Report:
    response = client.post(
        reverse("feedback_report_new", args=[village.pk]),
        {"category": categories["roads"].pk, "description": text, "name": "Lê Văn Nam"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Report.objects.get(description=text)


def _signed(value: str, salt: str = MINE_SALT) -> str:
    response = HttpResponse()
    response.set_signed_cookie(MINE_COOKIE, value, salt=salt)
    return response.cookies[MINE_COOKIE].value


def _mine(client: Client) -> str:
    response = client.get(reverse("feedback_mine"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_phone_lists_the_reports_it_sent_without_an_account(
    village: Any, categories: dict
) -> None:
    phone = Client()
    first = _send(phone, village, categories, "Đèn ngõ 3 tắt")
    second = _send(phone, village, categories, "Cống ngõ 5 tắc")
    someone_else = _send(Client(), village, categories, "Rác ở bến sông")
    html = _mine(phone)
    assert first.tracking_code in html and second.tracking_code in html
    assert reverse("feedback_status", args=[first.tracking_code]) in html
    assert "Mới" in html  # the status
    assert someone_else.tracking_code not in html
    assert first.tracking_code not in _mine(Client())
    # the cookie holds the codes only, signed, out of reach of scripts
    cookie = phone.cookies[MINE_COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/feedback/"
    request = RequestFactory().get("/", HTTP_COOKIE=phone.cookies.output(header="", sep=";"))
    assert remembered_codes(request) == [second.tracking_code, first.tracking_code]
    assert cookie.value.split(":")[0].split(",") == [second.tracking_code, first.tracking_code]


def test_a_signed_in_resident_sees_their_own_reports_and_not_another_users(
    village: Any, categories: dict, resident: Any
) -> None:
    a = Client()
    a.force_login(resident)
    mine = _send(a, village, categories, "Cột điện nghiêng trước nhà tôi")
    assert mine.reporter_user == resident
    assert MINE_COOKIE not in a.cookies or not a.cookies[MINE_COOKIE].value
    b_user = UserFactory(full_name="Người khác")
    b = Client()
    b.force_login(b_user)
    theirs = _send(b, village, categories, "Chó thả rông")
    html_a, html_b = _mine(a), _mine(b)
    assert mine.tracking_code in html_a and theirs.tracking_code not in html_a
    assert theirs.tracking_code in html_b and mine.tracking_code not in html_b
    assert "Cột điện nghiêng" not in html_b
    # signed out on the same phone, the account's report is no longer listed
    a.logout()
    assert mine.tracking_code not in _mine(a)


def test_a_forged_or_tampered_cookie_lists_nothing(village: Any, categories: dict) -> None:
    victim = make_report(village, categories["water"], description="Nhà tôi mất nước")
    forger = Client()
    forger.cookies[MINE_COOKIE] = victim.tracking_code
    assert victim.tracking_code not in _mine(forger)
    forger.cookies[MINE_COOKIE] = _signed(victim.tracking_code, salt="something else")
    assert victim.tracking_code not in _mine(forger)
    good = _signed(victim.tracking_code)
    # the control: only a cookie this site signed lists a report
    forger.cookies[MINE_COOKIE] = good
    assert victim.tracking_code in _mine(forger)
    forger.cookies[MINE_COOKIE] = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    html = _mine(forger)
    assert victim.tracking_code not in html and "Nhà tôi mất nước" not in html


def test_the_phone_forgets_its_reports_on_request(village: Any, categories: dict) -> None:
    phone = Client()
    sent = _send(phone, village, categories, "Đường trơn trượt")
    assert phone.get(reverse("feedback_mine_forget")).status_code == 405
    assert sent.tracking_code in _mine(phone)
    response = phone.post(reverse("feedback_mine_forget"), follow=True)
    html = response.content.decode()
    assert "không còn liệt kê" in html
    assert sent.tracking_code not in html
    assert sent.tracking_code not in _mine(phone)
    # the report itself is untouched and can still be followed by its code
    assert phone.get(reverse("feedback_status", args=[sent.tracking_code])).status_code == 200


def test_my_reports_page_has_the_lookup_form_and_is_never_cached(db: None) -> None:
    response = Client().get(reverse("feedback_mine"))
    html = response.content.decode()
    assert f'action="{reverse("feedback_track")}"' in html and 'name="code"' in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert "Chưa có phản ánh nào." in html


def test_the_menu_and_the_sent_page_link_to_my_reports(
    client: Client, village: Any, categories: dict
) -> None:
    sent = client.post(
        reverse("feedback_report_new", args=[village.pk]),
        {"category": categories["roads"].pk, "description": "Cây đổ"},
        follow=True,
    )
    assert reverse("feedback_mine") in sent.content.decode()
    assert reverse("feedback_mine") in client.get(reverse("feedback_track")).content.decode()
