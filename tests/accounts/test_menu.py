"""The menu offers each role only pages that open for it: no link leads to a refusal."""

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROLES = ("village_head", "officer", "digital_team", "security_officer", "commune_official")


def _menu_links(html: str) -> list[str]:
    panel = re.search(r'<nav class="menu__panel".*?</nav>', html, re.S)
    assert panel, "the page has no menu"
    return re.findall(r'<a href="(/[^"]*)"', panel.group(0))


@pytest.mark.parametrize("role", ROLES)
def test_every_link_of_a_staff_members_menu_opens(
    role: str, request: pytest.FixtureRequest, world: Any
) -> None:
    client = Client(headers={"accept-language": "vi"})
    client.force_login(request.getfixturevalue(role))
    links = _menu_links(client.get("/dashboard/").content.decode())

    refused = [(link, client.get(link).status_code) for link in links]
    refused = [(link, status) for link, status in refused if status >= 400]

    assert len(links) > 5
    assert not refused


def test_the_team_and_door_to_door_pages_are_offered_to_those_who_use_them(
    world: Any, village_head: Any, security_officer: Any, commune_official: Any
) -> None:
    def links_of(user: Any) -> list[str]:
        client = Client()
        client.force_login(user)
        return _menu_links(client.get("/dashboard/").content.decode())

    head, security, commune = map(links_of, (village_head, security_officer, commune_official))
    assert "/team/invitations/" in head and "/adoption/" in head
    assert "/team/invitations/" not in security and "/adoption/" not in security
    assert "/team/invitations/" in commune and "/adoption/" not in commune
    assert "/adoption/figures/" in security
