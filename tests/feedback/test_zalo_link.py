"""Proof of a Zalo follower's link to a resident: a code from the resident's account page sent to
the OA, or an identity check at the office; a typed phone number alone links unverified."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback import zalo_inbox, zalo_link
from feedback.models import LinkProof, Report, ZaloEvent, ZaloFollower, ZaloLinkCode
from households.models import Resident
from tests.feedback.fake_zalo_oa import FakeZaloOA, event, signed

URL = "/feedback/zalo/webhook/"
PERSON = "8466521135428172000"
OTHER = "5551234567890123000"


@pytest.fixture
def oa(settings: Any, village: Any, categories: Any) -> Iterator[FakeZaloOA]:
    with FakeZaloOA() as fake:
        for name, value in fake.env().items():
            setattr(settings, name, value)
        settings.FEEDBACK_ZALO_VILLAGE = str(village.pk)
        settings.FEEDBACK_ZALO_OA_NAME = "Thôn Đông Phú"
        settings.FEEDBACK_ZALO_OA_FOLLOW_URL = "https://zalo.me/123456789"
        fake.state.followers.update({PERSON, OTHER})
        yield fake


@pytest.fixture
def send(client: Any, django_capture_on_commit_callbacks: Any) -> Any:
    def post(body: dict[str, Any]) -> Any:
        raw, good = signed(body)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                URL, data=raw, content_type="application/json", HTTP_X_ZEVENT_SIGNATURE=good
            )

    return post


@pytest.fixture
def me(world: Any, resident: Any) -> Resident:
    """The signed-in resident's record: the head of household 5A, phone shared below."""
    record = Resident.objects.get(household=world.household, is_head=True)
    record.account = resident
    record.phone = "+84912345678"
    record.save(update_fields=["account", "phone"])
    return record


def _neighbour(world: Any) -> Resident:
    return Resident.objects.get(household=world.household, is_head=False)


def _code(client: Any, user: Any) -> str:
    client.force_login(user)
    answer = client.post(reverse("feedback_zalo_link_code"))
    assert answer.status_code == 200
    code = answer.context["code"]
    assert len(code) == 6 and code.isdigit()
    client.logout()  # the webhook is called by Zalo, not by the resident's browser
    return code


def _text(user_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return event("user_send_text", user_id, text=text, **extra)


def test_a_shared_phone_number_links_unverified_and_gets_no_announcements(
    oa: Any, send: Any, me: Resident
) -> None:
    send(event("user_submit_info", PERSON, info={"name": "A", "phone": "84912345678"}))
    follower = ZaloFollower.objects.get(user_id=PERSON)
    assert follower.resident == me and follower.verified_at is None
    follower.following = True
    follower.save(update_fields=["following"])
    assert zalo_inbox.followers_for([me.pk]) == {}


def test_the_code_from_the_account_page_links_the_follower_who_sends_it(
    oa: Any, send: Any, client: Any, me: Resident, resident: Any
) -> None:
    code = _code(client, resident)
    assert not ZaloLinkCode.objects.filter(digest=code).exists()  # only its digest is kept
    send(event("follow", PERSON))
    answer = send(_text(PERSON, f"MÃ {code[:3]} {code[3:]}"))
    assert answer.status_code == 200
    follower = ZaloFollower.objects.get(user_id=PERSON)
    assert follower.resident == me
    assert follower.verified_how == LinkProof.CODE and follower.verified_at is not None
    assert follower.consent_at is not None and follower.consent_text == zalo_link.CONSENT_TEXT
    assert not Report.objects.exists()  # a code is never a report
    assert not ZaloLinkCode.objects.exists()  # used up
    [reply] = oa.texts_to(PERSON)
    assert reply.startswith("Đã liên kết") and me.full_name in reply
    assert PERSON in zalo_inbox.followers_for([me.pk])[me.pk]
    # the same code again, from anybody, is a wrong code now
    send(_text(OTHER, code))
    assert ZaloFollower.objects.get(user_id=OTHER).resident is None
    assert "không đúng" in oa.texts_to(OTHER)[0]


def test_a_wrong_code_is_answered_counted_and_never_a_report(
    oa: Any, send: Any, client: Any, me: Resident, resident: Any
) -> None:
    code = _code(client, resident)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    send(_text(PERSON, wrong))
    follower = ZaloFollower.objects.get(user_id=PERSON)
    assert follower.resident is None and follower.code_failures == 1
    assert not Report.objects.exists()
    assert "không đúng" in oa.texts_to(PERSON)[0]
    assert ZaloLinkCode.objects.filter(resident=me).exists()  # the real code still works
    send(_text(PERSON, code))
    assert ZaloFollower.objects.get(user_id=PERSON).verified_at is not None


def test_an_expired_code_links_nobody(
    oa: Any, send: Any, client: Any, me: Resident, resident: Any, time_machine: Any
) -> None:
    code = _code(client, resident)
    time_machine.move_to(timezone.now() + timedelta(minutes=zalo_link.LINK_CODE_MINUTES, seconds=1))
    send(_text(PERSON, code))
    follower = ZaloFollower.objects.get(user_id=PERSON)
    assert follower.resident is None and follower.code_failures == 1
    assert "hết hạn" in oa.texts_to(PERSON)[0]
    assert not Report.objects.exists()


def test_after_too_many_wrong_codes_even_the_right_one_waits_a_day(
    oa: Any, send: Any, client: Any, me: Resident, resident: Any, time_machine: Any
) -> None:
    code = _code(client, resident)
    wrong = [
        f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 1 + zalo_link.LINK_CODE_MAX_FAILURES)
    ]
    for guess in wrong:
        send(_text(PERSON, guess))
    send(_text(PERSON, code))
    assert ZaloFollower.objects.get(user_id=PERSON).resident is None
    assert "Quá nhiều" in oa.texts_to(PERSON)[-1]
    assert ZaloLinkCode.objects.filter(resident=me).exists()  # not used by the locked follower
    time_machine.move_to(timezone.now() + timedelta(hours=zalo_link.LINK_CODE_FAILURE_HOURS))
    send(_text(PERSON, _code(client, resident)))
    assert ZaloFollower.objects.get(user_id=PERSON).verified_at is not None


def test_a_replayed_code_event_is_handled_once(
    oa: Any, send: Any, client: Any, me: Resident, resident: Any
) -> None:
    body = _text(PERSON, _code(client, resident), msg_id="code-1")
    assert send(body).json() == {"ok": True, "duplicate": False}
    assert send(body).json() == {"ok": True, "duplicate": True}
    assert ZaloEvent.objects.count() == 1
    assert len(oa.texts_to(PERSON)) == 1
    assert ZaloFollower.objects.get(user_id=PERSON).code_failures == 0


def test_a_code_replaces_an_unverified_claim_and_the_residents_earlier_follower(
    oa: Any, send: Any, client: Any, me: Resident, resident: Any, world: Any
) -> None:
    # PERSON claimed the resident by typing their number; OTHER proves they are the resident
    send(event("user_submit_info", PERSON, info={"name": "A", "phone": "84912345678"}))
    send(_text(OTHER, _code(client, resident)))
    assert ZaloFollower.objects.get(user_id=PERSON).resident is None
    assert ZaloFollower.objects.get(user_id=OTHER).resident == me
    # a verified follower proving they are someone else leaves their first link
    neighbour = _neighbour(world)
    code = zalo_link.link_code_issue(resident=neighbour)
    send(_text(OTHER, code))
    follower = ZaloFollower.objects.get(user_id=OTHER)
    assert follower.resident == neighbour and follower.verified_at is not None
    assert zalo_inbox.followers_for([me.pk]) == {}
    # typing another number afterwards makes the link unverified again
    send(event("user_submit_info", OTHER, info={"name": "A", "phone": "84912345678"}))
    follower.refresh_from_db()
    assert follower.resident == me and follower.verified_at is None


def test_a_message_with_a_code_among_words_is_a_report(oa: Any, send: Any, me: Resident) -> None:
    send(_text(PERSON, "Đường ngõ 123456 bị ngập"))
    assert Report.objects.count() == 1
    assert ZaloFollower.objects.get(user_id=PERSON).code_failures == 0


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("123456", "123456"),
        (" 123 456 ", "123456"),
        ("MÃ 123456", "123456"),
        ("mã: 123-456", "123456"),
        ("Mã liên kết 123456", "123456"),
        ("12345", None),
        ("1234567", None),
        ("mất điện 123456", None),
        ("", None),
    ],
)
def test_what_counts_as_a_code(text: str, code: str | None) -> None:
    assert zalo_link.code_in(text) == code


def _unverified(world: Any, resident: Resident) -> ZaloFollower:
    return ZaloFollower.objects.create(
        village=world.village,
        user_id=PERSON,
        following=True,
        resident=resident,
        consent_at=timezone.now(),
        consent_text=zalo_inbox.CONSENT_TEXT,
    )


def test_an_officer_confirms_a_link_after_checking_identity(
    client: Any, world: Any, me: Resident, officer: Any
) -> None:
    follower = _unverified(world, me)
    client.force_login(officer)
    page = client.get(reverse("feedback_zalo_links"))
    assert page.status_code == 200
    assert me.full_name in page.content.decode()
    assert PERSON not in page.content.decode()  # the Zalo id is shown by its last digits only
    url = reverse("feedback_zalo_link_verify", args=[follower.pk])
    assert client.get(url).status_code == 405
    client.post(url)
    follower.refresh_from_db()
    assert follower.verified_how == LinkProof.OFFICE and follower.verified_by == officer
    assert (
        follower.verified_at is not None and follower.consent_text == zalo_link.OFFICE_CONSENT_TEXT
    )
    answer = client.post(url, follow=True)  # a second click changes nothing
    assert "đã được xác nhận" in answer.content.decode()


def test_who_may_confirm_a_link(
    client: Any, world: Any, me: Resident, digital_team: Any, outsider: Any, resident: Any
) -> None:
    follower = _unverified(world, me)
    url = reverse("feedback_zalo_link_verify", args=[follower.pk])
    client.force_login(digital_team)
    assert client.post(url).status_code == 403
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    client.force_login(resident)  # the resident cannot confirm their own link
    assert client.post(url).status_code == 403
    follower.refresh_from_db()
    assert follower.verified_at is None


def test_the_resident_unlinks_at_once(client: Any, world: Any, me: Resident, resident: Any) -> None:
    follower = _unverified(world, me)
    zalo_link.link_verify_in_person(follower=follower, by=None)
    assert zalo_inbox.followers_for([me.pk])
    client.force_login(resident)
    page = client.get(reverse("feedback_zalo_link"))
    assert 'data-testid="zalo-unlink"' in page.content.decode()
    assert client.get(reverse("feedback_zalo_link_unlink")).status_code == 405
    client.post(reverse("feedback_zalo_link_unlink"))
    follower.refresh_from_db()
    assert follower.resident is None and follower.verified_at is None
    assert follower.consent_at is None
    assert zalo_inbox.followers_for([me.pk]) == {}


def test_a_new_code_replaces_the_last_one(client: Any, me: Resident, resident: Any) -> None:
    first = _code(client, resident)
    second = _code(client, resident)
    [row] = ZaloLinkCode.objects.filter(resident=me)
    assert row.digest == zalo_link.digest(second) != zalo_link.digest(first)


def test_an_account_without_a_resident_record_gets_404(client: Any, village_head: Any) -> None:
    client.force_login(village_head)
    assert client.get(reverse("feedback_zalo_link")).status_code == 404
    assert client.post(reverse("feedback_zalo_link_code")).status_code == 404


def test_the_reports_page_leads_registry_editors_to_the_links_to_confirm(
    client: Any, officer: Any, digital_team: Any
) -> None:
    link = reverse("feedback_zalo_links")
    client.force_login(officer)
    assert link in client.get(reverse("feedback_list")).content.decode()
    client.force_login(digital_team)
    assert link not in client.get(reverse("feedback_list")).content.decode()
    assert client.get(link).status_code == 403
