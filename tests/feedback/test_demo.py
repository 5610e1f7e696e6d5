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
