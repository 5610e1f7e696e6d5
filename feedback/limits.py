"""Rate limits for anonymous submissions, counted in the shared cache (Redis in production).

Fixed windows keyed by the sender's digest: a few lines on top of ``cache.add``/``incr``
rather than django-ratelimit, whose decorator limits a whole view, while here the contact
given in the form is only known after it has been validated.
"""

import time

from django.conf import settings
from django.core.cache import cache


def _limit(name: str) -> tuple[int, int]:
    count, _, seconds = str(getattr(settings, name)).partition("/")
    return int(count), int(seconds)


def hit(scope: str, key: str, *, setting: str) -> bool:
    """Count one attempt; False once the limit of the current window is passed."""
    count, seconds = _limit(setting)
    window = int(time.time() // seconds)
    cache_key = f"feedback:rl:{scope}:{key}:{window}"
    if cache.add(cache_key, 1, timeout=seconds + 5):
        return count >= 1
    try:
        value = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=seconds + 5)
        value = 1
    return value <= count


def allow_ip(ip_hash: str) -> bool:
    return hit("ip", ip_hash, setting="FEEDBACK_RATE_PER_IP")


def allow_contact(contact_hash: str) -> bool:
    return hit("contact", contact_hash, setting="FEEDBACK_RATE_PER_CONTACT")
