"""Demo data of the reports app: the default sets, the province's set tuned to the measures
installed, a year of snapshots for the model village, and three villages that show the range
(one meets every criterion, one nearly, one far from it)."""

import io
import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import membership_create
from households import services as registry
from households.models import Household, Village
from reports import engine, services
from reports.defaults import PROVINCIAL_EXAMPLE, install_defaults
from reports.models import Attestation, CriteriaSet, Indicator, Snapshot
from reports.registry import MEASURES

TEAM = [
    ("totcongnghe2@example.com", "Nguyễn Thị Hằng"),
    ("totcongnghe3@example.com", "Phan Văn Long"),
    ("totcongnghe.tayson@example.com", "Bùi Thị Nga"),
    ("totcongnghe.tayson2@example.com", "Đỗ Văn Khoa"),
    ("totcongnghe.tayson3@example.com", "Hồ Thị Thu"),
]


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), (230, 240, 250))
    ImageDraw.Draw(image).text((20, 90), "Mo hinh san xuat so - minh chung", fill=(20, 40, 80))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _demo_set(stdout: Any) -> CriteriaSet | None:
    """The province's example set, as a new version keeping only the measures installed."""
    example = CriteriaSet.objects.filter(name=PROVINCIAL_EXAMPLE["name"]).order_by("version")
    first = example.first()
    if first is None:
        return None
    latest = example.last()
    if latest.version > 1:
        return latest
    copy = services.criteria_set_new_version(criteria_set=first, by=None)
    Indicator.objects.filter(criterion__criteria_set=copy, source=Indicator.Source.MEASURE).exclude(
        measure_code__in=list(MEASURES)
    ).delete()
    copy.criteria.filter(indicators__isnull=True).delete()
    services.criteria_set_put_in_use(
        criteria_set=copy,
        by=None,
        reason="Dữ liệu mẫu: chỉ giữ các chỉ số đo được trên cổng thông tin.",
    )
    stdout.write(f"  reports: {copy} in use, with the measures installed")
    return copy


def _complete(village: Village, *, address_share: float, location_share: float) -> None:
    """Give the village's households addresses and locations up to the given shares."""
    households = Household.objects.active().filter(village=village).order_by("pk")
    total = households.count()
    for field, share in (("address", address_share), ("location", location_share)):
        has = Q(digital_address="") if field == "address" else Q(latitude__isnull=True)
        have = total - households.filter(has).count()
        wanted = math.ceil(share * total)
        if have >= wanted:
            continue
        for household in households.filter(has)[: wanted - have]:
            if field == "address":
                data = {"digital_address": f"DEMO{village.commune.code}{household.pk:07d}"}
            else:
                data = {
                    "latitude": village.latitude or 18.25,
                    "longitude": village.longitude or 106.0,
                }
            registry.household_update(household=household, by=None, **data)


def _remove_locations(village: Village, share: float) -> None:
    households = Household.objects.active().filter(village=village, latitude__isnull=False)
    total = Household.objects.active().filter(village=village).count()
    target = total - math.floor(share * total)
    for household in households.order_by("-pk")[: max(0, households.count() - target)]:
        registry.household_update(household=household, by=None, latitude=None, longitude=None)


def _team(village: Village, accounts: list[tuple[str, str]]) -> None:
    for email, name in accounts:
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=settings.DEMO_PASSWORD, full_name=name
        )
        membership_create(user=user, role=Role.DIGITAL_TEAM, village=village)


def _attest_all(criteria_set: CriteriaSet, village: Village) -> None:
    for indicator in Indicator.objects.filter(
        criterion__criteria_set=criteria_set, source=Indicator.Source.ATTESTED
    ):
        if Attestation.objects.filter(
            indicator__lineage=indicator.lineage, village=village
        ).exists():
            continue
        services.attestation_create(
            indicator=indicator,
            village=village,
            met=True,
            value=None,
            attested_on=timezone.localdate(),
            note="Mô hình trồng bưởi có truy xuất nguồn gốc bằng mã QR",
            evidence=SimpleUploadedFile("minh-chung.png", _png(), content_type="image/png"),
            by=None,
        )


def _year_of_snapshots(village: Village) -> None:
    """A year of daily figures for the model village, rising to today's real figures.

    The registry of the demo is created today, so its own history is one day long; the past
    year is drawn as a steady climb so that the trends have something to show.
    """
    today = timezone.localdate()
    start = today - timedelta(days=365)
    if Snapshot.objects.filter(village=village, taken_on__lte=start).exists():
        return
    services.snapshots_take(villages=Village.objects.filter(pk=village.pk), taken_on=today)
    current = list(Snapshot.objects.filter(village=village, taken_on=today))
    rows = []
    for days_ago in range(365, 0, -1):
        progress = (365 - days_ago) / 365
        for snap in current:
            start_share = 0.55
            share = start_share + (1 - start_share) * progress
            rows.append(
                Snapshot(
                    village=village,
                    taken_on=today - timedelta(days=days_ago),
                    measure_code=snap.measure_code,
                    numerator=round(snap.numerator * share),
                    denominator=snap.denominator,
                )
            )
    Snapshot.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def seed(villages: list[Village], stdout: Any) -> None:
    install_defaults()
    criteria_set = _demo_set(stdout)
    model, nearly, far = villages[0], villages[1], villages[2]
    _complete(model, address_share=1.0, location_share=1.0)
    _team(model, TEAM[:2])
    _complete(nearly, address_share=0.97, location_share=0.95)
    _team(nearly, TEAM[2:])
    _remove_locations(far, 0.6)
    if criteria_set is not None:
        _attest_all(criteria_set, model)
    _year_of_snapshots(model)
    services.snapshots_take(villages=Village.objects.filter(pk__in=[v.pk for v in villages]))
    if criteria_set is not None:
        reports = engine.evaluate(
            criteria_set=criteria_set,
            villages=Village.objects.filter(pk__in=[v.pk for v in villages]),
            as_of=timezone.localdate(),
        )
        for report in reports.values():
            stdout.write(
                f"  reports: {report.village.name}: {report.passed_count}/"
                f"{len(report.criteria)} criteria met"
            )
    stdout.write(
        f"  reports: snapshots up to {Snapshot.objects.aggregate(last=Max('taken_on'))['last']}"
    )
