"""Every HTML page carries the Content-Security-Policy and the Permissions-Policy."""

from typing import Any

from django.test import Client

from tests.test_access_matrix import ROUTES, _url, rule_for
from tests.test_hostile_input import _actor, _client, _ctx


def _directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def test_the_policy_is_strict(db: None, settings: Any) -> None:
    settings.MAP_TILE_URL = "https://{s}.tiles.example.vn/{z}/{x}/{y}.png"
    response = Client().get("/")
    policy = _directives(response["Content-Security-Policy"])
    for directive in ("script-src", "style-src", "default-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "https://*.tiles.example.vn" in policy["img-src"]
    permissions = response["Permissions-Policy"]
    assert "camera=()" in permissions and "microphone=()" in permissions
    assert "geolocation=(self)" in permissions


def test_every_html_page_carries_both_policies(actor_users: dict[str, Any], world: Any) -> None:
    ctx = _ctx(world)
    pages, missing = 0, []
    for route in ROUTES:
        rule = rule_for(route)
        assert rule is not None
        if rule.method != "GET" or rule.admin:
            continue
        url = _url(route, rule, ctx)
        response = _client(actor_users[_actor(rule)]).get(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        for header in ("Content-Security-Policy", "Permissions-Policy"):
            if header not in response:
                missing.append(f"{url}: {header}")
    assert pages > 50
    assert not missing, "\n".join(missing)
