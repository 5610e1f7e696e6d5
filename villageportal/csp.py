"""The Content-Security-Policy (django-csp), with the map tile server as an image source.

The policy itself is ``CONTENT_SECURITY_POLICY`` in the settings: scripts and styles only from
our own static files. The map tiles come from ``MAP_TILE_URL``, read when each response is
made, so that the policy and the maps always name the same server.
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


def tile_origin(url: str) -> list[str]:
    """``https://{s}.tile.example.org/{z}/{x}/{y}.png`` -> ``https://*.tile.example.org``."""
    parts = urlsplit((url or "").replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        tiles = tile_origin(settings.MAP_TILE_URL)
        if tiles:
            update = dict(parts.update or {})
            update["img-src"] = [*update.get("img-src", []), *tiles]
            parts.update = update
        return parts
