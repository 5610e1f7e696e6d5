"""Deadlines in working hours with Vietnamese holidays, and reminders once per lapse."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from feedback import services
from feedback.models import Reminder, Report, Status
from feedback.tasks import reminders_send_task
from feedback.workhours import add_working_hours, working_hours_between
from tests.feedback.conftest import make_report
from tests.workers import Worker, celery_worker

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_eight_working_hours_from_friday_afternoon_end_on_monday_afternoon() -> None:
    start = datetime(2026, 11, 20, 16, 0, tzinfo=HCM)  # a Friday
    assert add_working_hours(start, 8) == datetime(2026, 11, 23, 16, 0, tzinfo=HCM)


def test_tet_holidays_do_not_count() -> None:
    start = datetime(2026, 2, 13, 16, 0, tzinfo=HCM)  # Friday before Tết (16-20 Feb off)
    assert add_working_hours(start, 8) == datetime(2026, 2, 23, 16, 0, tzinfo=HCM)


def test_a_report_sent_at_night_counts_from_the_next_morning() -> None:
    start = datetime(2026, 11, 18, 21, 30, tzinfo=HCM)  # Wednesday night
    assert add_working_hours(start, 1) == datetime(2026, 11, 19, 8, 30, tzinfo=HCM)
    assert working_hours_between(start, datetime(2026, 11, 19, 17, 0, tzinfo=HCM)) == 8.0


def test_office_hours_can_be_configured(settings: Any) -> None:
    settings.FEEDBACK_WORKING_HOURS = "08:00-12:00"
    start = datetime(2026, 11, 18, 8, 0, tzinfo=HCM)
    assert add_working_hours(start, 8) == datetime(2026, 11, 19, 12, 0, tzinfo=HCM)


@pytest.mark.django_db
def test_urgent_categories_must_be_handled_within_four_clock_hours(
    village: Any, categories: dict
) -> None:
    sent = datetime(2026, 11, 21, 22, 0, tzinfo=HCM)  # Saturday night
    report = make_report(village, categories["electricity"], now=sent)
    assert report.resolve_due == sent + timedelta(hours=4)
    # Acknowledged by the time it must be handled, not on Monday's working hours.
    assert report.ack_due == report.resolve_due
    categories["electricity"].resolve_hours = 2
    categories["electricity"].save()
    again = make_report(village, categories["electricity"], now=sent)
    assert again.resolve_due == again.ack_due == sent + timedelta(hours=2)
    weekday = datetime(2026, 11, 23, 9, 0, tzinfo=HCM)  # Monday morning: working hours first
    categories["electricity"].ack_hours = 1
    categories["electricity"].save()
    day = make_report(village, categories["electricity"], now=weekday)
    assert day.ack_due == weekday + timedelta(hours=1)
    assert day.resolve_due == weekday + timedelta(hours=2)


@pytest.mark.django_db
def test_reminders_go_once_per_lapse_and_interval(
    village: Any, categories: dict, village_head: Any, officer: Any
) -> None:
    now = timezone.now()
    late = make_report(village, categories["water"], now=now - timedelta(days=10))
    Report.objects.filter(pk=late.pk).update(assignee=officer)
    make_report(village, categories["water"], now=now)  # not due yet
    mail.outbox.clear()
    assert services.reminders_send(now=now) == 1
    assert services.reminders_send(now=now) == 0
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {village_head.email, officer.email}
    assert late.tracking_code in mail.outbox[0].subject
    # A day later the same lapse is reminded again, once.
    services.reminders_send(now=now + timedelta(hours=25))
    services.reminders_send(now=now + timedelta(hours=25))
    assert Reminder.objects.filter(report=late).count() == 2
    # Acknowledged: that lapse ends.
    services.report_transition(report=late, to_status=Status.ACKNOWLEDGED, by=village_head)
    services.reminders_send(now=now + timedelta(hours=50))
    assert Reminder.objects.filter(report=late).count() == 2


@pytest.mark.django_db
def test_a_failed_send_leaves_no_reminder_row_so_the_next_run_retries(
    village: Any, categories: dict, village_head: Any, monkeypatch: Any
) -> None:
    from feedback import notify

    # Well past its deadline on any day: three days ago could still be within the working
    # hours it is given, across a weekend and Tết.
    make_report(village, categories["water"], now=timezone.now() - timedelta(days=30))

    def refuse(**kwargs: Any) -> int:
        raise OSError("SMTP down")

    monkeypatch.setattr(notify, "notify_staff_reminder", refuse)
    with pytest.raises(OSError):
        services.reminders_send()
    assert Reminder.objects.count() == 0


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_sends_each_reminder_once(
    tmp_path: Path, village: Any, categories: dict, village_head: Any
) -> None:
    assert connection.vendor == "postgresql"
    late = make_report(village, categories["roads"], now=timezone.now() - timedelta(days=30))
    with celery_worker(tmp_path, EMAIL_URL="consolemail://") as worker:
        assert isinstance(worker, Worker)
        first = worker.run(reminders_send_task)
        second = worker.run(reminders_send_task)
    assert second.count(f"To: {village_head.email}") == 1, second[-3000:]
    assert late.tracking_code in first
    assert Reminder.objects.filter(report=late, lapse="ack").count() == 1
