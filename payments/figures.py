"""The adoption figures: which item over which population, computed for many villages at once.

Each figure is one aggregate query: the population on the date (residents of an age band or
active households), each row annotated with its latest observation of the item on or before
the date, counted by village (or by lane) with and without adoption.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from payments import camera_link
from payments.denominators import (
    ADULTS,
    AGED_14_PLUS,
    ALL_AGES,
    WORKING_AGE,
    AgeBand,
    business_households_on,
    households_active_on,
    latest_observation,
    residents_present_on,
    with_adopted,
    years_before,
)
from payments.models import Item, Observation


@dataclass(frozen=True)
class FigureSpec:
    code: str
    item: str
    subject: str  # "resident" or "household"
    label: Any
    denominator_label: Any
    band: AgeBand = ALL_AGES
    business_only: bool = False
    # Also counts what the cameras app records (a household camera joined with consent).
    from_cameras: bool = False

    @property
    def village_field(self) -> str:
        return "household__village_id" if self.subject == "resident" else "village_id"

    @property
    def lane_field(self) -> str:
        return "household__lane_id" if self.subject == "resident" else "lane_id"

    def population(self, day: date) -> QuerySet:
        if self.subject == "resident":
            return residents_present_on(day, self.band)
        if self.business_only:
            return business_households_on(day)
        return households_active_on(day)

    def annotated(self, day: date) -> QuerySet:
        joined = camera_link.joined_exists(day) if self.from_cameras else None
        if joined is None:
            return with_adopted(self.population(day), item=self.item, day=day, subject=self.subject)
        latest = latest_observation(item=self.item, day=day, subject=self.subject)
        observed = Coalesce(
            Subquery(latest.values("adopted")[:1], output_field=BooleanField()), Value(False)
        )
        return (
            self.population(day)
            .annotate(observed_adopted=observed, camera_joined=joined)
            .annotate(
                adopted=ExpressionWrapper(
                    Q(observed_adopted=True) | Q(camera_joined=True), output_field=BooleanField()
                )
            )
        )

    def counts(
        self, day: date, *, villages: Iterable[Any] | QuerySet, by: str = "village"
    ) -> dict[Any, tuple[int, int]]:
        """{village or lane id: (adopted, population)} with one query."""
        if not isinstance(villages, QuerySet):
            villages = list(villages)
            if not villages:
                return {}  # no village: nothing to count (and no empty IN () to compile)
        field = self.village_field if by == "village" else self.lane_field
        population = self.population(day).filter(**{f"{self.village_field}__in": villages})
        if connection.vendor == "postgresql":
            return self._counts_distinct_on(population, field, day, villages)
        rows = (
            self.annotated(day)
            .filter(**{f"{self.village_field}__in": villages})
            .order_by()
            .values(field)
            .annotate(total=Count("pk"), yes=Count("pk", filter=Q(adopted=True)))
        )
        return {row[field]: (row["yes"], row["total"]) for row in rows}

    def series(self, days: Sequence[date], *, village: Any) -> list[tuple[int, int]]:
        """[(adopted, population)] for one village on each of ``days``, in one query.

        Each day has its own population and latest observations, so each is its own
        aggregate; UNION ALL sends them together and the database answers once.
        """
        parts = [
            self.annotated(day)
            .filter(**{self.village_field: village})
            .order_by()
            .annotate(point=Value(index))
            .values("point")
            .annotate(total=Count("pk"), yes=Count("pk", filter=Q(adopted=True)))
            .values_list("point", "yes", "total")
            for index, day in enumerate(days)
        ]
        if not parts:
            return []
        counts = {point: (yes, total) for point, yes, total in parts[0].union(*parts[1:], all=True)}
        return [counts.get(index, (0, 0)) for index in range(len(days))]

    def _counts_distinct_on(
        self, population: QuerySet, field: str, day: date, villages: Any
    ) -> dict[Any, tuple[int, int]]:
        """The same counts with PostgreSQL's DISTINCT ON: one pass over the item's history.

        The portable form probes the history once per person (a correlated subquery); at
        3.6 million residents this is several times faster (see docs/benchmarks/payments.md).
        """
        subject = "resident_id" if self.subject == "resident" else "household_id"
        history = Observation.objects.filter(
            village__in=villages, item=self.item, observed_on__lte=day
        )
        if self.subject == "household":
            history = history.filter(resident__isnull=True)
        latest = (
            history.exclude(**{f"{subject}__isnull": True})
            .order_by(subject, "-observed_on", "-recorded_at", "-pk")
            .distinct(subject)
            .values(subject, "adopted")
        )
        joined = camera_link.joined_exists(day) if self.from_cameras else None
        people_rows = population.order_by().annotate(grp=F(field), subject=F("pk"))
        adopted_sql = "o.adopted"
        if joined is not None:
            people_rows = people_rows.annotate(cam=joined)
            adopted_sql = "o.adopted OR p.cam"
        people, people_params = (
            people_rows.values("grp", "subject", *(["cam"] if joined is not None else []))
            .query.get_compiler(using=population.db)
            .as_sql()
        )
        history_sql, history_params = latest.query.get_compiler(using=population.db).as_sql()
        # Only SQL compiled by the ORM is put in; every value travels as a parameter.
        sql = f"""
            SELECT p.grp, count(*), count(*) FILTER (WHERE {adopted_sql})
            FROM ({people}) p LEFT JOIN ({history_sql}) o ON o.{subject} = p.subject
            GROUP BY p.grp
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*people_params, *history_params])
            return {grp: (yes, total) for grp, total, yes in cursor.fetchall()}

    def records(self, village: Any, day: date) -> QuerySet:
        return self.annotated(day).filter(**{self.village_field: village.pk}, adopted=True)

    def missing(self, village: Any, day: date) -> QuerySet:
        return self.annotated(day).filter(**{self.village_field: village.pk}, adopted=False)


SPECS: tuple[FigureSpec, ...] = (
    FigureSpec(
        "vneid_level2_14plus",
        Item.VNEID,
        "resident",
        _("VNeID level 2"),
        _("residents aged 14 and over"),
        AGED_14_PLUS,
    ),
    FigureSpec(
        "epayment_working_age",
        Item.EPAYMENT,
        "resident",
        _("E-payment account"),
        _("working-age residents (15-59)"),
        WORKING_AGE,
    ),
    FigureSpec(
        "smartphone_working_age",
        Item.SMARTPHONE,
        "resident",
        _("Smartphone"),
        _("working-age residents (15-59)"),
        WORKING_AGE,
    ),
    FigureSpec(
        "digital_skills_working_age",
        Item.DIGITAL_SKILLS,
        "resident",
        _("Basic digital skills"),
        _("working-age residents (15-59)"),
        WORKING_AGE,
    ),
    FigureSpec(
        "digital_signature_adults",
        Item.DIGITAL_SIGNATURE,
        "resident",
        _("Personal digital signature"),
        _("adults (18 and over)"),
        ADULTS,
    ),
    FigureSpec(
        "health_record_all",
        Item.HEALTH_RECORD,
        "resident",
        _("Electronic health record"),
        _("all residents"),
    ),
    FigureSpec(
        "cashless_business",
        Item.CASHLESS,
        "household",
        _("Cashless payment"),
        _("active business households"),
        business_only=True,
    ),
    FigureSpec(
        "fibre_households",
        Item.FIBRE,
        "household",
        _("Fibre internet"),
        _("active households"),
    ),
    FigureSpec(
        "camera_households",
        Item.CAMERA,
        "household",
        _("Home camera joined to the village network"),
        _("active households"),
        from_cameras=True,
    ),
    FigureSpec(
        "digital_channel_households",
        Item.DIGITAL_CHANNEL,
        "household",
        _("Member of the digital channel"),
        _("active households"),
    ),
)
SPEC_BY_CODE = {spec.code: spec for spec in SPECS}


@dataclass(frozen=True)
class Row:
    spec: FigureSpec
    adopted: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.adopted / self.total, 1) if self.total else None


def village_rows(village: Any, day: date) -> list[Row]:
    rows = []
    for spec in SPECS:
        adopted, total = spec.counts(day, villages=[village.pk]).get(village.pk, (0, 0))
        rows.append(Row(spec, adopted, total))
    return rows


def resident_counts_together(
    specs: Iterable[FigureSpec], day: date, *, villages: QuerySet
) -> dict[str, dict[Any, tuple[int, int]]]:
    """The resident figures of ``specs`` in one pass (PostgreSQL): {code: {village: counts}}.

    The same counts as each spec's ``counts`` (one query per figure), from one scan of the
    residents and one of the items' histories: every resident present on the day once, with
    their age bands and their latest value of each item, counted per village with a filter
    per figure. The reports compute all their indicators this way (``payments.measures``).
    """
    specs = [s for s in specs if s.subject == "resident" and not s.from_cameras]
    if not specs:
        return {}
    db = villages.db
    people, people_params = (
        residents_present_on(day)
        .filter(household__village_id__in=villages)
        .order_by()
        .values(grp=F("household__village_id"), subject=F("pk"), born=F("birth_date"))
        .query.get_compiler(using=db)
        .as_sql()
    )
    items = sorted({s.item for s in specs})
    history, history_params = (
        Observation.objects.filter(
            village__in=villages, item__in=items, observed_on__lte=day, resident__isnull=False
        )
        .order_by("resident_id", "item", "-observed_on", "-recorded_at", "-pk")
        .distinct("resident_id", "item")
        .values("resident_id", "item", "adopted")
        .query.get_compiler(using=db)
        .as_sql()
    )
    pivot, pivot_params = [], []
    for n, item in enumerate(items):
        pivot.append(f"bool_or(h.adopted) FILTER (WHERE h.item = %s) AS a{n}")
        pivot_params.append(item)
    columns, column_params = [], []
    for spec in specs:
        band, band_params = "TRUE", []
        if spec.band.low or spec.band.high is not None:
            band, band_params = "p.born <= %s", [years_before(day, spec.band.low)]
            if spec.band.high is not None:
                band += " AND p.born > %s"
                band_params.append(years_before(day, spec.band.high))
        adopted = f"o.a{items.index(spec.item)}"
        columns += [
            f"count(*) FILTER (WHERE {band})",
            f"count(*) FILTER (WHERE {band} AND {adopted})",
        ]
        column_params += band_params + band_params
    # Only SQL compiled by the ORM and fixed text are put in; every value is a parameter.
    sql = f"""
        SELECT p.grp, {", ".join(columns)}
        FROM ({people}) p
        LEFT JOIN (
            SELECT h.resident_id, {", ".join(pivot)} FROM ({history}) h GROUP BY h.resident_id
        ) o ON o.resident_id = p.subject
        GROUP BY p.grp
    """  # noqa: S608
    result: dict[str, dict[Any, tuple[int, int]]] = {s.code: {} for s in specs}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*column_params, *people_params, *pivot_params, *history_params])
        for row in cursor.fetchall():
            grp, counts = row[0], row[1:]
            for n, spec in enumerate(specs):
                total, yes = counts[2 * n], counts[2 * n + 1]
                if total:
                    result[spec.code][grp] = (yes, total)
    return result
