"""Camera credentials at rest: Fernet tokens under keys from the environment.

``CAMERA_CREDENTIALS_KEY`` holds one or more Fernet keys, comma-separated, newest first: new
values are encrypted with the first, any of them decrypts (MultiFernet), so keys can be
rotated. In development (DEBUG) without a key, one is derived from SECRET_KEY so that a bare
machine works; in production a missing key is an error, never a silent plain-text fallback.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cameras import conf


def _fernet() -> MultiFernet:
    keys = conf.credentials_keys()
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured("CAMERA_CREDENTIALS_KEY must be set when DEBUG is off.")
        derived = hashlib.sha256(b"camera-credentials:" + settings.SECRET_KEY.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return _multi(keys)


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    """One MultiFernet per key list: a probe run decrypts thousands of credentials."""
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("CAMERA_CREDENTIALS_KEY is not a valid Fernet key.") from exc


@dataclass(frozen=True)
class Credentials:
    username: str = ""
    password: str = ""

    def __bool__(self) -> bool:
        return bool(self.username or self.password)

    @property
    def masked(self) -> str:
        """What a page may show: the first letter of the user name, never the password."""
        if not self:
            return ""
        user = (self.username[:1] + "•••") if self.username else "—"
        return f"{user} / ••••••" if self.password else user


def encrypt(credentials: Credentials) -> str:
    if not credentials:
        return ""
    data = json.dumps({"u": credentials.username, "p": credentials.password})
    return _fernet().encrypt(data.encode()).decode()


def decrypt(token: str) -> Credentials:
    if not token:
        return Credentials()
    try:
        data = json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        # A key was retired too early: say the credentials are unusable, not crash a page.
        return Credentials()
    return Credentials(username=data.get("u", ""), password=data.get("p", ""))


def rotate(token: str) -> str:
    """The same credentials under the newest key."""
    return _fernet().rotate(token.encode()).decode() if token else ""
