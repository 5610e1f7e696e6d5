"""The lists behind a figure, as of the figure's date: the records it counted then, as many
as it counted, and not today's records under a past date."""

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from households import services as registry
from households.history import record, triggers_active
from households.models import Household, HouseholdEvent, Village
from reports import engine
from reports.registry import MEASURES, Figure, Measure, register
from tests.factories import HouseholdFactory, ResidentFactory
from tests.reports.factories import small_set

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<li><a href="([^"]+)">')


def _page(user: Any, url: str, **params: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:400]
    return response.content.decode()


def _listed(user: Any, village: Village, code: str, *, missing: bool, day: date) -> list[str]:
    """The links of a list page (one per record), for ``day``."""
    name = "reports_missing" if missing else "reports_records"
    page = _page(user, reverse(name, args=[village.pk, code]), date=day.isoformat())
    listed = page[page.index('data-testid="missing-list"') :]
    return LINK.findall(listed[: listed.index("</ul>")])


def _detail(household: Household) -> str:
    return reverse("household_detail", args=[household.pk])


@pytest.fixture
def changed_village(world: Any, village: Village) -> dict[str, Any]:
    """Sixty days ago: three households (world's, without a digital address, and two with
    one). Since then one lost its address and a new household with an address arrived."""
    Village.objects.filter(pk=village.pk).update(valid_from=date(2020, 1, 1))
    village.refresh_from_db()
    bare = world.household
    kept = HouseholdFactory(lane=world.lane, house_number="1", digital_address="A-1")
    changed = HouseholdFactory(lane=world.lane, house_number="2", digital_address="A-2")
    if not triggers_active():
        record([kept, changed, bare], "insert")
    then = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=60), time(9)))
    HouseholdEvent.objects.filter(pgh_obj__in=[kept, changed, bare]).update(pgh_created_at=then)
    registry.household_update(household=changed, by=None, digital_address="")
    new = HouseholdFactory(lane=world.lane, house_number="4", digital_address="A-4")
    return {"kept": kept, "changed": changed, "bare": bare, "new": new}


def _figure(village: Village, code: str, day: date) -> Figure:
    return MEASURES[code].compute(Village.objects.filter(pk=village.pk), day)[village.pk]


def test_a_past_figure_lists_the_households_it_counted_then(
    village_head, village, changed_village
) -> None:
    h = changed_village
    past, today = timezone.localdate() - timedelta(days=30), timezone.localdate()
    code = "households_digital_address"
    assert _figure(village, code, past) == Figure(2, 3)
    assert _figure(village, code, today) == Figure(2, 4)
    counted_then = _listed(village_head, village, code, missing=False, day=past)
    missing_then = _listed(village_head, village, code, missing=True, day=past)
    assert sorted(counted_then) == sorted([_detail(h["kept"]), _detail(h["changed"])])
    assert missing_then == [_detail(h["bare"])]
    # today's lists differ, as the figure does
    counted_now = _listed(village_head, village, code, missing=False, day=today)
    missing_now = _listed(village_head, village, code, missing=True, day=today)
    assert sorted(counted_now) == sorted([_detail(h["kept"]), _detail(h["new"])])
    assert sorted(missing_now) == sorted([_detail(h["changed"]), _detail(h["bare"])])
    # and the list page says which day it is about
    page = _page(
        village_head, reverse("reports_records", args=[village.pk, code]), date=past.isoformat()
    )
    assert f'data-testid="list-date">{past:%d/%m/%Y}<' in page


def test_the_report_of_a_past_date_links_to_the_lists_of_that_date(
    village_head, village, changed_village
) -> None:
    criteria_set = small_set(("Địa chỉ số", "measure", "households_digital_address", "percent", 90))
    past = timezone.localdate() - timedelta(days=30)
    page = _page(
        village_head,
        reverse("reports_village", args=[village.pk]),
        set=criteria_set.pk,
        date=past.isoformat(),
    )
    query = f"?date={past.isoformat()}&amp;set={criteria_set.pk}"
    records = reverse("reports_records", args=[village.pk, "households_digital_address"])
    missing = reverse("reports_missing", args=[village.pk, "households_digital_address"])
    assert f'<a href="{records}{query}">2</a>/3' in page
    assert f'<a href="{missing}{query}">' in page


def test_every_measure_lists_as_many_records_as_its_figure_counts(settings, tmp_path) -> None:
    """On the demo (a year of adoption history, feedback, announcements, cameras, signs), for
    each measure with lists, today and on past days: the lists have the figure's counts."""
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo")
    today = timezone.localdate()
    villages = Village.objects.filter(
        commune=Village.objects.get(name="Thôn Đông Phú").commune
    ).order_by("name")
    checked = set()
    for day in (today, today - timedelta(days=20), today - timedelta(days=75)):
        for code, measure in MEASURES.items():
            if measure.records is None or not measure.lists_count:
                continue
            figures = measure.compute(villages, day)
            for village in villages:
                figure = figures.get(village.pk) or Figure(
                    0, 0 if measure.unit == Measure.PERCENT else None
                )
                counted = measure.records(village, day).count()
                assert counted == figure.numerator, (code, village.name, day)
                if measure.missing is not None and figure.denominator is not None:
                    rest = measure.missing(village, day).count()
                    assert rest == figure.denominator - figure.numerator, (code, village.name, day)
                checked.add(code)
    assert {
        "households_digital_address",
        "smartphone_working_age",
        "lanes_with_active_signs",
        "feedback_acknowledged_on_time",
        "announcement_reach",
        "public_cameras_count",
    } <= checked


def test_a_resident_list_follows_the_adoption_history(village_head, village, world) -> None:
    from payments.services import Entry, adoption_record

    Village.objects.filter(pk=village.pk).update(valid_from=date(2020, 1, 1))
    today = timezone.localdate()
    person = ResidentFactory(
        household=world.household, full_name="Lê Thị Mai", birth_date=date(1990, 5, 1)
    )
    for day, value in ((today - timedelta(days=40), "yes"), (today - timedelta(days=5), "no")):
        adoption_record(
            household=world.household,
            entries=[Entry(item="smartphone", value=value, resident=person)],
            observed_on=day,
            method="told",
            by=None,
        )
    code = "smartphone_working_age"
    past = today - timedelta(days=20)
    assert _figure(village, code, past).numerator == 1
    assert _figure(village, code, today).numerator == 0
    household = _detail(world.household)
    assert _listed(village_head, village, code, missing=False, day=past) == [household]
    assert _listed(village_head, village, code, missing=False, day=today) == []
    assert household in _listed(village_head, village, code, missing=True, day=today)


def test_the_camera_lists_follow_the_probes_of_the_date(village_head, village) -> None:
    from cameras.models import UptimeDay
    from tests.cameras.factories import CameraFactory

    Village.objects.filter(pk=village.pk).update(valid_from=date(2020, 1, 1))
    today = timezone.localdate()
    camera = CameraFactory(village=village, name="Cổng làng")
    UptimeDay.objects.create(camera=camera, day=today - timedelta(days=40), probes=100, ok=10)
    UptimeDay.objects.create(camera=camera, day=today - timedelta(days=2), probes=100, ok=100)
    code = "public_cameras_uptime_30d"
    then = today - timedelta(days=35)
    assert MEASURES[code].lists_count is False  # the figure counts probes, the list cameras
    assert [c.pk for c in MEASURES[code].missing(village, then)] == [camera.pk]
    assert list(MEASURES[code].missing(village, today)) == []
    assert [c.pk for c in MEASURES[code].records(village, today)] == [camera.pk]


@pytest.fixture
def today_only_measure() -> Iterator[Measure]:
    """A measure of an app whose lists know only today's records."""
    measure = register(
        Measure(
            code="test_today_only",
            label="Chỉ hôm nay",
            definition="Hộ đang hoạt động.",
            unit=Measure.COUNT,
            compute=lambda villages, as_of: {
                v.pk: Figure(Household.objects.active().filter(village=v).count()) for v in villages
            },
            records=lambda village, as_of: Household.objects.active().filter(village=village),
            lists_past=False,
        )
    )
    yield measure
    del MEASURES[measure.code]


def test_a_measure_that_cannot_list_the_past_says_so(
    village_head, village, world, today_only_measure
) -> None:
    Village.objects.filter(pk=village.pk).update(valid_from=date(2020, 1, 1))
    url = reverse("reports_records", args=[village.pk, today_only_measure.code])
    past = timezone.localdate() - timedelta(days=10)
    page = _page(village_head, url, date=past.isoformat())
    assert 'data-testid="list-unavailable"' in page
    assert _detail(world.household) not in page
    assert _detail(world.household) in _page(village_head, url)
    criteria_set = small_set(("Chỉ hôm nay", "measure", today_only_measure.code, "count", 1))
    report = _page(
        village_head,
        reverse("reports_village", args=[village.pk]),
        set=criteria_set.pk,
        date=past.isoformat(),
    )
    assert 'data-testid="no-past-list"' in report and url not in report


def test_a_bad_date_on_a_list_gets_a_clear_answer(village_head, village) -> None:
    client = Client()
    client.force_login(village_head)
    url = reverse("reports_records", args=[village.pk, "households_digital_address"])
    assert client.get(url, {"date": "hôm-qua"}).status_code == 400
    before = client.get(url, {"date": "1990-01-01"})
    assert before.status_code == 400 and "1990" in before.content.decode()
    assert client.get(url, {"date": "2999-01-01"}).status_code == 400


def test_engine_and_lists_agree_for_a_village_report(village, changed_village) -> None:
    criteria_set = small_set(("Địa chỉ số", "measure", "households_digital_address", "percent", 90))
    past = timezone.localdate() - timedelta(days=30)
    result = (
        engine.evaluate_village(criteria_set=criteria_set, village=village, as_of=past)
        .criteria[0]
        .indicators[0]
    )
    assert (
        result.missing_count
        == MEASURES["households_digital_address"].missing(village, past).count()
    )
