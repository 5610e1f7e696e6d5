"""Settings for the lane-page benchmark's server: the portal's, with a bench-only urlconf."""

import os

from villageportal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.qrsigns_server.urls"

# Seconds a web process may keep a village's public-cache version (0: ask every request).
QRSIGNS_VERSION_TTL = float(os.environ.get("QRSIGNS_VERSION_TTL", "0"))
