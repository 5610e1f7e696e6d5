"""Provider tokens at rest (the Zalo OA's access and rotating refresh tokens), under the keys of
``ANNOUNCEMENTS_TOKEN_KEY`` (``villageportal.keyring``, the same scheme as camera credentials).
"""

from villageportal.keyring import KeyRing

KEYS = KeyRing("ANNOUNCEMENTS_TOKEN_KEY", purpose="announcements-tokens")


def encrypt(value: str) -> str:
    return KEYS.encrypt(value)


def decrypt(token: str) -> str:
    """The plain value, or "" when no key decrypts it (a key retired too early)."""
    return KEYS.decrypt(token) or ""
