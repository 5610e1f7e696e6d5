"""Feedback through the village's Zalo Official Account: the webhook, reports made of messages,
photos and places, the tracking code and status changes sent back, and bad input."""

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import Photo, Report, Status, ZaloEvent, ZaloFollower
from tests.feedback.conftest import image_bytes
from tests.feedback.fake_zalo_oa import FakeZaloOA, event, signed

URL = "/feedback/zalo/webhook/"
PERSON = "8466521135428172000"


@pytest.fixture
def oa(settings: Any, village: Any, categories: Any) -> Iterator[FakeZaloOA]:
    with FakeZaloOA() as fake:
        for name, value in fake.env().items():
            setattr(settings, name, value)
        settings.FEEDBACK_ZALO_VILLAGE = str(village.pk)
        fake.state.followers.add(PERSON)
        yield fake


@pytest.fixture
def send(client: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """POST an event as Zalo does and run what it leaves for the workers."""

    def post(body: Any, *, signature: str | None = None, **headers: Any) -> Any:
        raw, good = signed(body) if not isinstance(body, bytes) else (body, "")
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                URL,
                data=raw,
                content_type="application/json",
                HTTP_X_ZEVENT_SIGNATURE=good if signature is None else signature,
                **headers,
            )

    return post


def test_a_message_becomes_a_report_and_the_tracking_code_goes_back(oa: Any, send: Any) -> None:
    answer = send(event("user_send_text", PERSON, text="Mất điện cả xóm từ sáng, cột điện đổ"))
    assert answer.status_code == 200
    report = Report.objects.get()
    assert report.category.code == "electricity"
    assert report.description.startswith("Mất điện")
    assert report.zalo_follower.user_id == PERSON
    assert report.zalo_follower.resident is None  # unlinked followers are served all the same
    [reply] = oa.texts_to(PERSON)
    assert report.tracking_code in reply
    assert reverse("feedback_status", args=[report.tracking_code]) in reply


def test_a_message_without_a_known_word_goes_to_other(oa: Any, send: Any) -> None:
    send(event("user_send_text", PERSON, text="Xin hỏi lịch họp thôn"))
    assert Report.objects.get().category.code == "other"


def test_a_photo_and_a_place_sent_after_the_message_join_its_report(
    oa: Any, send: Any, village: Any
) -> None:
    send(event("user_send_text", PERSON, text="Đèn đường ngõ 3 không sáng"))
    url = oa.serve("/photo/1.jpg", image_bytes("JPEG", (2400, 1800)))
    send(event("user_send_image", PERSON, attachment={"type": "image", "payload": {"url": url}}))
    lat = float(village.latitude or 21.0) + 0.001
    lng = float(village.longitude or 105.8) + 0.001
    place = {"type": "location", "payload": {"coordinates": {"latitude": lat, "longitude": lng}}}
    send(event("user_send_location", PERSON, attachment=place))
    send(event("user_send_text", PERSON, text="ở gần nhà văn hoá"))

    report = Report.objects.get()
    assert report.category.code == "roads"
    assert report.description.endswith("ở gần nhà văn hoá")
    assert round(float(report.latitude), 4) == round(lat, 4)
    photo = Photo.objects.get(report=report)
    assert max(photo.width, photo.height) <= 1600  # cleaned and scaled like any upload
    assert len(oa.texts_to(PERSON)) == 1  # one report, one tracking code


def test_a_photo_alone_starts_a_report(oa: Any, send: Any) -> None:
    url = oa.serve("/photo/2.png", image_bytes("PNG"))
    send(event("user_send_image", PERSON, attachment={"type": "image", "payload": {"url": url}}))
    report = Report.objects.get()
    assert report.photos.count() == 1
    assert report.tracking_code in oa.texts_to(PERSON)[0]


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_kept(oa: Any, send: Any) -> None:
    url = oa.serve("/photo/3.jpg", b"%PDF-1.4 not a picture at all")
    send(event("user_send_image", PERSON, attachment={"type": "image", "payload": {"url": url}}))
    assert not Report.objects.exists()
    assert not Photo.objects.exists()
    [notice] = oa.texts_to(PERSON)
    assert "không phải là ảnh" in notice
    assert ZaloEvent.objects.get().outcome == "refused: not_an_image"


def test_a_photo_from_another_host_is_not_downloaded(oa: Any, send: Any) -> None:
    attachment = {"type": "image", "payload": {"url": "http://169.254.169.254/latest/meta"}}
    send(event("user_send_image", PERSON, attachment=attachment))
    assert not Report.objects.exists()
    assert oa.texts_to(PERSON)  # told the photo could not be downloaded


def test_a_place_far_outside_the_village_is_refused(oa: Any, send: Any) -> None:
    place = {"type": "location", "payload": {"coordinates": {"latitude": 48.85, "longitude": 2.35}}}
    send(event("user_send_location", PERSON, attachment=place))
    assert not Report.objects.exists()
    assert "xa" in oa.texts_to(PERSON)[0].lower()


def test_status_changes_are_sent_back_to_the_conversation(
    oa: Any, send: Any, village_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    send(event("user_send_text", PERSON, text="Rác ứ đọng ở đầu ngõ"))
    report = Report.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_transition(report=report, to_status=Status.ACKNOWLEDGED, by=village_head)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_transition(
            report=report, to_status=Status.RESOLVED, by=village_head, text="Đã thu gom"
        )
    _created, acknowledged, resolved = oa.texts_to(PERSON)
    assert report.tracking_code in acknowledged and "Đã tiếp nhận" in acknowledged
    assert "Đã giải quyết" in resolved and "Đã thu gom" in resolved
    # each change is told once, even if its task runs again
    from feedback.tasks import zalo_reply_task

    for row in report.events.all():
        zalo_reply_task(row.pk)
    assert len(oa.texts_to(PERSON)) == 3


def test_an_expired_access_token_is_refreshed_and_the_reply_still_goes(
    oa: Any, send: Any, village_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    send(event("user_send_text", PERSON, text="Nước sinh hoạt bị đục"))
    oa.expire_tokens()  # Zalo answers -216 to the token the portal holds
    with django_capture_on_commit_callbacks(execute=True):
        services.report_transition(
            report=Report.objects.get(), to_status=Status.IN_PROGRESS, by=village_head
        )
    assert oa.state.refreshes == 2
    assert len(oa.texts_to(PERSON)) == 2


def test_a_person_the_oa_may_not_write_to_is_still_served(oa: Any, send: Any) -> None:
    send(event("user_send_text", "8466521135428172111", text="Cây đổ chắn đường"))
    assert Report.objects.get().zalo_follower.user_id == "8466521135428172111"
    assert not oa.state.sent  # Zalo refused (-213); the report stands, nothing retried


def test_a_wrong_signature_is_refused_and_nothing_is_stored(oa: Any, send: Any) -> None:
    body = event("user_send_text", PERSON, text="Giả mạo")
    raw, good = signed(body)
    assert send(raw, signature="mac=" + "0" * 64).status_code == 403
    assert send(raw, signature="").status_code == 403
    _, other = signed(body, secret="someone-else")
    assert send(raw, signature=other).status_code == 403
    tampered = raw.replace("Giả mạo".encode(), "Sửa đổi".encode())
    assert send(tampered, signature=good).status_code == 403
    assert not ZaloEvent.objects.exists()
    assert not Report.objects.exists()


def test_an_old_event_is_refused(oa: Any, send: Any) -> None:
    old = event("user_send_text", PERSON, text="Cũ", timestamp_ms=1_600_000_000_000)
    assert send(old).status_code == 403
    assert not ZaloEvent.objects.exists()


def test_a_replayed_event_changes_nothing_twice(oa: Any, send: Any) -> None:
    body = event("user_send_text", PERSON, text="Cống tắc", msg_id="msg-1")
    assert send(body).json() == {"ok": True, "duplicate": False}
    assert send(body).json() == {"ok": True, "duplicate": True}
    # Zalo's retry of the same message, even re-serialised, is the same message
    assert send({**body, "timestamp": str(int(body["timestamp"]) + 1)}).status_code == 200
    assert Report.objects.count() == 1
    assert ZaloEvent.objects.count() == 1
    assert len(oa.texts_to(PERSON)) == 1


def test_an_unknown_event_is_answered_200_and_logged(
    oa: Any, send: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="feedback.zalo_views"):
        answer = send(event("user_reacted_message", PERSON))
    assert answer.status_code == 200
    assert "user_reacted_message" in caplog.text
    assert not ZaloEvent.objects.exists()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="feedback.zalo_views"):
        assert send(event("user_seen_message", PERSON)).status_code == 200
    assert not caplog.text  # a known event feedback does not use is not news


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'"text"',
        b"\xff\xfe",
        json.dumps({"event_name": "user_send_text"}).encode(),
        json.dumps({"app_id": 5, "timestamp": "1", "event_name": "user_send_text"}).encode(),
        b"[" * 20000 + b"]" * 20000,
    ],
    ids=["broken", "list", "string", "not-utf8", "no-app-id", "app-id-not-text", "deep"],
)
def test_a_malformed_body_is_a_400(oa: Any, send: Any, raw: bytes) -> None:
    assert send(raw, signature="mac=x").status_code == 400
    assert not ZaloEvent.objects.exists()


def test_a_signed_event_without_a_sender_is_a_400(oa: Any, send: Any) -> None:
    body = event("user_send_text", PERSON, text="x")
    del body["sender"]
    assert send(body).status_code == 400


def test_a_ten_megabyte_body_is_refused_by_its_length(oa: Any, send: Any) -> None:
    body = event("user_send_text", PERSON, text="a" * (10 * 1024 * 1024))
    answer = send(body)
    assert answer.status_code == 413
    assert not ZaloEvent.objects.exists()


def test_control_characters_are_refused(oa: Any, send: Any) -> None:
    assert send(event("user_send_text", PERSON, text="a\x00b")).status_code == 400
    assert not ZaloEvent.objects.exists()


def test_the_webhook_is_off_until_configured(client: Any, village: Any) -> None:
    raw, signature = signed(event("user_send_text", PERSON, text="x"))
    answer = client.post(
        URL, data=raw, content_type="application/json", HTTP_X_ZEVENT_SIGNATURE=signature
    )
    assert answer.status_code == 403
    assert not ZaloEvent.objects.exists()


def test_get_is_refused(oa: Any, client: Any) -> None:
    assert client.get(URL).status_code == 405


def test_follow_and_unfollow_are_recorded(oa: Any, send: Any) -> None:
    send(event("follow", PERSON))
    assert ZaloFollower.objects.get(user_id=PERSON).following
    send(event("unfollow", PERSON))
    assert not ZaloFollower.objects.get(user_id=PERSON).following


def test_a_follower_links_themselves_by_sharing_their_phone(oa: Any, send: Any, world: Any) -> None:
    from households.models import Resident

    resident = Resident.objects.filter(household__village=world.village).first()
    resident.phone = "+84912345678"
    resident.save(update_fields=["phone"])
    info = {"name": "Nguyễn Văn A", "phone": "84912345678", "address": "", "city": ""}
    send(event("user_submit_info", PERSON, info=info))
    follower = ZaloFollower.objects.get(user_id=PERSON)
    assert follower.resident == resident
    assert follower.consent_at is not None and follower.consent_text
    assert not oa.texts_to(PERSON)


def test_an_unknown_phone_links_nobody_and_says_so(oa: Any, send: Any) -> None:
    send(event("user_submit_info", PERSON, info={"name": "B", "phone": "84987654321"}))
    assert not ZaloFollower.objects.filter(resident__isnull=False).exists()
    assert "Không có cư dân" in oa.texts_to(PERSON)[0]


def test_a_public_reply_is_sent_and_an_internal_note_is_not(
    oa: Any, send: Any, village_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    send(event("user_send_text", PERSON, text="Cống thoát nước bị tắc"))
    report = Report.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_note(report=report, text="Gọi đội vệ sinh", by=village_head)
        services.report_reply(report=report, text="Sáng mai tổ vệ sinh đến", by=village_head)
    _created, reply = oa.texts_to(PERSON)
    assert "Sáng mai tổ vệ sinh đến" in reply and report.tracking_code in reply


def test_the_shared_phone_number_is_not_kept_in_the_event(oa: Any, send: Any) -> None:
    send(event("user_submit_info", PERSON, info={"name": "B", "phone": "84987654321"}))
    assert "info" not in ZaloEvent.objects.get().payload


def test_a_blocked_follower_starts_no_report(
    oa: Any, send: Any, village_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    send(event("user_send_text", PERSON, text="Quảng cáo"))
    with django_capture_on_commit_callbacks(execute=True):
        services.sender_block(report=Report.objects.get(), reason="spam", by=village_head)
    Report.objects.update(created_at=Report.objects.get().created_at - timedelta(hours=1))
    send(event("user_send_text", PERSON, text="Quảng cáo nữa"))
    assert Report.objects.count() == 1
    assert "không còn nhận" in oa.texts_to(PERSON)[-1]


@pytest.mark.parametrize("timestamp", ["9" * 400, "١٢٣", "-5", "1.5e12"])
def test_a_signed_event_with_a_bad_timestamp_is_a_400(oa: Any, send: Any, timestamp: str) -> None:
    body = event("user_send_text", PERSON, text="x")
    body["timestamp"] = timestamp
    assert send(body).status_code == 400


@pytest.mark.parametrize(
    "message",
    [
        ["not", "an", "object"],
        {"msg_id": {"nested": 1}, "attachments": "x"},
        {"msg_id": "a1", "attachments": [{"payload": {"coordinates": {"latitude": "abc"}}}]},
        {"msg_id": "a2", "attachments": [{"payload": {"coordinates": {"latitude": "1e400"}}}]},
        {"msg_id": "a3", "attachments": [{"payload": {"url": ["x"]}}]},
    ],
    ids=["list", "nested-id", "text-latitude", "huge-latitude", "url-list"],
)
def test_strange_messages_change_nothing_and_never_fail(oa: Any, send: Any, message: Any) -> None:
    for name in ("user_send_text", "user_send_image", "user_send_location"):
        body = event(name, PERSON)
        if isinstance(message, dict) and isinstance(message["msg_id"], str):
            message = {**message, "msg_id": message["msg_id"] + name}  # not a replay
        body["message"] = message
        assert send(body).status_code == 200
    assert not Report.objects.exists()


def test_the_head_sees_that_a_report_came_through_zalo(
    oa: Any, send: Any, client: Any, village_head: Any
) -> None:
    send(event("user_send_text", PERSON, text="Chó thả rông cắn người"))
    client.force_login(village_head)
    page = client.get(reverse("feedback_detail", args=[Report.objects.get().pk]))
    assert "qua Zalo (trả lời được gửi vào cuộc trò chuyện)" in page.content.decode()


def test_zalo_being_down_does_not_stop_the_head_changing_a_status(
    oa: Any, send: Any, village_head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    send(event("user_send_text", PERSON, text="Nước giếng có mùi lạ"))
    report = Report.objects.get()
    oa.state.fail_next = 10  # 503 to every message for a while
    with django_capture_on_commit_callbacks(execute=True):
        services.report_transition(report=report, to_status=Status.ACKNOWLEDGED, by=village_head)
    report.refresh_from_db()
    assert report.status == Status.ACKNOWLEDGED
    assert len(oa.texts_to(PERSON)) == 1  # the tracking code only; the worker retries later
    assert report.events.get(kind="status").zalo_sent_at is None


def test_an_event_left_waiting_is_handled_later_and_old_ones_are_forgotten(
    oa: Any, client: Any, time_machine: Any
) -> None:
    from feedback import zalo_inbox

    raw, signature = signed(event("user_send_text", PERSON, text="Cột điện nghiêng"))
    # the task is lost: the callbacks after commit never run (a broker restart)
    client.post(URL, data=raw, content_type="application/json", HTTP_X_ZEVENT_SIGNATURE=signature)
    assert ZaloEvent.objects.get().processed_at is None
    assert zalo_inbox.events_tidy() == (0, 0)  # not yet: its task may still be on its way
    time_machine.move_to(timezone.now() + timedelta(minutes=3))
    assert zalo_inbox.events_tidy() == (1, 0)
    assert Report.objects.count() == 1
    time_machine.move_to(timezone.now() + timedelta(days=31))
    assert zalo_inbox.events_tidy() == (0, 1)
    assert not ZaloEvent.objects.exists()
    assert Report.objects.count() == 1
