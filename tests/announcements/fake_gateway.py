"""Both fake providers at once (``fake_esms.FakeEsms`` for SMS, ``fake_zalo.FakeZalo`` for
Zalo ZNS), with one set of settings pointing the portal at them."""

from collections import Counter
from typing import Any

from tests.announcements.fake_esms import FakeEsms
from tests.announcements.fake_zalo import FakeZalo


class FakeProviders:
    def __init__(self) -> None:
        self.sms = FakeEsms()
        self.zalo = FakeZalo()

    def env(self) -> dict[str, str]:
        return {**self.sms.env(), **self.zalo.env()}

    @property
    def messages(self) -> dict[str, dict[str, Any]]:
        return {**self.sms.state.messages, **self.zalo.state.messages}

    def per_recipient(self) -> Counter:
        return self.sms.state.per_recipient() + self.zalo.state.per_recipient()

    def __enter__(self) -> "FakeProviders":
        self.sms.__enter__()
        self.zalo.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sms.__exit__(*exc)
        self.zalo.__exit__(*exc)
