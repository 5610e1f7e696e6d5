"""History pages name what a change points at: the village, the lane, the person who did it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from households import services
from households.history import change_context
from tests.factories import LaneFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enforce_head_check")]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _history(user, household) -> str:
    client = Client()
    client.force_login(user)
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    return page.split('data-testid="history"')[1].split("</ol>")[0]


def test_the_history_shows_names_instead_of_stored_keys(officer, world) -> None:
    new_lane = LaneFactory(village=world.village, name="Xóm Chùa")
    with change_context(user=officer, source="web"):
        household = services.household_create(
            village=world.village,
            by=officer,
            lane=world.lane,
            house_number="77",
            head={"full_name": "Đỗ Văn Hải"},
        )
        services.household_update(household=household, by=officer, lane=new_lane)

    history = _history(officer, household)
    text = re.sub(r"<[^>]+>", "", history)
    assert "Thôn Đông Phú" in text  # the village, not its UUID
    assert "<del>Ngõ Văn hóa</del> → <ins>Xóm Chùa</ins>" in history
    assert re.search(r"Người tạo:\s*Trần Thị Hoa", text, re.IGNORECASE)
    assert "(trang web)" in text
    assert not UUID.search(history)
    assert not re.search(rf":\s*(?:{officer.pk}|{world.lane.pk}|{new_lane.pk})\s*<", history)


def test_a_removed_lane_is_named_not_numbered(officer, world) -> None:
    old_lane = LaneFactory(village=world.village, name="Ngõ Cũ")
    with change_context(user=officer, source="web"):
        household = services.household_create(
            village=world.village,
            by=officer,
            lane=old_lane,
            house_number="78",
            head={"full_name": "Đỗ Văn Hà"},
        )
        services.household_update(household=household, by=officer, lane=world.lane)
    old_lane.delete()

    history = _history(officer, household)
    assert "<del>bản ghi đã xoá</del> → <ins>Ngõ Văn hóa</ins>" in history
