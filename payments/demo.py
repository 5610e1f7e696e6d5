"""Demo data: the model village's adoption over the last year, close to its published figures.

The seeds' village reports 92% of households with a smartphone, 85% on fibre, 81% of workers
with a digital signature, 84.3% of working-age people with an e-payment account, every
resident with an electronic health record and nearly every business household taking QR
payments. Each value gets a history: not adopted a year ago, adopted on a day during the year,
so that the chart shows the climb.
"""

import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from households.models import Household, Resident
from payments.denominators import ADULTS, AGED_14_PLUS, WORKING_AGE, age_on
from payments.models import (
    HOUSEHOLD_ITEMS,
    Method,
    Observation,
    PaymentCode,
    Reason,
    Value,
    Visit,
)
from villageportal import public_cache

# Share adopted today, per item, among those the figure counts.
TARGETS = {
    "vneid": 0.95,
    "epayment": 0.843,
    "smartphone": 0.92,
    "digital_skills": 0.80,
    "digital_signature": 0.81,
    "health_record": 1.0,
    "vssid": 0.6,
    "online_service": 0.7,
    "fibre": 0.85,
    "wifi": 0.8,
    "camera": 0.3,
    "digital_channel": 0.93,
    "cashless": 0.98,
    "sells_online": 0.4,
}
REASONS = {
    "vneid": [Reason.NO_SMARTPHONE, Reason.FORGOT_PASSWORD, Reason.NO_ID_CARD],
    "epayment": [Reason.NO_BANK_ACCOUNT, Reason.NOT_INTERESTED],
    "smartphone": [Reason.TOO_OLD, Reason.COST],
    "digital_signature": [Reason.NOT_INTERESTED, Reason.NO_SMARTPHONE],
    "fibre": [Reason.COST, Reason.NO_COVERAGE],
}


def seed(villages: list[Any], stdout: Any) -> None:
    # The model village and its neighbour have been visited door to door; the third not yet.
    for village in villages[:2]:
        if Observation.objects.filter(village=village).exists():
            stdout.write(f"payments: adoption data already present for {village.name}")
            continue
        with transaction.atomic():
            count = _seed_village(village)
        stdout.write(f"payments: {count} adoption records for {village.name}")


def _when(rng: random.Random, today: date, days: int) -> datetime:
    return timezone.make_aware(datetime.combine(today - timedelta(days=days), time(9))) + timedelta(
        minutes=rng.randint(0, 480)
    )


def _seed_village(village: Any) -> int:
    # Seeded by the name, not the random primary key: the demo tells the same story every time.
    rng = random.Random(f"payments-{village.name}")
    today = timezone.localdate()
    year_ago = today - timedelta(days=360)
    team = (
        User.objects.filter(memberships__village=village, memberships__role="digital_team").first()
        or User.objects.filter(memberships__village=village).first()
    )
    rows: list[Observation] = []

    def observe(household: Household, resident: Resident | None, item: str, rate: float) -> None:
        adopted_now = rng.random() < rate
        yes = Value.LEVEL2 if item == "vneid" else Value.YES
        no = Value.NONE if item == "vneid" else Value.NO
        start = max(year_ago, household.established_on or year_ago)
        # a third had it already a year ago; the rest were helped during the year
        already = adopted_now and rng.random() < 0.35
        first_value = yes if already else no
        rows.append(_row(village, household, resident, item, first_value, start, team, rng, ""))
        if adopted_now and not already:
            day = start + timedelta(days=rng.randint(10, max(11, (today - start).days)))
            day = min(day, today)
            rows.append(_row(village, household, resident, item, yes, day, team, rng, ""))
        elif not adopted_now:
            reason = rng.choice(REASONS.get(item, [Reason.NOT_INTERESTED]))
            day = start + timedelta(days=rng.randint(30, max(31, (today - start).days)))
            rows.append(
                _row(village, household, resident, item, no, min(day, today), team, rng, reason)
            )

    households = list(Household.objects.active().filter(village=village).select_related("lane"))
    residents = Resident.objects.current().filter(household__in=households)
    by_household: dict[int, list[Resident]] = {}
    for person in residents:
        by_household.setdefault(person.household_id, []).append(person)
    for household in households:
        for item in HOUSEHOLD_ITEMS:
            observe(household, None, item, TARGETS[item])
        if household.is_business:
            observe(household, None, "cashless", TARGETS["cashless"])
            observe(household, None, "sells_online", TARGETS["sells_online"])
        for person in by_household.get(household.pk, []):
            _observe_person(observe, household, person, today)
    for row in rows:
        row.adopted = row.value in (Value.YES, Value.LEVEL2)
    Observation.objects.bulk_create(rows, batch_size=2000)
    if rows:
        public_cache.bump(village.pk)
    _visits(village, households, team, rng, today)
    _codes(village, households, team)
    return len(rows)


def _observe_person(observe: Any, household: Household, person: Resident, today: date) -> None:
    birth = person.birth_date
    age = age_on(birth, today) if birth else None
    observe(household, person, "health_record", TARGETS["health_record"])
    if AGED_14_PLUS.contains(birth, today):
        observe(household, person, "vneid", TARGETS["vneid"])
        observe(household, person, "online_service", TARGETS["online_service"])
    if WORKING_AGE.contains(birth, today):
        for item in ("epayment", "smartphone", "digital_skills", "vssid"):
            observe(household, person, item, TARGETS[item])
    elif age is not None and age >= 60:
        observe(household, person, "smartphone", 0.5)
    if ADULTS.contains(birth, today):
        observe(household, person, "digital_signature", TARGETS["digital_signature"])


def _row(
    village: Any,
    household: Household,
    resident: Resident | None,
    item: str,
    value: str,
    day: date,
    team: Any,
    rng: random.Random,
    reason: str,
) -> Observation:
    return Observation(
        village=village,
        household=household,
        resident=resident,
        item=item,
        value=value,
        reason=reason,
        observed_on=day,
        method=rng.choice([Method.SEEN, Method.SEEN, Method.TOLD, Method.OFFICIAL_LIST]),
        recorded_by=team,
        recorded_at=_when(rng, day, 0),
    )


def _visits(village: Any, households: list, team: Any, rng: random.Random, today: date) -> None:
    notes = [
        "Cài VNeID mức 2 cho hai người",
        "Hướng dẫn mở tài khoản ngân hàng trên điện thoại",
        "Cấp lại mật khẩu VNeID",
        "Thêm vào nhóm Zalo của thôn",
        "Hướng dẫn thanh toán bằng mã QR",
        "Cài sổ sức khỏe điện tử",
    ]
    items = [
        ["vneid"],
        ["epayment"],
        ["vneid"],
        ["digital_channel"],
        ["cashless"],
        ["health_record"],
    ]
    for n, household in enumerate(rng.sample(households, min(8, len(households)))):
        Visit.objects.create(
            village=village,
            household=household,
            visited_on=today - timedelta(days=rng.randint(1, 300)),
            visited_by=team,
            visitor_name=getattr(team, "full_name", "") if team else "",
            helped_with=items[n % len(items)],
            note=notes[n % len(notes)],
            submission_token=uuid.uuid4(),
        )


def _codes(village: Any, households: list, team: Any) -> None:
    businesses = [h for h in households if h.is_business][:3]
    banks = ["970405", "970436", "970418"]
    for n, household in enumerate(businesses):
        PaymentCode.objects.get_or_create(
            village=village,
            bank_bin=banks[n % len(banks)],
            account_number=f"10{household.pk:010d}"[-13:],
            defaults={
                "household": household,
                "shop_name": household.business_name or household.house_number,
                "created_by": team,
            },
        )
    PaymentCode.objects.get_or_create(
        village=village,
        bank_bin="970405",
        account_number="3600205123456",
        defaults={"shop_name": f"Quỹ {village.name}", "account_name": "", "created_by": team},
    )
