"""ASGI entry point: HTTP through Django, WebSocket through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "villageportal.settings")

# Django must be set up before the routing imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from accounts.middleware import RequiredTwoFactorWebSocketMiddleware  # noqa: E402
from villageportal.edge_cache import PublicPageCache  # noqa: E402
from villageportal.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # The public pages behind the QR signs are answered from their kept copies when the
        # village has not changed since (villageportal.edge_cache); the rest goes to Django.
        "http": PublicPageCache(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                RequiredTwoFactorWebSocketMiddleware(URLRouter(websocket_urlpatterns))
            )
        ),
    }
)
