"""Camera credentials at rest, under the keys of ``CAMERA_CREDENTIALS_KEY``
(``villageportal.keyring``: comma-separated Fernet keys, newest first, so they can be rotated).
"""

import json
from dataclasses import dataclass

from villageportal.keyring import KeyRing

KEYS = KeyRing("CAMERA_CREDENTIALS_KEY", purpose="camera-credentials")


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
    return KEYS.encrypt(json.dumps({"u": credentials.username, "p": credentials.password}))


def decrypt(token: str) -> Credentials:
    if not token:
        return Credentials()
    plain = KEYS.decrypt(token)
    try:
        data = json.loads(plain) if plain else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        # A key was retired too early: say the credentials are unusable, not crash a page.
        return Credentials()
    return Credentials(username=data.get("u", ""), password=data.get("p", ""))


def rotate(token: str) -> str:
    """The same credentials under the newest key."""
    return KEYS.rotate(token)
