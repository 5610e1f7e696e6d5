"""Open311 GeoReport v2: what a standard client sees and may write."""

import json
from typing import Any
from xml.etree import ElementTree as ET  # our own responses, not untrusted input

import pytest
from django.test import Client
from django.urls import reverse

from feedback import services
from feedback.models import Category, Report
from tests.feedback.conftest import make_report

pytestmark = pytest.mark.django_db


def _xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314


def _get(client: Client, name: str, village: Any, fmt: str = "json", **kwargs: Any) -> Any:
    return client.get(
        reverse(name, kwargs={"fmt": fmt, **kwargs}), {"jurisdiction_id": str(village.pk)}
    )


def test_services_and_a_definition_in_json_and_xml(
    client: Client, village: Any, categories: dict
) -> None:
    Category.objects.filter(pk=categories["water"].pk).update(
        questions=[{"key": "meter", "label": "Số đồng hồ", "required": True}]
    )
    data = _get(client, "feedback_open311_services", village).json()
    codes = {s["service_code"] for s in data}
    assert {"electricity", "water", "roads", "security", "environment", "other"} == codes
    water = next(s for s in data if s["service_code"] == "water")
    assert water["metadata"] is True and water["type"] == "realtime"
    xml = _xml(_get(client, "feedback_open311_services", village, "xml").content)
    assert xml.tag == "services" and len(xml.findall("service")) == 6
    definition = _get(client, "feedback_open311_service", village, code="water").json()
    assert definition["attributes"][0]["code"] == "meter"
    assert definition["attributes"][0]["required"] is True
    xml = _xml(_get(client, "feedback_open311_service", village, "xml", code="water").content)
    assert xml.find("attributes/attribute/code").text == "meter"
    missing = _get(client, "feedback_open311_service", village, code="nope")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_a_missing_or_unknown_jurisdiction_gets_an_open311_error(client: Client, db: None) -> None:
    response = client.get(reverse("feedback_open311_services", kwargs={"fmt": "xml"}))
    assert response.status_code == 400
    assert _xml(response.content).tag == "errors"
    response = client.get(
        reverse("feedback_open311_services", kwargs={"fmt": "json"}),
        {"jurisdiction_id": "00000000-0000-0000-0000-000000000000"},
    )
    assert response.status_code == 404


def test_requests_show_public_fields_only(client: Client, village: Any, categories: dict) -> None:
    shown = make_report(
        village, categories["roads"], reporter_name="Phan Văn Riêng", reporter_phone="+84912000111"
    )
    hidden = make_report(village, categories["roads"], description="Bị ẩn")
    Report.objects.filter(pk=hidden.pk).update(hidden=True)
    data = _get(client, "feedback_open311_requests", village).json()
    assert [r["service_request_id"] for r in data] == [shown.public_code]
    body = json.dumps(data, ensure_ascii=False)
    for private in ("Phan Văn Riêng", "+84912000111", "nam@example.com", shown.tracking_code):
        assert private not in body
    one = _get(client, "feedback_open311_request", village, request_id=shown.public_code).json()
    assert one[0]["status"] == "open" and one[0]["service_code"] == "roads"
    xml = _xml(
        _get(
            client, "feedback_open311_request", village, "xml", request_id=shown.public_code
        ).content
    )
    assert xml.tag == "service_requests" and xml.find("request/status").text == "open"
    gone = _get(client, "feedback_open311_request", village, request_id=hidden.public_code)
    assert gone.status_code == 404


def test_creating_a_request_needs_a_key_of_that_village(
    client: Client,
    village: Any,
    other_village: Any,
    categories: dict,
    village_head: Any,
    outsider: Any,
) -> None:
    _key, raw = services.api_key_create(village=village, name="City dashboard", by=village_head)
    _other, other_raw = services.api_key_create(
        village=other_village, name="Elsewhere", by=outsider
    )
    url = reverse("feedback_open311_requests", kwargs={"fmt": "json"})
    data = {
        "jurisdiction_id": str(village.pk),
        "service_code": "roads",
        "description": "Cây đổ chắn đường",
        "address_string": "Ngõ Văn hóa",
        "email": "dan@example.com",
        "first_name": "Dân",
    }
    assert client.post(url, data).status_code == 403
    assert client.post(url, {**data, "api_key": other_raw}).status_code == 403
    response = client.post(url, {**data, "api_key": raw})
    assert response.status_code == 201, response.content
    created = response.json()[0]
    report = Report.objects.get(public_code=created["service_request_id"])
    assert report.reporter_email == "dan@example.com" and report.village == village
    bad = client.post(url, {**data, "api_key": raw, "service_code": "nope"})
    assert bad.status_code == 404
    empty = client.post(url, {**data, "api_key": raw, "description": ""})
    assert empty.status_code == 400 and Report.objects.count() == 1
    services.api_key_revoke(key=_key)
    assert client.post(url, {**data, "api_key": raw}).status_code == 403


def test_staff_manage_keys_and_see_the_raw_key_once(
    village: Any, village_head: Any, officer: Any
) -> None:
    head = Client()
    head.force_login(village_head)
    response = head.post(reverse("feedback_settings"), {"action": "api_key", "name": "Hue-S"})
    assert response.status_code == 200
    raw = response.context["raw_key"]
    assert (
        raw.startswith("o311_")
        and raw not in head.get(reverse("feedback_settings")).content.decode()
    )
    clerk = Client()
    clerk.force_login(officer)
    assert (
        clerk.post(reverse("feedback_settings"), {"action": "api_key", "name": "X"}).status_code
        == 403
    )
