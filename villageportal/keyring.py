"""Secrets kept at rest (camera credentials, a provider's tokens): Fernet tokens under keys from
the environment.

A setting holds one or more Fernet keys, comma-separated, newest first: new values are encrypted
with the first and any of them decrypts (MultiFernet), so keys can be rotated. In development
(DEBUG) without a key, one is derived from SECRET_KEY so that a bare machine works; in production
a missing key is an error, never a silent plain-text fallback.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class KeyRing:
    """The keys named by one setting; ``purpose`` keeps derived development keys apart."""

    def __init__(self, setting: str, purpose: str) -> None:
        self.setting = setting
        self.purpose = purpose

    def keys(self) -> tuple[str, ...]:
        configured = getattr(settings, self.setting, None) or ()
        if isinstance(configured, str):
            configured = configured.split(",")
        return tuple(str(key).strip() for key in configured if str(key).strip())

    def fernet(self) -> MultiFernet:
        keys = self.keys()
        if not keys:
            if not settings.DEBUG:
                raise ImproperlyConfigured(f"{self.setting} must be set when DEBUG is off.")
            seed = f"{self.purpose}:{settings.SECRET_KEY}".encode()
            keys = (base64.urlsafe_b64encode(hashlib.sha256(seed).digest()).decode(),)
        try:
            return _multi(keys)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{self.setting} is not a valid Fernet key.") from exc

    def encrypt(self, value: str) -> str:
        return self.fernet().encrypt(value.encode()).decode() if value else ""

    def decrypt(self, token: str) -> str | None:
        """The plain value; None when no key decrypts it (a key retired too early)."""
        if not token:
            return ""
        try:
            return self.fernet().decrypt(token.encode()).decode()
        except InvalidToken:
            return None

    def rotate(self, token: str) -> str:
        """The same value under the newest key."""
        return self.fernet().rotate(token.encode()).decode() if token else ""


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    """One MultiFernet per key list: a probe run decrypts thousands of credentials."""
    return MultiFernet([Fernet(key.encode()) for key in keys])
