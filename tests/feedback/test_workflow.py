"""Handling a report: the state machine, replies, notes, assignment, moderation, the reporter."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import Event, Photo, Report, Status
from feedback.photos import process
from tests.feedback.conftest import image_bytes, jpeg_with_gps, make_report, upload

pytestmark = pytest.mark.django_db


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_village_head_acknowledges_replies_and_resolves_and_the_reporter_hears_of_each(
    report: Report, village_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = _login(village_head)
    url = reverse("feedback_transition", args=[report.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"status": "acknowledged"}).status_code == 302
        client.post(reverse("feedback_reply", args=[report.pk]), {"text": "Chiều nay thợ đến."})
        client.post(reverse("feedback_note", args=[report.pk]), {"text": "Gọi anh Hùng điện lực"})
        response = client.post(
            url,
            {
                "status": "resolved",
                "text": "Đã thay bóng đèn.",
                "result_photo": upload("xong.png", image_bytes("PNG", (64, 48)), "image/png"),
            },
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RESOLVED and report.kind == "fixed"
    assert report.acknowledged_at and report.resolved_at and report.closed_at
    assert report.resolution_note == "Đã thay bóng đèn."
    assert Photo.objects.filter(report=report, is_result=True).count() == 1
    # created (sent at submit, outside the capture) is not in this outbox; the three public
    # changes are, the internal note is not.
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 3
    public = client.get(reverse("feedback_status", args=[report.tracking_code])).content.decode()
    assert "Chiều nay thợ đến." in public and "Đã thay bóng đèn." in public
    assert "Gọi anh Hùng" not in public
    staff = client.get(reverse("feedback_detail", args=[report.pk])).content.decode()
    assert "Gọi anh Hùng" in staff and "nam@example.com" in staff


def test_a_status_change_the_state_machine_does_not_allow_is_refused(
    report: Report, village_head: Any
) -> None:
    client = _login(village_head)
    url = reverse("feedback_transition", args=[report.pk])
    client.post(url, {"status": "resolved", "text": "Xong"})
    response = client.post(url, {"status": "in_progress"})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == Status.RESOLVED
    with pytest.raises(ValidationError):
        services.report_transition(report=report, to_status=Status.NEW, by=village_head)


def test_closing_needs_a_resolution_note(report: Report, village_head: Any) -> None:
    response = _login(village_head).post(
        reverse("feedback_transition", args=[report.pk]), {"status": "closed", "text": " "}
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == Status.NEW
    assert not report.events.filter(kind=Event.Kind.STATUS).exists()


def test_forwarding_keeps_the_body_and_the_date(report: Report, officer: Any) -> None:
    client = _login(officer)
    url = reverse("feedback_transition", args=[report.pk])
    assert client.post(url, {"status": "forwarded", "text": "Chuyển"}).status_code == 400
    client.post(
        url,
        {"status": "forwarded", "text": "Chuyển điện lực", "forwarded_to": "Điện lực Cẩm Xuyên"},
    )
    report.refresh_from_db()
    assert report.status == Status.FORWARDED
    assert report.forwarded_to == "Điện lực Cẩm Xuyên"
    assert report.forwarded_on == timezone.localdate()


def test_a_duplicate_is_linked_to_its_original(
    village: Any, categories: dict, report: Report, village_head: Any, other_village: Any
) -> None:
    copy = make_report(village, categories["roads"])
    client = _login(village_head)
    url = reverse("feedback_transition", args=[copy.pk])
    assert (
        client.post(
            url, {"status": "duplicate", "text": "Trùng", "duplicate_of": "PA-NONE"}
        ).status_code
        == 400
    )
    client.post(url, {"status": "duplicate", "text": "Trùng", "duplicate_of": report.tracking_code})
    copy.refresh_from_db()
    assert copy.status == Status.DUPLICATE and copy.duplicate_of == report


def test_the_digital_team_reads_but_does_not_handle(report: Report, digital_team: Any) -> None:
    client = _login(digital_team)
    assert client.get(reverse("feedback_detail", args=[report.pk])).status_code == 200
    response = client.post(
        reverse("feedback_transition", args=[report.pk]), {"status": "acknowledged"}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == Status.NEW


def test_assignment_only_to_the_village_team(
    report: Report, village_head: Any, officer: Any, outsider: Any
) -> None:
    client = _login(village_head)
    url = reverse("feedback_assign", args=[report.pk])
    assert client.post(url, {"assignee": outsider.pk}).status_code == 400
    assert client.post(url, {"assignee": officer.pk}).status_code == 302
    report.refresh_from_db()
    assert report.assignee == officer
    mine = _login(officer).get(reverse("feedback_list"), {"mine": "1"})
    assert report.tracking_code in mine.content.decode()


def test_moderation_hides_a_report_and_a_photo_but_keeps_them(
    client: Client, village: Any, categories: dict, village_head: Any
) -> None:
    from feedback import photos

    report = make_report(
        village, categories["roads"], photos=[photos.process(image_bytes("PNG", (64, 48)))]
    )
    photo = report.photos.get()
    head = _login(village_head)
    board = reverse("feedback_board", args=[village.pk])
    assert report.description in client.get(board).content.decode()
    head.post(reverse("feedback_photo_moderate", args=[photo.pk]), {"hidden": "1"})
    assert client.get(reverse("feedback_photo", args=[photo.pk])).status_code == 404
    assert head.get(reverse("feedback_photo", args=[photo.pk])).status_code == 200
    assert (
        head.post(reverse("feedback_moderate", args=[report.pk]), {"hidden": "1"}).status_code
        == 400
    )
    head.post(reverse("feedback_moderate", args=[report.pk]), {"hidden": "1", "reason": "Xúc phạm"})
    assert report.description not in client.get(board).content.decode()
    assert (
        client.get(reverse("feedback_public_detail", args=[report.public_code])).status_code == 404
    )
    assert Report.objects.filter(pk=report.pk, hidden=True).exists()
    assert Photo.objects.filter(pk=photo.pk, hidden=True).exists()


def test_the_reporter_rates_after_closure_and_reopens_within_14_days(
    report: Report, village_head: Any, client: Client
) -> None:
    rate = reverse("feedback_rate", args=[report.tracking_code])
    assert client.post(rate, {"satisfied": "yes"}).status_code == 400  # still open
    services.report_transition(report=report, to_status="resolved", by=village_head, text="Xong")
    assert client.post(rate, {"satisfied": "no", "comment": "Vẫn tối"}).status_code == 302
    assert client.post(rate, {"satisfied": "yes"}).status_code == 400  # once
    report.refresh_from_db()
    assert report.satisfied is False and report.rating_comment == "Vẫn tối"
    reopen = reverse("feedback_reopen", args=[report.tracking_code])
    assert client.post(reopen, {"text": "Đèn lại tắt"}).status_code == 302
    report.refresh_from_db()
    assert report.status == Status.ACKNOWLEDGED and report.is_open
    assert report.satisfied is None


def test_a_reopen_after_14_days_is_refused(
    report: Report, village_head: Any, client: Client
) -> None:
    services.report_transition(report=report, to_status="resolved", by=village_head, text="Xong")
    Report.objects.filter(pk=report.pk).update(closed_at=timezone.now() - timedelta(days=15))
    response = client.post(
        reverse("feedback_reopen", args=[report.tracking_code]), {"text": "Lại hỏng"}
    )
    assert response.status_code == 400
    assert "14" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.RESOLVED


def test_me_too_counts_once_per_sender_and_similar_reports_are_suggested(
    client: Client, village: Any, world: Any, categories: dict
) -> None:
    report = make_report(village, categories["roads"], lane=world.lane)
    url = reverse("feedback_me_too", args=[report.public_code])
    client.post(url)
    client.post(url)
    report.refresh_from_db()
    assert report.me_too_count == 1
    similar = client.get(
        reverse("feedback_similar", args=[village.pk]),
        {"category": categories["roads"].pk, "lane": world.lane.pk},
    )
    assert report.description in similar.content.decode()
    other = client.get(
        reverse("feedback_similar", args=[village.pk]),
        {"category": categories["water"].pk, "lane": world.lane.pk},
    )
    assert report.description not in other.content.decode()
    form = client.get(
        reverse("feedback_report_new", args=[village.pk]),
        {"lane": world.lane.pk, "category": categories["roads"].pk},
    )
    assert 'data-testid="similar"' in form.content.decode()


def test_the_board_shows_a_name_only_when_the_reporter_chose_to(
    client: Client, village: Any, categories: dict
) -> None:
    make_report(village, categories["roads"], reporter_name="Hồ Thị Hiện", show_name=True)
    make_report(village, categories["water"], reporter_name="Ngô Văn Ẩn", show_name=False)
    html = client.get(reverse("feedback_board", args=[village.pk])).content.decode()
    assert "Hồ Thị Hiện" in html
    assert "Ngô Văn Ẩn" not in html and "nam@example.com" not in html


def test_the_staff_list_filters_overdue_reports(
    village: Any, categories: dict, village_head: Any
) -> None:
    late = make_report(village, categories["water"], now=timezone.now() - timedelta(days=10))
    fresh = make_report(village, categories["water"])
    html = _login(village_head).get(reverse("feedback_list"), {"overdue": "1"}).content.decode()
    assert late.tracking_code in html and fresh.tracking_code not in html


def test_the_dashboard_shows_the_feedback_tiles(
    village: Any, categories: dict, village_head: Any
) -> None:
    make_report(village, categories["water"], now=timezone.now() - timedelta(days=10))
    make_report(village, categories["water"])
    html = _login(village_head).get(reverse("dashboard")).content.decode()
    assert 'data-testid="feedback-open">2<' in html
    assert 'data-testid="feedback-overdue">1<' in html


def test_looking_up_tracking_codes_is_rate_limited(client: Client, db: None, settings: Any) -> None:
    settings.FEEDBACK_RATE_TRACK = "3/3600"
    for _n in range(3):
        assert client.get(reverse("feedback_track"), {"code": "PA-GUESS"}).status_code == 404
    assert client.get(reverse("feedback_track"), {"code": "PA-GUESS"}).status_code == 429


def test_the_reporter_is_told_once_even_if_the_task_runs_twice(
    report: Report, village_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from feedback.tasks import notify_reporter_task

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_reply(report=report, text="Đã nhận", by=village_head)
    event = report.events.get(kind=Event.Kind.REPLY)
    assert len(mail.outbox) == 1
    assert notify_reporter_task(event.pk) == []
    assert len(mail.outbox) == 1
    assert "Đã nhận" in mail.outbox[0].body


def test_the_public_village_section_links_to_the_board_and_the_form(village: Any) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("feedback/_public_village.html", {"village": village})
    assert reverse("feedback_board", args=[village.pk]) in html
    assert reverse("feedback_report_new", args=[village.pk]) in html


def test_the_digital_team_sees_no_handling_forms(report: Report, digital_team: Any) -> None:
    html = _login(digital_team).get(reverse("feedback_detail", args=[report.pk])).content.decode()
    assert reverse("feedback_transition", args=[report.pk]) not in html
    assert reverse("feedback_block", args=[report.pk]) not in html


def test_the_staff_list_puts_late_then_urgent_first_and_shows_what_a_head_triages_by(
    village: Any, categories: dict, village_head: Any, officer: Any
) -> None:
    categories["security"].urgent = True
    categories["security"].save()
    calm = make_report(village, categories["roads"], description="Ổ gà trước nhà văn hóa")
    urgent = make_report(
        village,
        categories["security"],
        description="Có người lạ đi lại nhiều lần",
        photos=[process(jpeg_with_gps((640, 480)))],
    )
    late = make_report(
        village,
        categories["water"],
        description="Mất nước ba ngày",
        now=timezone.now() - timedelta(days=10),
    )
    services.report_assign(report=calm, assignee=officer, by=village_head)
    client = _login(village_head)

    html = client.get(reverse("feedback_list")).content.decode()
    order = [html.index(r.tracking_code) for r in (late, urgent, calm)]
    assert order == sorted(order), "late, then urgent, then the rest"
    assert "Mất nước ba ngày" in html and "Ổ gà trước nhà văn hóa" in html
    assert html.count('data-testid="overdue"') == 1 and "quá hạn" in html
    assert "Trần Thị Hoa" in html and "chưa giao ai" in html
    assert reverse("feedback_photo", args=[urgent.photos.get().pk]) in html

    newest = client.get(reverse("feedback_list"), {"sort": "newest"}).content.decode()
    assert newest.index(urgent.tracking_code) < newest.index(late.tracking_code)
    only_urgent = client.get(reverse("feedback_list"), {"urgent": "1"}).content.decode()
    assert urgent.tracking_code in only_urgent and calm.tracking_code not in only_urgent
    unassigned = client.get(reverse("feedback_list"), {"unassigned": "1"}).content.decode()
    assert calm.tracking_code not in unassigned and late.tracking_code in unassigned
    # An unknown order falls back to triage rather than failing.
    assert client.get(reverse("feedback_list"), {"sort": "'; DROP"}).status_code == 200
