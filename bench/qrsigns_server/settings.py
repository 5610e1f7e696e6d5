"""Settings for the lane-page benchmark's server: the portal's, with a bench-only urlconf."""

from villageportal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.qrsigns_server.urls"
