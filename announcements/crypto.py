"""Provider tokens at rest (the Zalo OA's access and rotating refresh tokens): Fernet tokens under
keys from the environment, the same scheme as camera credentials (``cameras.crypto``).

``ANNOUNCEMENTS_TOKEN_KEY`` holds one or more Fernet keys, comma-separated, newest first: new
values are encrypted with the first, any of them decrypts, so keys can be rotated. In development
(DEBUG) without a key, one is derived from SECRET_KEY so that a bare machine works; in production
a missing key is an error, never a silent plain-text fallback.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> MultiFernet:
    configured = settings.ANNOUNCEMENTS_TOKEN_KEY or ()
    if isinstance(configured, str):
        configured = configured.split(",")
    keys = tuple(key.strip() for key in configured if key.strip())
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured("ANNOUNCEMENTS_TOKEN_KEY must be set when DEBUG is off.")
        derived = hashlib.sha256(b"announcements-tokens:" + settings.SECRET_KEY.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return _multi(keys)


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("ANNOUNCEMENTS_TOKEN_KEY is not a valid Fernet key.") from exc


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    """The plain value, or "" when no key decrypts it (a key retired too early)."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
