from io import StringIO

import pytest

from feedback import demo
from feedback.models import Report, Status

pytestmark = pytest.mark.django_db


def test_the_demo_has_reports_in_every_state_some_overdue_some_rated_and_is_idempotent(
    village: object, village_head: object
) -> None:
    demo.seed([village], StringIO())
    reports = Report.objects.filter(village=village)
    count = reports.count()
    assert count >= 30
    assert set(reports.values_list("status", flat=True)) == set(Status.values)
    assert reports.overdue().exists()
    assert reports.filter(satisfied__isnull=False).exists()
    demo.seed([village], StringIO())
    assert Report.objects.filter(village=village).count() == count


def test_the_demo_places_reports_by_their_lane_and_asks_an_extra_question(
    world: object, village_head: object
) -> None:
    from decimal import Decimal

    from django.test import Client
    from django.urls import reverse

    from households.models import Household

    village = world.village  # type: ignore[attr-defined]
    village.latitude, village.longitude = Decimal("18.34"), Decimal("105.90")
    village.save()
    Household.objects.filter(pk=world.household.pk).update(  # type: ignore[attr-defined]
        latitude=Decimal("18.3412"), longitude=Decimal("105.9021")
    )
    demo.seed([village], StringIO())
    placed = Report.objects.filter(village=village, latitude__isnull=False)
    assert placed.exists()
    water = village.feedback_categories.get(code="water")
    assert water.live_questions()
    board = Client().get(reverse("feedback_board", args=[village.pk])).content.decode()
    assert 'data-testid="pin"' in board
