from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.roles import STAFF_ROLES
from households.live import village_group_name
from households.models import Village


@database_sync_to_async
def _can_see(user: Any, village_id: Any) -> bool:
    return Village.objects.visible_to(user, STAFF_ROLES).filter(pk=village_id).exists()


class VillageLiveConsumer(AsyncJsonWebsocketConsumer):
    """Live events for one village's dashboards; staff of that village only.

    Anyone else is refused at the handshake, whether the village exists or not.
    """

    group: str | None = None

    async def connect(self) -> None:
        village_id = self.scope["url_route"]["kwargs"]["village_id"]
        if not await _can_see(self.scope.get("user"), village_id):
            await self.close()
            return
        self.group = village_group_name(village_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; anything they send is ignored."""

    async def live_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
