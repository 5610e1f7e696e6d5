from django.urls import path

from announcements.consumers import FeedConsumer
from households.consumers import VillageLiveConsumer

websocket_urlpatterns = [
    path(
        "ws/villages/<uuid:village_id>/live/", VillageLiveConsumer.as_asgi(), name="ws_village_live"
    ),
    path("ws/announcements/feed/", FeedConsumer.as_asgi(), name="ws_announcements_feed"),
]
