"""Hostile input on every route of the access matrix: refused with a 4xx, never a 500, no write.

Every route is tried by an actor allowed to use it, with every field its page shows (and the
usual field names of the API and Open311) filled with control characters, then with NaN and
the infinities where a number is expected.
"""

import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from tests.access import ANON, COMMUNE, DIGITAL, HEAD, OFFICER, OUTSIDER, RESIDENT, SECURITY, SUPER
from tests.test_access_matrix import ROUTES, _url, rule_for

PREFERRED_ACTORS = [HEAD, SUPER, COMMUNE, OFFICER, SECURITY, DIGITAL, RESIDENT, OUTSIDER, ANON]
# Field names of forms without a page of their own (POST-only routes), the API and Open311.
USUAL_FIELDS = [
    "reason",
    "description",
    "name",
    "title",
    "body",
    "note",
    "text",
    "full_name",
    "house_number",
    "phone",
    "email",
    "service_code",
    "api_key",
    "lat",
    "long",
    "lng",
    "latitude",
    "longitude",
    "value",
    "amount",
]
NUMBER_FIELD = re.compile(r"lat|lon|lng|amount|value|threshold|numerator|percent|distance")
HOSTILE_TEXTS = ["a\x00b", "a\x1b\x85b"]
HOSTILE_NUMBERS = ["NaN", "-Infinity"]
FIELD = re.compile(r"""<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"[^>]*>""")
NUMBER_INPUT = re.compile(r'<input\b[^>]*\btype="number"[^>]*\bname="([^"]+)"')


def _actor(rule: Any) -> str:
    return next((a for a in PREFERRED_ACTORS if a in rule.allowed), HEAD)


def _post(client: Client, url: str, payload: dict[str, str], *, api: bool) -> Any:
    """A form post, or a JSON one for the API."""
    if api:
        return client.post(url, json.dumps(payload), "application/json")
    return client.post(url, payload)


def _fingerprint() -> dict[str, int]:
    """Rows per table; sessions are left out (signing in writes one)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label not in ("sessions.Session",) and not model._meta.proxy
    }


def _fields(client: Client, url: str) -> tuple[set[str], set[str]]:
    """The names of the page's form fields, and those of its number inputs."""
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return set(), set()
    html = response.content.decode(errors="replace")
    return set(FIELD.findall(html)) - {"csrfmiddlewaretoken"}, set(NUMBER_INPUT.findall(html))


def _routes() -> list[Any]:
    return [r for r in ROUTES if not rule_for(r).admin]  # type: ignore[union-attr]


def _client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _ctx(world: Any) -> dict[str, Any]:
    return {
        "village": world.village,
        "lane": world.lane,
        "household": world.household,
        "other_village": world.other_village,
    }


def _visits(actor_users: dict[str, Any], world: Any) -> Any:
    """Each route with its rule, a client allowed to use it and its address."""
    ctx = _ctx(world)
    for route in _routes():
        rule = rule_for(route)
        assert rule is not None
        yield route, rule, _client(actor_users[_actor(rule)]), _url(route, rule, ctx)


def test_control_characters_are_refused_everywhere_and_change_nothing(
    actor_users: dict[str, Any], world: Any
) -> None:
    failures = []
    for _route, rule, client, url in _visits(actor_users, world):
        fields, _numbers = _fields(client, url) if rule.method == "GET" else (set(), set())
        names = sorted(fields | set(rule.data) | set(USUAL_FIELDS))
        before = _fingerprint()
        for hostile in HOSTILE_TEXTS:
            payload = {name: hostile for name in names}
            attempts = [
                ("GET", client.get(url, {"q": hostile})),
                ("POST", _post(client, url, payload, api=rule.api)),
            ]
            for how, response in attempts:
                if response.status_code != 400:
                    failures.append(f"{how} {url} {hostile!r}: {response.status_code}")
        after = _fingerprint()
        if after != before:
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            failures.append(f"{url}: rows written {changed}")
    assert not failures, "\n".join(failures)


def test_numbers_that_are_not_finite_never_give_a_server_error(
    actor_users: dict[str, Any], world: Any
) -> None:
    failures = []
    for route, rule, client, url in _visits(actor_users, world):
        fields, numbers = _fields(client, url) if rule.method == "GET" else (set(), set())
        # The API's number fields are those of its records (lists and details), not its actions.
        outside = (rule.api and route.key.endswith(("-list", "-detail"))) or url.startswith(
            "/open311/"
        )
        usual = set(USUAL_FIELDS) if outside else set()
        names = {n for n in fields | set(rule.data) | usual if NUMBER_FIELD.search(n)}
        names |= numbers
        if not names:
            continue
        before = _fingerprint()
        for hostile in HOSTILE_NUMBERS:
            payload = {name: hostile for name in names}
            attempts = [
                ("GET", client.get(url, payload)),
                ("POST", _post(client, url, payload, api=rule.api)),
            ]
            for how, response in attempts:
                if response.status_code >= 500:
                    failures.append(f"{how} {url} {hostile!r}: {response.status_code}")
        after = _fingerprint()
        if after != before:
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            failures.append(f"{url}: rows written {changed}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("text", ["a\x00b", "x\x01", "\x1f", "\ud800"])
def test_the_api_refuses_a_control_character_in_a_deletion_reason(
    text: str, village_head: Any, world: Any
) -> None:
    client = _client(village_head)
    response = client.post(
        f"/api/v1/households/{world.household.pk}/delete/",
        json.dumps({"reason": text}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "ký tự điều khiển" in response.json()["detail"]
    world.household.refresh_from_db()
    assert world.household.deleted_at is None


def test_tab_and_line_breaks_are_text(village_head: Any, world: Any) -> None:
    client = _client(village_head)
    response = client.post(
        f"/api/v1/households/{world.household.pk}/delete/",
        json.dumps({"reason": "Chuyển đi\r\n\tnơi khác"}),
        content_type="application/json",
    )
    assert response.status_code < 400, response.content


@pytest.fixture
def open311(village_head: Any, world: Any) -> dict[str, str]:
    from feedback import services

    services.categories_ensure_defaults(village=world.village)
    _key, raw = services.api_key_create(
        village=world.village, name="Bảng điều hành", by=village_head
    )
    return {
        "jurisdiction_id": str(world.village.pk),
        "api_key": raw,
        "service_code": "roads",
        "description": "Cây đổ chắn đường",
        "lat": "16.4637",
        "long": "107.5909",
    }


@pytest.mark.parametrize(
    "field, value",
    [
        ("lat", "NaN"),
        ("long", "-Infinity"),
        ("lat", "Infinity"),
        ("description", "Cây\x00đổ"),
        ("description", "\x1b[31m"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_refuses_what_is_not_text_or_a_finite_number(
    open311: dict[str, str], field: str, value: str, fmt: str
) -> None:
    from feedback.models import Report

    url = f"/open311/v2/requests.{fmt}"
    response = Client().post(url, {**open311, field: value})
    assert response.status_code == 400, response.content
    assert not Report.objects.exists()
    assert Client().post(url, open311).status_code == 201


@pytest.mark.parametrize("value", ["NaN", "-Infinity", "inf", "snan"])
def test_the_public_feedback_pages_ignore_a_position_that_is_not_a_number(
    value: str, world: Any
) -> None:
    client = Client()
    village = world.village.pk
    for url in (f"/feedback/{village}/new/", f"/feedback/{village}/similar/"):
        response = client.get(url, {"lat": value, "lng": value})
        assert response.status_code == 200, url


def test_changing_ones_own_phone_number_is_refused_with_a_reason(resident: Any) -> None:
    before = resident.phone
    client = _client(resident)
    response = client.post("/accounts/phone/change/", {"phone": "0987 654 321"})
    assert response.status_code == 200
    assert "kiểm tra trực tiếp" in response.content.decode()
    resident.refresh_from_db()
    assert resident.phone == before
