"""Build the demo: a commune with three villages, their lanes and households, a user per role.

Idempotent: running it again changes nothing that exists and prints the same logins. The demo
is built relative to the day it runs, so it tells the same story on any date.
"""

import importlib
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import membership_create
from households.demo import MODEL_VILLAGE_LANES
from households.history import change_context, record
from households.models import Commune, Household, Lane, Resident, Village
from households.synthetic import bulk_insert, village_rows
from households.territory import territory_load
from villageportal.extensions import PORTAL_APPS

DEMO_COMMUNE_CODE = "18673"  # Xã Cẩm Xuyên, Hà Tĩnh
DEMO_VILLAGES = [
    # (name, households, lanes, introduction)
    (
        "Thôn Đông Phú",
        300,
        MODEL_VILLAGE_LANES,
        "Thôn thông minh kiểu mẫu: mỗi ngõ có biển mã QR, camera an ninh trên các trục "
        "đường, thông báo của thôn đến từng hộ qua loa thông minh và nhóm Zalo.",
    ),
    ("Thôn Tây Sơn", 140, ["Đường trục thôn", "Xóm Trên", "Xóm Dưới", "Ngõ 1", "Ngõ 2"], ""),
    ("Thôn Bắc Hà", 90, ["Đường liên thôn", "Xóm Mới", "Xóm Cũ"], ""),
]
DEMO_USERS = [
    # (e-mail, phone, name, role, village index or None for the commune)
    ("truongthon@example.com", "0912000001", "Nguyễn Văn Thành", Role.VILLAGE_HEAD, 0),
    ("canbothon@example.com", "0912000002", "Trần Thị Hoa", Role.VILLAGE_OFFICER, 0),
    ("totcongnghe@example.com", "0912000003", "Lê Minh Tuấn", Role.DIGITAL_TEAM, 0),
    ("congan@example.com", "0912000004", "Phạm Quang Huy", Role.SECURITY_OFFICER, 0),
    ("canboxa@example.com", "0912000005", "Hoàng Thị Lan", Role.COMMUNE_OFFICIAL, None),
    ("nguoidan@example.com", "0912000006", "Võ Thị Mai", Role.RESIDENT, 0),
    ("truongthon.tayson@example.com", "0912000007", "Đặng Văn Hùng", Role.VILLAGE_HEAD, 1),
]
ADMIN_EMAIL = "admin@example.com"


class Command(BaseCommand):
    help = "Load the demo commune, villages, lanes, households and one user per role."

    def handle(self, *args: Any, **options: Any) -> None:
        territory_load()
        with change_context(source="command", command="seed_demo"):
            villages = self._villages()
        self._users(villages)
        with change_context(source="command", command="seed_demo"), self._quiet() as sent:
            self._apps(villages)
        self._print_mail(sent)
        self._print_logins()

    @contextmanager
    def _quiet(self) -> Iterator[list[mail.EmailMessage]]:
        """Capture the demo's e-mails and silence the in-process tasks' log lines."""
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        had_outbox = hasattr(mail, "outbox")
        previous = list(getattr(mail, "outbox", []))
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                mail.outbox = []
                captured: list[mail.EmailMessage] = []
                yield captured
                captured.extend(mail.outbox)
        finally:
            trace.setLevel(level)
            if had_outbox:
                mail.outbox = previous
            elif hasattr(mail, "outbox"):
                del mail.outbox

    def _print_mail(self, sent: list[mail.EmailMessage]) -> None:
        if not sent:
            return
        folder = Path(settings.DEMO_MAIL_DIR)
        folder.mkdir(exist_ok=True)
        for number, message in enumerate(sent, start=1):
            (folder / f"demo-{number:04d}.eml").write_bytes(message.message().as_bytes())
        self.stdout.write(f"{len(sent)} e-mails of the demo's activity written to {folder}/")

    def _apps(self, villages: list[Village]) -> None:
        """Each village app adds its own demo data (``<app>/demo.py``, ``seed``)."""
        for app in PORTAL_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            with transaction.atomic():
                module.seed(villages=villages, stdout=self.stdout)

    @transaction.atomic
    def _villages(self) -> list[Village]:
        commune = Commune.objects.get(code=DEMO_COMMUNE_CODE)
        villages = []
        for index, (name, households, lanes, intro) in enumerate(DEMO_VILLAGES):
            village, _created = Village.objects.get_or_create(
                commune=commune,
                name=name,
                valid_until=None,
                defaults={"introduction": intro, "office_phone": "0239 3861 000"},
            )
            for order, lane_name in enumerate(lanes, start=1):
                Lane.objects.get_or_create(
                    village=village, name=lane_name, defaults={"sort_order": order}
                )
            if not Household.objects.filter(village=village).exists():
                self._households(village, households, seed=2026 + index)
            villages.append(village)
        return villages

    def _households(self, village: Village, count: int, seed: int) -> None:
        rng = random.Random(seed)
        lanes = list(village.lanes.order_by("sort_order").values_list("pk", "name"))
        rows = list(
            village_rows(
                rng=rng,
                lanes=lanes,
                count=count,
                today=timezone.localdate(),
                province_code=village.commune.province.code,
                centre=(18.2460 + seed % 10 * 0.01, 106.0020),
                address_prefix=f"HT{village.commune.code}{seed % 10}",
                used_ids=set(
                    Resident.objects.exclude(national_id="").values_list("national_id", flat=True)
                ),
            )
        )
        households, residents = bulk_insert(village=village, rows=rows)
        record(households, "insert")
        record(residents, "insert")

    @transaction.atomic
    def _users(self, villages: list[Village]) -> None:
        for email, phone, name, role, village_index in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=settings.DEMO_PASSWORD,
                    full_name=name,
                    phone="+84" + phone[1:],
                )
            village = villages[village_index] if village_index is not None else villages[0]
            membership_create(user=user, role=role, village=village)
        self._link_demo_resident(villages[0])
        if not User.objects.filter(email=ADMIN_EMAIL).exists():
            User.objects.create_superuser(
                email=ADMIN_EMAIL, password=settings.DEMO_PASSWORD, full_name="Quản trị hệ thống"
            )

    def _link_demo_resident(self, village: Village) -> None:
        """The demo resident's account opens the record of a head of household."""
        user = User.objects.get(email="nguoidan@example.com")
        if Resident.objects.filter(account=user).exists():
            return
        head = (
            Resident.objects.current()
            .filter(household__village=village, is_head=True, gender="female")
            .order_by("pk")
            .first()
        )
        if head is not None:
            Resident.objects.filter(pk=head.pk).update(account=user)
            user.full_name = head.full_name
            user.save(update_fields=["full_name"])

    def _print_logins(self) -> None:
        out = self.stdout
        base = settings.PORTAL_BASE_URL.rstrip("/")
        out.write("")
        out.write(self.style.SUCCESS(f"Demo ready at {base}/  (Ctrl+C stops the server)"))
        out.write(f"Sign in at {base}/accounts/login/ with e-mail or phone:")
        out.write(f"  password for every demo account: {settings.DEMO_PASSWORD}")
        names = dict(User.objects.values_list("email", "full_name"))
        for email, phone, _name, role, _village in DEMO_USERS:
            out.write(f"  {Role(role).label:<28} {email:<32} {phone}  ({names.get(email, '')})")
        out.write(f"  {'Administrator':<28} {ADMIN_EMAIL:<32}")
