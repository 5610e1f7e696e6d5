"""The village's Zalo OA followers who linked themselves to a resident, for the app that
writes to residents through the OA without knowing the app that keeps the followers.

Feedback keeps the followers (it serves the OA's webhook) and registers its lookup when it
starts; announcements asks it for the residents of a chunk of messages. Without a registered
lookup nobody is a follower, and messages go by ZNS to the phone.
"""

from collections.abc import Callable
from datetime import datetime

# resident ids -> {resident id: (Zalo user id, when they last wrote to the OA or None)}
Lookup = Callable[[list[int]], dict[int, tuple[str, datetime | None]]]
_lookup: list[Lookup] = []


def register(lookup: Lookup) -> None:
    _lookup[:] = [lookup]


def followers(resident_ids: list[int]) -> dict[int, tuple[str, datetime | None]]:
    if not _lookup or not resident_ids:
        return {}
    return _lookup[0](resident_ids)
