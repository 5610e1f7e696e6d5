"""Browsers and feed readers ask for /favicon.ico whatever a page links to."""

from django.test import Client


def test_favicon_ico_leads_to_the_portals_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
