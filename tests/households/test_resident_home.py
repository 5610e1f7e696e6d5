"""A resident's first sign-in lands on a home of their own, never on an error page."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from announcements import services as announcement_services
from feedback import services as feedback_services
from feedback.models import Category
from tests.announcements.factories import AnnouncementFactory
from tests.factories import UserFactory, membership
from tests.feedback.conftest import make_report

pytestmark = pytest.mark.django_db


def _sign_in(user, password) -> tuple[Client, object]:
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": password}, follow=True
    )
    return client, response


def test_a_resident_lands_on_their_household_announcements_reports_and_office(
    world, village_head, resident, password
) -> None:
    member = world.household.residents.get(full_name="Trần Thị Bình")
    member.account = resident
    member.save()
    world.village.office_phone = "0203 3812 345"
    world.village.save()
    meeting = AnnouncementFactory(
        village=world.village,
        title="Họp thôn tháng này",
        channels=["web"],
        kind="meeting",
        ask_acknowledgement=True,
    )
    announcement_services.announcement_send(announcement=meeting)
    announcement_services.deliveries_drain(channel="web")
    feedback_services.categories_ensure_defaults(village=world.village)
    sent = make_report(world.village, Category.objects.get(village=world.village, code="roads"))
    sent.reporter_user = resident
    sent.save()

    client, response = _sign_in(resident, password)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    page = response.content.decode()
    assert "Xin chào, Võ Thị Mai" in page
    assert "5A" in page and "2 thành viên" in page
    assert "Họp thôn tháng này" in page and "cần trả lời" in page
    assert sent.category.name in page
    assert "0203 3812 345" in page and "Nguyễn Văn Thành" in page
    assert "không được phép" not in page
    # Once answered, the announcement no longer asks for an answer.
    client.post(reverse("my_announcement_answer", args=[meeting.public_code]), {"answer": "attend"})
    assert "cần trả lời" not in client.get(reverse("home")).content.decode()


def test_a_resident_whose_account_is_not_linked_yet_is_told_what_to_do(
    world, resident, password
) -> None:
    _client, response = _sign_in(resident, password)
    assert response.status_code == 200
    page = response.content.decode()
    assert "chưa được gắn với hộ nào" in page
    assert reverse("feedback_report_new", kwargs={"village_id": world.village.pk}) in page


def test_someone_whose_only_membership_ended_still_lands_on_a_page(world, password) -> None:
    user = UserFactory(full_name="Người Đã Chuyển Đi")
    _client, response = _sign_in(user, password)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "chưa được gắn với hộ nào" in response.content.decode()


def test_staff_still_land_on_the_dashboard(village, password) -> None:
    user = UserFactory()
    membership(user, Role.SECURITY_OFFICER, village)
    _client, response = _sign_in(user, password)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.status_code == 200


def test_the_home_page_shows_a_resident_nothing_of_other_households(world, resident) -> None:
    member = world.household.residents.get(full_name="Trần Thị Bình")
    member.account = resident
    member.save()
    client = Client()
    client.force_login(resident)
    page = client.get(reverse("home")).content.decode()
    assert "Hồ Văn Khác" not in page
