"""Synthetic households and residents, for the demo and for province-sized test data.

The same builder feeds ``seed_demo`` (through the ORM) and ``generate_population``
(through COPY on PostgreSQL).
"""

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from households.demo import (
    BUSINESS_NAMES,
    NameMaker,
    Person,
    household_members,
    national_id,
    phone,
)
from households.models import Household, Resident, Village, natural_key
from households.services import search_text


@dataclass
class HouseholdRow:
    lane_id: int
    lane_name: str
    house_number: str
    digital_address: str
    latitude: Decimal
    longitude: Decimal
    is_business: bool
    business_name: str
    business_kind: str
    head_name_public: bool
    members: list[Person] = field(default_factory=list)
    national_ids: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    @property
    def house_number_key(self) -> str:
        return natural_key(self.house_number)

    @property
    def search_document(self) -> str:
        address = (self.house_number, self.digital_address, self.lane_name, self.business_name)
        return search_text(address, (m.full_name for m in self.members))


def village_rows(
    *,
    rng: random.Random,
    lanes: list[tuple[int, str]],
    count: int,
    today: date,
    province_code: str,
    centre: tuple[float, float],
    address_prefix: str,
    used_ids: set[str],
) -> Iterator[HouseholdRow]:
    """``count`` households spread over ``lanes``, about 3.6 members each.

    About 8% have no digital address yet, 10% are business households, 15% consented to
    show the head's name publicly.
    """
    names = NameMaker(rng)
    numbers = dict.fromkeys((lane_id for lane_id, _name in lanes), 0)
    lane_position = {lane_id: i for i, (lane_id, _name) in enumerate(lanes)}
    for index in range(count):
        lane_id, lane_name = rng.choice(lanes)
        numbers[lane_id] += rng.choice([1, 1, 1, 2])
        number = str(numbers[lane_id])
        if rng.random() < 0.05:
            number += rng.choice("AB")
        members = household_members(rng, names, today)
        # Houses line up along their lane: lanes run east-west, about 60 m apart.
        lat = centre[0] + lane_position[lane_id] * 0.00055 + rng.uniform(-0.00005, 0.00005)
        lon = centre[1] + numbers[lane_id] * 0.00012 + rng.uniform(-0.00003, 0.00003)
        business = rng.random() < 0.10
        business_name, business_kind = "", ""
        if business:
            template, business_kind = rng.choice(BUSINESS_NAMES)
            business_name = template.format(given=members[0].full_name.split()[-1])
        ids, phones = [], []
        for person in members:
            adult = (today - person.birth_date).days >= 14 * 365
            cccd = ""
            if adult:
                while not cccd or cccd in used_ids:
                    cccd = national_id(rng, person.birth_date, person.gender, province_code)
                used_ids.add(cccd)
            ids.append(cccd)
            phones.append(phone(rng) if adult and rng.random() < 0.8 else "")
        yield HouseholdRow(
            lane_id=lane_id,
            lane_name=lane_name,
            house_number=number,
            digital_address=("" if rng.random() < 0.08 else f"{address_prefix}{index + 1:06d}"),
            latitude=Decimal(f"{lat:.7f}"),
            longitude=Decimal(f"{lon:.7f}"),
            is_business=business,
            business_name=business_name,
            business_kind=business_kind,
            head_name_public=rng.random() < 0.15,
            members=members,
            national_ids=ids,
            phones=phones,
        )


def bulk_insert(
    *, village: Village, rows: list[HouseholdRow], now: datetime | None = None
) -> tuple[list[Household], list[Resident]]:
    """Write ``rows`` through the ORM in batches: the path for SQLite and for the demo.

    ``village`` must have no households yet: on a database that does not return the ids of
    bulk inserts, they are read back by village.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    households = Household.objects.bulk_create(
        [
            Household(
                village=village,
                lane_id=row.lane_id,
                house_number=row.house_number,
                house_number_key=row.house_number_key,
                digital_address=row.digital_address,
                latitude=row.latitude,
                longitude=row.longitude,
                status=Household.Status.ACTIVE,
                established_on=today - timedelta(days=365 + (i * 7919) % (30 * 365)),
                is_business=row.is_business,
                business_name=row.business_name,
                business_kind=row.business_kind,
                head_name_public=row.head_name_public,
                consent_recorded_on=today if row.head_name_public else None,
                public_code=secrets.token_urlsafe(9),
                search_document=row.search_document,
                created_at=now,
                updated_at=now,
            )
            for i, row in enumerate(rows)
        ],
        batch_size=500,
    )
    if households and households[0].pk is None:
        households = list(Household.objects.filter(village=village).order_by("pk"))
    residents = Resident.objects.bulk_create(
        [
            Resident(
                household_id=household.pk,
                full_name=person.full_name,
                gender=person.gender,
                birth_date=person.birth_date,
                national_id=cccd,
                phone=tel,
                relationship=person.relationship,
                is_head=person.is_head,
                created_at=now,
                updated_at=now,
            )
            for household, row in zip(households, rows, strict=True)
            for person, cccd, tel in zip(row.members, row.national_ids, row.phones, strict=True)
        ],
        batch_size=1000,
    )
    if residents and residents[0].pk is None:
        residents = list(Resident.objects.filter(household__village=village).order_by("pk"))
    return households, residents
