"""The app's settings: read from Django settings, else from the environment, else a default.

The environment fallback lets a worker process started with only environment variables
(the broker tests, the benchmark) reach a gateway without a settings module of its own.
"""

import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "ANNOUNCEMENTS_SMS_URL": "",
    "ANNOUNCEMENTS_SMS_TOKEN": "",
    "ANNOUNCEMENTS_SMS_WEBHOOK_SECRET": "",
    "ANNOUNCEMENTS_ZALO_URL": "",
    "ANNOUNCEMENTS_ZALO_TOKEN": "",
    "ANNOUNCEMENTS_ZALO_TEMPLATE_ID": "",
    "ANNOUNCEMENTS_ZALO_WEBHOOK_SECRET": "",
    # Messages per second per channel, shared by all workers; 0 for no limit.
    "ANNOUNCEMENTS_RATE_SMS": 200,
    "ANNOUNCEMENTS_RATE_ZALO": 200,
    "ANNOUNCEMENTS_RATE_EMAIL": 20,
    "ANNOUNCEMENTS_RATE_WEB": 0,
    "ANNOUNCEMENTS_CHUNK": 200,
    # Threads of a worker process sending a chunk's SMS or Zalo messages at once; 1 for none.
    "ANNOUNCEMENTS_SEND_THREADS": 16,
    "ANNOUNCEMENTS_MAX_ATTEMPTS": 5,
    "ANNOUNCEMENTS_RETRY_SECONDS": 30,
    "ANNOUNCEMENTS_GATEWAY_TIMEOUT": 10,
    "ANNOUNCEMENTS_DRAIN_WORKERS": 2,
    "ANNOUNCEMENTS_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "ANNOUNCEMENTS_SPEAKER_SILENT_MINUTES": 30,
    "ANNOUNCEMENTS_TTS_ENGINE": "announcements.tts.EspeakEngine",
}


def setting(name: str) -> Any:
    default = DEFAULTS[name]
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or (value == "" and default != ""):
        return default
    if isinstance(default, int) and not isinstance(value, int):
        return int(value)
    return value
