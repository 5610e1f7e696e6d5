"""Settings for the feedback benchmark's web process: the portal's, with the submission rate
limits lifted (every request comes from 127.0.0.1) and photos stored in a scratch folder."""

import os

from villageportal.settings import *  # noqa: F403

FEEDBACK_RATE_PER_IP = "1000000/60"
FEEDBACK_RATE_PER_CONTACT = "1000000/60"
MEDIA_ROOT = os.environ["BENCH_MEDIA_ROOT"]
