from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from announcements import services
from announcements.live import feed_group_name


class FeedConsumer(AsyncJsonWebsocketConsumer):
    """A signed-in person's own announcements as they arrive; nobody else's."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close()
            return
        self.group = feed_group_name(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients listen, and say which pushed announcements their page received."""
        code = content.get("received") if isinstance(content, dict) else None
        if isinstance(code, str) and self.group:
            await database_sync_to_async(services.announcement_received)(
                user=self.scope["user"], code=code
            )

    async def live_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
