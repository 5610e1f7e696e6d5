"""A commune official's home: every village of their commune side by side, with what changed
since the last period, who is behind, the commune's totals and the export buttons."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from households.models import Village
from reports import commune as commune_table
from reports import engine
from reports.models import CriteriaSet
from tests.factories import HouseholdFactory, LaneFactory, UserFactory, VillageFactory
from tests.reports.factories import small_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(world):
    """Two villages of the official's commune with different sizes, one of another commune."""
    big = VillageFactory(commune=world.village.commune, name="Thôn An Bình")
    lane = LaneFactory(village=big)
    for n in range(40):
        HouseholdFactory(lane=lane, digital_address=f"AB{n}" if n < 30 else "")
    # Đông Phú (world.village) has one household without an address; give it one with.
    HouseholdFactory(lane=world.lane, digital_address="DP-1")
    Village.objects.update(valid_from=date(2020, 1, 1))
    return world.village.commune


@pytest.fixture
def criteria_set(commune) -> CriteriaSet:
    return small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 80),
        ("Tổ công nghệ số", "measure", "digital_team_members", "count", 2),
    )


def _team_member(village, *, since: date) -> None:
    member = Membership.objects.create(user=UserFactory(), role=Role.DIGITAL_TEAM, village=village)
    Membership.objects.filter(pk=member.pk).update(
        created_at=timezone.make_aware(timezone.datetime(since.year, since.month, since.day, 9))
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_commune_official_signs_in_and_lands_on_the_commune_home(
    commune_official, password, commune, criteria_set
) -> None:
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": commune_official.email, "password": password}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("commune_home")
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="commune-home"' in html
    assert "Thôn Đông Phú" in html and "Thôn An Bình" in html
    assert "Thôn Xa Lạ" not in html  # a village of another commune
    assert html.count('data-testid="village-row"') == 2
    # The front door sends them there too, and the menu links to it.
    assert client.get(reverse("home"))["Location"] == reverse("commune_home")
    assert 'data-testid="nav-commune"' in html


def test_village_staff_still_land_on_their_dashboard(village_head, password) -> None:
    response = Client().post(
        reverse("account_login"), {"login": village_head.email, "password": password}
    )
    assert response["Location"] == reverse("dashboard")


def test_someone_without_a_commune_is_sent_home_from_the_commune_home(village_head) -> None:
    response = _client(village_head).get(reverse("commune_home"))
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_totals_are_sums_and_one_rate_over_all_households(
    commune_official, commune, criteria_set, world
) -> None:
    """Đông Phú: 1 of 2 households has an address (50%); An Bình: 30 of 40 (75%). The
    commune's rate is 31/42 = 73.8%, not the average of the two villages (62.5%)."""
    big = Village.objects.get(name="Thôn An Bình")
    today = timezone.localdate()
    for _n in range(3):
        _team_member(big, since=today - timedelta(days=400))
    _team_member(world.village, since=today - timedelta(days=400))
    reports = list(
        engine.evaluate(
            criteria_set=criteria_set,
            villages=Village.objects.filter(commune=commune),
            as_of=today,
        ).values()
    )
    table = commune_table.compare(criteria_set=criteria_set, reports=reports)
    share, team = table.totals
    assert (share.kind, share.numerator, share.denominator) == ("percent", 31, 42)
    assert share.value == pytest.approx(100 * 31 / 42)
    assert (team.kind, team.value) == ("count", 4.0)
    assert (share.villages_passed, team.villages_passed) == (0, 1)

    html = _client(commune_official).get(reverse("commune_home")).content.decode()
    totals = html[html.index('data-testid="totals-row"') :]
    assert "73,8%" in totals and "(31/42)" in totals
    assert ">4<" in totals


def test_it_shows_what_changed_since_last_month_and_who_is_behind(
    commune_official, commune, criteria_set, world
) -> None:
    big = Village.objects.get(name="Thôn An Bình")
    today = timezone.localdate()
    long_ago = today - timedelta(days=400)
    _team_member(big, since=long_ago)
    # Two more joined this month: the count rose by 2 since the end of last month.
    _team_member(big, since=today.replace(day=1))
    _team_member(big, since=today.replace(day=1))
    html = _client(commune_official).get(reverse("commune_home")).content.decode()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    assert last_month_end.strftime("%d/%m/%Y") in html  # compared with the end of last month
    rows = html[html.index('data-testid="commune-table"') : html.index('data-testid="totals-row"')]
    big_row = rows[rows.index("Thôn An Bình") :]
    assert "▲ +2" in big_row[: big_row.index("</tr>")]
    # Both villages miss the address target (50% and 75% < 80%); An Bình meets the team one.
    behind = html[html.index('data-testid="behind-list"') :]
    assert behind.index("Thôn Đông Phú") < behind.index("Thôn An Bình")  # furthest behind first
    assert "compare__cell--behind" in rows
    assert 'data-testid="export-xlsx"' in html and 'data-testid="export-pdf"' in html


def test_the_export_buttons_start_the_commune_export(
    commune_official, commune, criteria_set, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    client = _client(commune_official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports_commune_export", args=[commune.pk]),
            {"fmt": "pdf", "set": criteria_set.pk, "date": timezone.localdate().isoformat()},
        )
    assert response.status_code == 302


def test_a_closed_period_is_the_one_compared_with_by_its_frozen_figures(
    commune_official, commune, criteria_set, world
) -> None:
    from reports import services

    big = Village.objects.get(name="Thôn An Bình")
    today = timezone.localdate()
    _team_member(big, since=today - timedelta(days=400))
    last_month = today.replace(day=1) - timedelta(days=1)
    period = services.period_close(
        commune=commune, criteria_set=criteria_set, kind="month", day=last_month, by=None
    )
    # Joined after the close: the frozen figure (1) stays what the period compares with.
    _team_member(big, since=today.replace(day=1))
    _team_member(big, since=today.replace(day=1))
    html = _client(commune_official).get(reverse("commune_home")).content.decode()
    assert f"{period} (kỳ đã chốt)" in html
    rows = html[html.index('data-testid="commune-table"') : html.index('data-testid="totals-row"')]
    big_row = rows[rows.index("Thôn An Bình") :]
    assert "▲ +2" in big_row[: big_row.index("</tr>")]


def test_without_a_set_in_use_the_home_shows_the_way_not_an_error(
    commune_official, commune
) -> None:
    CriteriaSet.objects.update(status=CriteriaSet.Status.RETIRED)
    response = _client(commune_official).get(reverse("commune_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="no-set"' in html
    assert reverse("reports_commune_criteria", args=[commune.pk]) in html
