"""Province-sized synthetic data: villages, lanes, households and residents, fast.

``generate_population --households 1000000 --villages 3000`` loads a million households with
about 3.6 million residents. On PostgreSQL the households and residents go in through COPY,
one transaction per batch of villages, with the registry's history triggers switched off for
the load (see ``Command.help``); elsewhere (SQLite) the same rows go through ``bulk_create``,
which is fine for the small numbers tests use.

Everything is synthetic: names, ID numbers (CCCD-shaped, never a real person's), phones and
digital address codes only have the shape of real ones.
"""

import random
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from households.models import Commune, Household, Lane, Village
from households.synthetic import HouseholdRow, bulk_insert, village_rows
from households.territory import territory_load

# Approximate centres of the 34 provinces (2025 structure), to place villages on the map.
PROVINCE_CENTRES: dict[str, tuple[float, float]] = {
    "01": (21.03, 105.85),
    "04": (22.67, 106.26),
    "08": (22.10, 105.10),
    "11": (21.39, 103.02),
    "12": (22.40, 103.46),
    "14": (21.33, 103.91),
    "15": (22.05, 104.35),
    "19": (21.75, 105.85),
    "20": (21.85, 106.76),
    "22": (21.05, 107.20),
    "24": (21.27, 106.19),
    "25": (21.20, 105.30),
    "31": (20.86, 106.60),
    "33": (20.60, 106.20),
    "37": (20.25, 105.97),
    "38": (19.90, 105.60),
    "40": (19.05, 105.10),
    "42": (18.34, 105.91),
    "44": (17.20, 106.60),
    "46": (16.40, 107.55),
    "48": (15.75, 108.10),
    "51": (15.00, 108.50),
    "52": (13.95, 108.40),
    "56": (12.10, 109.00),
    "66": (12.90, 108.40),
    "68": (11.60, 107.90),
    "75": (11.40, 107.10),
    "79": (10.78, 106.70),
    "80": (10.90, 106.20),
    "82": (10.40, 105.90),
    "86": (10.00, 106.20),
    "91": (10.20, 105.20),
    "92": (9.80, 105.80),
    "96": (9.18, 105.15),
}
# Where villages are "bản" (northern uplands) or "ấp" (the South); "thôn" elsewhere.
BAN_PROVINCES = frozenset({"04", "08", "11", "12", "14", "15", "20"})
AP_PROVINCES = frozenset({"75", "79", "80", "82", "86", "91", "92", "96"})

FIRST_SYLLABLES = [
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Phú",
    "An",
    "Tân",
    "Hòa",
    "Thượng",
    "Hạ",
    "Trung",
    "Yên",
    "Phúc",
    "Vĩnh",
    "Thanh",
    "Mỹ",
    "Long",
    "Bình",
    "Xuân",
    "Quang",
    "Đại",
    "Kim",
    "Hưng",
    "Đồng",
]
SECOND_SYLLABLES = [
    "Lộc",
    "Hưng",
    "Thịnh",
    "Phú",
    "An",
    "Hòa",
    "Thọ",
    "Lợi",
    "Mỹ",
    "Sơn",
    "Hà",
    "Lâm",
    "Điền",
    "Thành",
    "Phong",
    "Xuân",
    "Bình",
    "Trung",
    "Đông",
    "Tây",
    "Khê",
    "Vinh",
    "Quý",
    "Tiến",
]
BAN_FIRST = ["Nà", "Huổi", "Pá", "Phiêng", "Co", "Nậm", "Khe", "Lũng", "Bó", "Pác", "Hua", "Púng"]
BAN_SECOND = [
    "Tăm",
    "Só",
    "Khoang",
    "Lìu",
    "Mạ",
    "Cang",
    "Sang",
    "Lọng",
    "Hin",
    "Cải",
    "Ngòa",
    "Pục",
]
HAMLET_LANES = [
    "Xóm Chùa",
    "Xóm Giếng",
    "Xóm Đồng",
    "Xóm Bàu",
    "Xóm Trên",
    "Xóm Dưới",
    "Xóm Mới",
    "Xóm Cũ",
    "Xóm Đình",
    "Xóm Chợ",
    "Xóm Bến",
    "Xóm Gò",
]
MAIN_ROADS = ["Đường trục thôn", "Đường liên thôn", "Đường ven sông", "Đường liên xã"]

# Digital address codes of generated households: "VN", the village's serial, the house's.
ADDRESS_MARKER = "VN"
ADDRESS_PATTERN = r"^VN[0-9]{12}$"
# The history triggers of the tables the command writes (pgtrigger URIs).
HISTORY_TRIGGERS = (
    "households.Lane:insert_insert",
    "households.Household:insert_insert",
    "households.Resident:insert_insert",
)
HOUSEHOLD_COLUMNS = (
    "id",
    "village_id",
    "lane_id",
    "house_number",
    "house_number_key",
    "digital_address",
    "latitude",
    "longitude",
    "status",
    "established_on",
    "is_business",
    "business_name",
    "business_kind",
    "head_name_public",
    "consent_recorded_on",
    "public_code",
    "notes",
    "search_document",
    "deleted_reason",
    "created_at",
    "updated_at",
)
RESIDENT_COLUMNS = (
    "household_id",
    "full_name",
    "gender",
    "birth_date",
    "national_id",
    "phone",
    "relationship",
    "is_head",
    "deleted_reason",
    "created_at",
    "updated_at",
)


@dataclass
class PlannedVillage:
    commune: Commune
    name: str
    kind: str
    serial: int
    households: int
    centre: tuple[float, float]
    lane_names: list[str]
    village: Village | None = None
    lanes: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Totals:
    villages: int = 0
    lanes: int = 0
    households: int = 0
    residents: int = 0


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` spread over ``parts`` unevenly (0.5 to 1.5 times the mean), summing exactly."""
    if parts <= 0:
        return []
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    by_remainder = sorted(range(parts), key=lambda i: weights[i] * scale - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


class VillageNamer:
    """Village names unique among the current villages of each commune."""

    def __init__(self, rng: random.Random, taken: dict[int, set[str]]) -> None:
        self.rng = rng
        self.taken = taken

    def kind(self, commune: Commune) -> str:
        if commune.division_type == "phuong":
            return Village.Kind.TO_DAN_PHO
        province = commune.province.code
        if province in BAN_PROVINCES:
            return Village.Kind.BAN if self.rng.random() < 0.7 else Village.Kind.THON
        if province in AP_PROVINCES:
            return Village.Kind.AP
        return Village.Kind.LANG if self.rng.random() < 0.05 else Village.Kind.THON

    def _candidate(self, kind: str) -> str:
        rng = self.rng
        if kind == Village.Kind.TO_DAN_PHO:
            if rng.random() < 0.6:
                return f"Tổ dân phố {rng.randint(1, 40)}"
            return f"Tổ dân phố {rng.choice(FIRST_SYLLABLES)} {rng.choice(SECOND_SYLLABLES)}"
        prefix = {
            Village.Kind.BAN: "Bản",
            Village.Kind.AP: "Ấp",
            Village.Kind.LANG: "Làng",
        }.get(kind, "Thôn")
        if kind == Village.Kind.BAN:
            return f"{prefix} {rng.choice(BAN_FIRST)} {rng.choice(BAN_SECOND)}"
        roll = rng.random()
        if roll < 0.25:
            return f"{prefix} {rng.choice(FIRST_SYLLABLES[:4])} {rng.randint(1, 5)}"
        if roll < 0.35:
            return f"{prefix} {rng.randint(1, 15)}"
        first, second = rng.choice(FIRST_SYLLABLES), rng.choice(SECOND_SYLLABLES)
        while second == first:
            second = rng.choice(SECOND_SYLLABLES)
        return f"{prefix} {first} {second}"

    def name(self, commune: Commune, kind: str) -> str:
        taken = self.taken.setdefault(commune.pk, set())
        for _attempt in range(30):
            candidate = self._candidate(kind)
            if candidate not in taken:
                break
        suffix = 2
        base = candidate
        while candidate in taken:
            candidate = f"{base} {suffix}"
            suffix += 1
        taken.add(candidate)
        return candidate


def lane_names(rng: random.Random, kind: str) -> list[str]:
    """8 to 20 lane names, unique in the village: main roads, hamlet clusters, numbered lanes."""
    count = rng.randint(8, 20)
    roads = MAIN_ROADS[:1] + rng.sample(MAIN_ROADS[1:], rng.randint(0, 2))
    if kind == Village.Kind.TO_DAN_PHO:
        roads = []
    hamlets = rng.sample(HAMLET_LANES, rng.randint(0, min(6, count - len(roads) - 2)))
    numbered = count - len(roads) - len(hamlets)
    word = "Hẻm" if kind == Village.Kind.AP and rng.random() < 0.5 else "Ngõ"
    return roads + hamlets + [f"{word} {n}" for n in range(1, numbered + 1)]


class Command(BaseCommand):
    help = (
        "Generate synthetic villages, lanes, households and residents for load tests and "
        "benchmarks: --villages villages spread over communes of the official list (loaded "
        "first), 8-20 lanes each, --households households with about 3.6 residents each "
        "(Vietnamese names, CCCD-shaped unique ID numbers, phones, locations, ~10% business "
        "households). Running it again adds more villages. On PostgreSQL the rows go in "
        "through COPY, one transaction per batch of villages, and the history triggers "
        "(django-pghistory) are skipped during the load: as a superuser with "
        "session_replication_role = replica (which also skips foreign-key checks), otherwise "
        "with pgtrigger's ignore flag. Synthetic rows therefore have no history events. Other "
        "databases (SQLite) get bulk_create, for small numbers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, required=True, help="households to add")
        parser.add_argument("--villages", type=int, required=True, help="villages to add")
        parser.add_argument("--seed", type=int, default=None, help="random seed (reproducible)")
        parser.add_argument(
            "--commune", default=None, help="official code of one commune to put every village in"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=20000,
            help="households per transaction (whole villages; default 20000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        households, villages = options["households"], options["villages"]
        if villages < 1 or households < 0:
            raise CommandError("--villages must be at least 1 and --households at least 0.")
        seed = options["seed"]
        if seed is None:
            seed = secrets.randbelow(2**31)
        rng = random.Random(seed)
        started = time.perf_counter()
        self.stdout.write(f"Loading the official territory... (seed {seed})")
        territory_load()
        plans = self._plan(rng, households, villages, options["commune"])
        used_ids = self._existing_national_ids()
        self.stdout.write(
            f"Generating {villages} villages and {households} households on "
            f"{connection.vendor} ({len(used_ids)} ID numbers already registered; "
            f"ready after {time.perf_counter() - started:.1f} s)."
        )
        totals = Totals()
        copy = connection.vendor == "postgresql"
        mode = self._history_mode()
        today = timezone.localdate()
        for batch in self._batches(plans, options["batch_size"]):
            with self._transaction(mode):
                self._write_villages(batch, rng, totals)
                rows = [
                    (plan, self._rows(plan, rng, today, used_ids))
                    for plan in batch
                    if plan.households
                ]
                if copy:
                    self._copy(rows, totals)
                else:
                    self._bulk_create(rows, totals)
            self._progress(totals, villages, households, started)
        if copy:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE households_village, households_lane")
                cursor.execute("ANALYZE households_household, households_resident")
        elapsed = time.perf_counter() - started
        rate = (totals.households + totals.residents) / elapsed if elapsed else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {elapsed:.1f} s: {totals.villages} villages, {totals.lanes} lanes, "
                f"{totals.households} households, {totals.residents} residents "
                f"({rate:,.0f} rows/s)."
            )
        )

    # ------------------------------------------------------------------------------------
    # Planning

    def _plan(
        self, rng: random.Random, households: int, villages: int, commune_code: str | None
    ) -> list[PlannedVillage]:
        communes = Commune.objects.select_related("province")
        if commune_code:
            commune = communes.filter(code=commune_code).first()
            if commune is None:
                raise CommandError(f"No commune with the official code {commune_code}.")
            chosen = [commune] * villages
        else:
            pool = list(communes.order_by("code"))
            chosen = []
            while len(chosen) < villages:
                commune = rng.choice(pool)
                chosen += [commune] * min(rng.randint(4, 12), villages - len(chosen))
        taken: dict[int, set[str]] = {}
        for commune_id, name in Village.objects.filter(
            commune__in={c.pk for c in chosen}, valid_until__isnull=True
        ).values_list("commune_id", "name"):
            taken.setdefault(commune_id, set()).add(name)
        namer = VillageNamer(rng, taken)
        serial = self._next_village_serial()
        commune_centres: dict[int, tuple[float, float]] = {}
        plans = []
        for commune, count in zip(chosen, split(households, villages, rng), strict=True):
            if commune.pk not in commune_centres:
                lat, lon = PROVINCE_CENTRES.get(commune.province.code, (16.0, 107.5))
                commune_centres[commune.pk] = (
                    lat + rng.uniform(-0.3, 0.3),
                    lon + rng.uniform(-0.3, 0.3),
                )
            lat, lon = commune_centres[commune.pk]
            kind = namer.kind(commune)
            plans.append(
                PlannedVillage(
                    commune=commune,
                    name=namer.name(commune, kind),
                    kind=kind,
                    serial=serial,
                    households=count,
                    centre=(lat + rng.uniform(-0.04, 0.04), lon + rng.uniform(-0.04, 0.04)),
                    lane_names=lane_names(rng, kind),
                )
            )
            serial += 1
        return plans

    def _next_village_serial(self) -> int:
        """Digital address codes stay unique across runs: continue after the highest serial."""
        highest = Household.objects.filter(digital_address__regex=ADDRESS_PATTERN).aggregate(
            highest=Max("digital_address")
        )["highest"]
        return int(highest[2:8]) + 1 if highest else 1

    def _existing_national_ids(self) -> set[str]:
        """Every registered ID number, so that new ones never collide (3 s for 3 million)."""
        ids: set[str] = set()
        with connection.cursor() as cursor:
            # Plain fetches: the ORM's iterator takes four times as long for millions of rows.
            cursor.execute("SELECT national_id FROM households_resident WHERE national_id <> ''")
            while chunk := cursor.fetchmany(100_000):
                ids.update(row[0] for row in chunk)
        return ids

    def _batches(self, plans: list[PlannedVillage], size: int) -> Iterator[list[PlannedVillage]]:
        batch: list[PlannedVillage] = []
        count = 0
        for plan in plans:
            batch.append(plan)
            count += plan.households
            if count >= size:
                yield batch
                batch, count = [], 0
        if batch:
            yield batch

    def _history_mode(self) -> str:
        """How to keep the history triggers quiet during the load, on PostgreSQL.

        ``session_replication_role = replica`` skips every ordinary trigger for the
        transaction, the foreign-key checks included (the generated rows are consistent by
        construction); it needs a superuser. Otherwise pgtrigger's ignore flag, set for the
        transaction, makes the history triggers return early.
        """
        if connection.vendor != "postgresql":
            return "none"
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return "ignore"
        return "replica"

    @contextmanager
    def _transaction(self, mode: str) -> Iterator[None]:
        """One transaction of the load, with the history triggers off (see ``_history_mode``)."""
        if mode == "replica":
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                yield
        elif mode == "ignore":
            import pgtrigger

            with pgtrigger.ignore(*HISTORY_TRIGGERS), transaction.atomic():
                with connection.cursor() as cursor:
                    # pgtrigger prefixes every query with set_config(..., is_local => true):
                    # the flag then holds until the end of the transaction, COPY included.
                    cursor.execute("SELECT 1")
                yield
        else:
            with transaction.atomic():
                yield

    # ------------------------------------------------------------------------------------
    # Writing

    def _write_villages(
        self, batch: list[PlannedVillage], rng: random.Random, totals: Totals
    ) -> None:
        today = timezone.localdate()
        villages = [
            Village(
                commune=plan.commune,
                name=plan.name,
                kind=plan.kind,
                latitude=Decimal(f"{plan.centre[0]:.6f}"),
                longitude=Decimal(f"{plan.centre[1]:.6f}"),
                office_address=f"Nhà văn hóa {plan.name}, {plan.commune.name}",
                office_phone=f"0{rng.randint(200, 299)} {rng.randint(3000000, 3999999)}",
                valid_from=today - timedelta(days=rng.randint(365, 30 * 365)),
            )
            for plan in batch
        ]
        Village.objects.bulk_create(villages)
        lanes = []
        for plan, village in zip(batch, villages, strict=True):
            plan.village = village
            lanes += [
                Lane(village=village, name=name, sort_order=order)
                for order, name in enumerate(plan.lane_names, start=1)
            ]
        lanes = Lane.objects.bulk_create(lanes, batch_size=1000)
        if lanes and lanes[0].pk is None:  # a database without RETURNING
            lanes = list(Lane.objects.filter(village__in=villages).order_by("pk"))
        by_village: dict[Any, list[tuple[int, str]]] = {}
        for lane in lanes:
            by_village.setdefault(lane.village_id, []).append((lane.pk, lane.name))
        for plan in batch:
            plan.lanes = by_village[plan.village.pk]
        totals.villages += len(villages)
        totals.lanes += len(lanes)

    def _rows(
        self, plan: PlannedVillage, rng: random.Random, today: date, used_ids: set[str]
    ) -> list[HouseholdRow]:
        return list(
            village_rows(
                rng=rng,
                lanes=plan.lanes,
                count=plan.households,
                today=today,
                province_code=plan.commune.province.code,
                centre=plan.centre,
                address_prefix=f"{ADDRESS_MARKER}{plan.serial:06d}",
                used_ids=used_ids,
            )
        )

    def _copy(self, batch: list[tuple[PlannedVillage, list[HouseholdRow]]], totals: Totals) -> None:
        count = sum(len(rows) for _plan, rows in batch)
        if not count:
            return
        now = timezone.now().isoformat()
        today = timezone.localdate()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('households_household', 'id')) "
                "FROM generate_series(1, %s)",
                [count],
            )
            ids = [row[0] for row in cursor.fetchall()]
            pg = cursor.connection
            residents = []
            with pg.cursor() as raw:
                sql = f"COPY households_household ({', '.join(HOUSEHOLD_COLUMNS)}) FROM STDIN"
                with raw.copy(sql) as copy:
                    position = 0
                    for plan, rows in batch:
                        village_id = str(plan.village.pk)
                        for row in rows:
                            household_id = ids[position]
                            position += 1
                            copy.write_row(
                                self._household_values(row, household_id, village_id, now, today)
                            )
                            residents += self._resident_values(row, household_id, now)
                sql = f"COPY households_resident ({', '.join(RESIDENT_COLUMNS)}) FROM STDIN"
                with raw.copy(sql) as copy:
                    for values in residents:
                        copy.write_row(values)
        totals.households += count
        totals.residents += len(residents)

    def _household_values(
        self, row: HouseholdRow, household_id: int, village_id: str, now: str, today: date
    ) -> tuple:
        rng_days = (household_id * 7919) % (30 * 365)
        return (
            household_id,
            village_id,
            row.lane_id,
            row.house_number,
            row.house_number_key,
            row.digital_address,
            str(row.latitude),
            str(row.longitude),
            Household.Status.ACTIVE.value,
            today - timedelta(days=365 + rng_days),
            row.is_business,
            row.business_name,
            row.business_kind,
            row.head_name_public,
            today if row.head_name_public else None,
            secrets.token_urlsafe(9),
            "",
            row.search_document,
            "",
            now,
            now,
        )

    def _resident_values(self, row: HouseholdRow, household_id: int, now: str) -> list[tuple]:
        return [
            (
                household_id,
                person.full_name,
                person.gender,
                person.birth_date,
                cccd,
                tel,
                person.relationship,
                person.is_head,
                "",
                now,
                now,
            )
            for person, cccd, tel in zip(row.members, row.national_ids, row.phones, strict=True)
        ]

    def _bulk_create(
        self, batch: list[tuple[PlannedVillage, list[HouseholdRow]]], totals: Totals
    ) -> None:
        now = timezone.now()
        for plan, rows in batch:
            households, residents = bulk_insert(village=plan.village, rows=rows, now=now)
            totals.households += len(households)
            totals.residents += len(residents)

    def _progress(self, totals: Totals, villages: int, households: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        rate = (totals.households + totals.residents) / elapsed if elapsed else 0
        self.stdout.write(
            f"  {totals.villages}/{villages} villages, {totals.households}/{households} "
            f"households, {totals.residents} residents, {elapsed:.1f} s ({rate:,.0f} rows/s)"
        )
        self.stdout.flush()
