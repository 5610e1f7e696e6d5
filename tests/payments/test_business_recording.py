"""Recording a business item on a date: the household must have been a business household on
that date, by the same rule as the figures of that date (``denominators.business_flags``)."""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from households import services as registry
from households.history import record, triggers_active
from households.models import Household
from payments import services
from payments.denominators import business_flags, business_households_on
from payments.models import AdoptionImport, Observation
from tests.factories import HouseholdFactory
from tests.payments.conftest import the_day

pytestmark = pytest.mark.django_db


def _record(household: Household, day: date, by: Any, item: str = "cashless") -> Any:
    return services.adoption_record(
        household=household,
        entries=[services.Entry(item=item, value="yes")],
        observed_on=day,
        method="official_list",
        by=by,
        submission_token=uuid.uuid4(),
    )


def _refusal(day: date) -> str:
    return f"hộ này không phải là hộ kinh doanh vào ngày {day:%d/%m/%Y}"


def test_a_value_dated_before_the_household_became_a_business_is_refused(
    shops: dict, digital_team: Any
) -> None:
    became, day = shops["became"], the_day()
    before = Observation.objects.count()
    for item in ("cashless", "sells_online"):
        with pytest.raises(ValidationError) as info:
            _record(became, day, digital_team, item)
        assert _refusal(day) in " ".join(info.value.messages)
    assert Observation.objects.count() == before
    # From the day it became one, its values are recorded.
    _record(became, timezone.localdate(), digital_team)
    assert Observation.objects.count() == before + 1


def test_a_value_dated_while_it_was_a_business_is_accepted_though_it_stopped_since(
    shops: dict, digital_team: Any
) -> None:
    stopped, day = shops["stopped"], the_day()
    outcome = _record(stopped, day, digital_team)
    assert [o.observed_on for o in outcome.observations] == [day]
    with pytest.raises(ValidationError) as info:
        _record(stopped, timezone.localdate(), digital_team)
    assert _refusal(timezone.localdate()) in " ".join(info.value.messages)


def test_the_check_and_the_figures_agree_on_every_day(shops: dict) -> None:
    households = [*shops.values()]
    days = [
        the_day() - timedelta(days=300),  # before any recorded event: the first flag
        the_day(),
        timezone.localdate(),
    ]
    flags = business_flags((h.pk, day) for h in households for day in days)
    for day in days:
        counted = set(business_households_on(day).values_list("pk", flat=True))
        for household in households:
            assert flags[(household.pk, day)] == (household.pk in counted), (household, day)
    assert {d: flags[(shops["became"].pk, d)] for d in days} == dict(
        zip(days, (False, False, True), strict=True)
    )


def test_the_flags_of_many_days_are_one_query(shops: dict, django_assert_num_queries: Any) -> None:
    pairs = [(h.pk, the_day() - timedelta(days=n)) for h in shops.values() for n in range(30)]
    with django_assert_num_queries(1):
        flags = business_flags(pairs)
    assert len(flags) == 90


def _upload(client: Client, rows: list[str], mode: str = "all") -> AdoptionImport:
    content = "Mã hộ,Ngày,Thanh toán không tiền mặt\n" + "".join(f"{r}\n" for r in rows)
    client.post(
        reverse("payments_import"),
        {
            "file": SimpleUploadedFile("cua-hang.csv", content.encode()),
            "observed_on": timezone.localdate().isoformat(),
            "mode": mode,
        },
    )
    return AdoptionImport.objects.latest("created_at")


def _confirm(client: Client, job: AdoptionImport, capture: Any) -> AdoptionImport:
    with capture(execute=True):
        client.post(reverse("payments_import_confirm", args=[job.pk]))
    job.refresh_from_db()
    return job


def test_the_import_checks_each_row_on_its_own_date(
    client: Client,
    village_head: Any,
    shops: dict,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(village_head)
    day = f"{the_day():%d/%m/%Y}"
    became, stopped = shops["became"].public_code, shops["stopped"].public_code
    job = _upload(client, [f"{stopped},{day},Không", f"{became},{day},Có"])
    assert job.status == "checked"
    assert job.errors == [
        {
            "row": 3,
            "column": "Thanh toán không tiền mặt",
            "message": (
                "Nhận thanh toán không dùng tiền mặt (QR, ví điện tử) chỉ ghi cho hộ kinh "
                f"doanh: {_refusal(the_day())}."
            ),
        }
    ]
    before = set(Observation.objects.values_list("pk", flat=True))
    # All or nothing (the default): nothing is written.
    assert _confirm(client, job, django_capture_on_commit_callbacks).status == "checked"
    assert set(Observation.objects.values_list("pk", flat=True)) == before
    # Only the valid rows: last month's value of the household that stopped trading since.
    job = _upload(client, [f"{stopped},{day},Không", f"{became},{day},Có"], mode="valid")
    job = _confirm(client, job, django_capture_on_commit_callbacks)
    assert (job.status, job.rows_written) == ("done", 1)
    written = Observation.objects.exclude(pk__in=before)
    assert list(written.values_list("household_id", "observed_on")) == [
        (shops["stopped"].pk, the_day())
    ]


def test_a_history_change_after_the_check_fails_the_row_at_the_write(
    client: Client,
    village_head: Any,
    shops: dict,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(village_head)
    became = shops["became"]
    today = f"{timezone.localdate():%d/%m/%Y}"
    job = _upload(client, [f"{became.public_code},{today},Có"])
    assert job.status == "checked" and not job.errors
    registry.household_update(household=became, by=None, is_business=False)
    job = _confirm(client, job, django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert _refusal(timezone.localdate()) in job.errors[0]["message"]


def test_the_import_asks_about_all_its_rows_at_once(
    client: Client, village_head: Any, shops: dict
) -> None:
    client.force_login(village_head)
    codes = [h.public_code for h in shops.values()]

    def queries(days: int) -> int:
        rows = [
            f"{code},{the_day() - timedelta(days=n):%d/%m/%Y},Có"
            for code in codes
            for n in range(days)
        ]
        with CaptureQueriesContext(connection) as captured:
            job = _upload(client, rows)
        assert job.total_rows == len(rows)
        return len(captured.captured_queries)

    assert queries(2) == queries(20)


def test_a_business_entered_this_week_gets_last_months_official_list(
    world: Any, digital_team: Any
) -> None:
    """A household registered long ago and entered into the portal now: its history starts
    today, and before that the figures take the flag it was entered with; so does the check."""
    shop = HouseholdFactory(
        lane=world.lane,
        village=world.village,
        house_number="40",
        is_business=True,
        business_name="Quán 40",
        established_on=date(2020, 1, 1),
    )
    if not triggers_active():
        record([shop], "insert")
    last_month = timezone.localdate() - timedelta(days=30)
    _record(shop, last_month, digital_team)
    assert shop.pk in set(business_households_on(last_month).values_list("pk", flat=True))
