"""Writes that the pages used to do themselves, now through their apps' services."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from announcements import services as announcements
from announcements.models import Announcement, Group
from households import services as households
from households.models import RecordAccess, Resident
from reports import services as reports
from reports.models import CriteriaSet, Indicator
from tests.announcements.factories import AnnouncementFactory

pytestmark = pytest.mark.django_db


def test_a_draft_is_saved_with_its_lanes_and_not_sent(world, village_head) -> None:
    draft = announcements.announcement_create(
        village=world.village,
        by=village_head,
        lanes=[world.lane],
        submit=False,
        title="Họp thôn",
        body="Họp lúc 8 giờ.",
        audience=Announcement.Audience.LANES,
        channels=[],
    )
    draft.refresh_from_db()
    assert draft.status == Announcement.Status.DRAFT
    assert list(draft.lanes.all()) == [world.lane]
    assert draft.created_by == village_head


def test_an_announcement_to_another_villages_lane_is_refused(world, village_head) -> None:
    other_lane = world.other_village.lanes.get()
    with pytest.raises(ValidationError):
        announcements.announcement_create(
            village=world.village,
            by=village_head,
            lanes=[other_lane],
            submit=False,
            title="Họp thôn",
            body="Họp lúc 8 giờ.",
            audience=Announcement.Audience.LANES,
        )
    assert not Announcement.objects.exists()


def test_a_group_in_use_is_kept_and_an_unused_one_removed(world, village_head) -> None:
    members = Resident.objects.filter(household=world.household)
    used = announcements.group_save(
        village=world.village, name="Hội phụ nữ", kind=Group.Kind.CUSTOM, members=members
    )
    unused = announcements.group_save(
        village=world.village, name="Đội bóng", kind=Group.Kind.CUSTOM, members=members
    )
    AnnouncementFactory(village=world.village, created_by=village_head).groups.add(used)
    with pytest.raises(ValidationError):
        announcements.group_delete(group=used)
    announcements.group_delete(group=unused)
    assert list(Group.objects.values_list("name", flat=True)) == ["Hội phụ nữ"]


def test_opening_a_record_is_logged_with_the_reason(world, commune_official) -> None:
    with pytest.raises(ValidationError):
        households.record_open(household=world.household, by=commune_official, reason="  ")
    access = households.record_open(
        household=world.household, by=commune_official, reason=" Xác minh hồ sơ "
    )
    assert access.reason == "Xác minh hồ sơ"
    assert access.user_name == commune_official.full_name
    assert RecordAccess.objects.count() == 1


def _row(number: int, title: str, name: str) -> dict:
    indicator = Indicator(
        name=name,
        source="measure",
        measure_code="households_digital_address",
        threshold_kind="percent",
        threshold_value=90,
    )
    return {"criterion_number": number, "criterion_title": title, "indicator": indicator}


def test_saving_a_set_rebuilds_its_criteria_from_the_rows(world, superuser) -> None:
    draft = CriteriaSet(
        name="Bộ tiêu chí",
        province=world.village.commune.province,
        legal_basis_number="15/QĐ-UBND",
        legal_basis_date=date(2025, 3, 1),
        effective_from=date(2025, 3, 1),
    )
    saved = reports.criteria_set_save(
        criteria_set=draft,
        rows=[_row(1, "Địa chỉ số", "A"), _row(1, "Địa chỉ số", "B"), _row(2, "Y tế", "C")],
        by=superuser,
    )
    assert [(c.number, c.indicators.count()) for c in saved.criteria.order_by("number")] == [
        (1, 2),
        (2, 1),
    ]
    reports.criteria_set_save(criteria_set=saved, rows=[_row(3, "Học tập", "D")], by=superuser)
    assert list(saved.criteria.values_list("number", flat=True)) == [3]
    assert Indicator.objects.filter(criterion__criteria_set=saved).count() == 1
