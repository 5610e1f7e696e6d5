import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from qrsigns import services
from qrsigns.models import ScanCount, Sign, UnknownScan

pytestmark = pytest.mark.django_db


def _scan(code: str, client: Client | None = None):
    return (client or Client()).get(reverse("qrsigns_scan", kwargs={"code": code}))


def test_a_scan_opens_the_lane_page_and_is_counted_without_the_address(world, lane_sign) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Zalo/1.0")
    response = _scan(lane_sign.code, client)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "qrsigns_lane", kwargs={"village_id": world.village.pk, "lane_id": world.lane.pk}
    )
    assert response["Cache-Control"] == "no-store"
    _scan(lane_sign.code, client)
    _scan(lane_sign.code.lower())  # typed by hand
    row = ScanCount.objects.get(sign=lane_sign)
    assert (row.day, row.count) == (timezone.localdate(), 3)
    stored = " ".join(str(v) for v in ScanCount.objects.values_list())
    assert "203.0.113" not in stored and "Zalo" not in stored
    assert {f.name for f in ScanCount._meta.get_fields()} == {"id", "sign", "day", "count"}


def test_the_capitalised_address_in_the_qr_code_works_too(world, lane_sign) -> None:
    response = Client().get(f"/Q/{lane_sign.code}")
    assert response.status_code == 302


def test_a_retargeted_code_opens_the_new_target_without_reprinting(world, lane_sign, site) -> None:
    services.sign_retarget(sign=lane_sign, by=None, target=Sign.Target.HERITAGE, heritage_site=site)
    assert _scan(lane_sign.code)["Location"] == reverse(
        "qrsigns_heritage", kwargs={"code": site.public_code}
    )
    services.sign_retarget(sign=lane_sign, by=None, target=Sign.Target.VILLAGE)
    assert _scan(lane_sign.code)["Location"] == reverse(
        "qrsigns_village", kwargs={"village_id": world.village.pk}
    )


def test_a_door_plate_opens_the_household_entry(world) -> None:
    sign = services.sign_create(
        village=world.village, kind=Sign.Kind.DOOR_PLATE, household=world.household, by=None
    )
    location = _scan(sign.code)["Location"]
    assert location == reverse("qrsigns_door_plate", kwargs={"code": world.household.public_code})
    assert Client().get(location).status_code == 200


def test_a_report_here_code_opens_the_feedback_form_located_at_the_sign(world) -> None:
    from decimal import Decimal

    sign = services.sign_create(
        village=world.village,
        kind=Sign.Kind.LANE_END,
        lane=world.lane,
        by=None,
        latitude=Decimal("18.2461000"),
        longitude=Decimal("106.0019000"),
    )
    services.sign_retarget(sign=sign, by=None, target=Sign.Target.REPORT)
    response = _scan(sign.code)
    location = response["Location"]
    assert location.startswith(f"/feedback/{world.village.pk}/new/?")
    assert f"sign={sign.code}" in location and f"lane={world.lane.pk}" in location
    assert "lat=18.2461000" in location and "lng=106.0019000" in location
    page = Client().get(location)  # the real feedback form, pre-located at the sign
    html = page.content.decode()
    assert page.status_code == 200
    assert sign.code in html and "18.2461" in html and "106.0019" in html
    assert f'<option value="{world.lane.pk}" selected>' in html


@override_settings(ROOT_URLCONF="tests.qrsigns.urls_without_feedback")
def test_without_the_feedback_form_a_report_code_falls_back_to_the_village_home(world) -> None:
    sign = services.sign_create(village=world.village, kind=Sign.Kind.VILLAGE, by=None)
    services.sign_retarget(sign=sign, by=None, target=Sign.Target.REPORT)
    assert _scan(sign.code)["Location"] == reverse(
        "qrsigns_village", kwargs={"village_id": world.village.pk}
    )


def test_a_disabled_code_shows_a_vietnamese_notice_with_the_village_home(world, lane_sign) -> None:
    services.sign_set_active(sign=lane_sign, by=None, active=False)
    response = _scan(lane_sign.code)
    html = response.content.decode()
    assert response.status_code == 410
    assert "Biển này không còn được sử dụng" in html
    assert reverse("qrsigns_village", kwargs={"village_id": world.village.pk}) in html
    assert not ScanCount.objects.exists()
    services.sign_set_active(sign=lane_sign, by=None, active=True)
    assert _scan(lane_sign.code).status_code == 302


@pytest.mark.parametrize(
    ("code", "counted_as"),
    [
        ("ABCDEFGH12", "ABCDEFGH12"),
        ("abcdefgh12", "ABCDEFGH12"),
        ("x" * 500, ""),
        ("not-a-code!", ""),
        ("%00", ""),
    ],
)
def test_unknown_malformed_and_over_long_codes_are_counted_and_answered_404(
    world, code, counted_as
) -> None:
    response = _scan(code)
    assert response.status_code == 404
    assert "Mã này không thuộc biển nào của thôn" in response.content.decode()
    _scan(code)
    assert UnknownScan.objects.get(code=counted_as).count == 2


def test_counters_add_up_on_the_same_day(world, lane_sign) -> None:
    for _ in range(5):
        services.scan_record(sign=lane_sign)
    assert ScanCount.objects.get(sign=lane_sign).count == 5


def test_link_previews_by_head_are_not_counted_as_scans(world, lane_sign) -> None:
    response = Client().head(reverse("qrsigns_scan", kwargs={"code": lane_sign.code}))
    assert response.status_code == 302
    assert not ScanCount.objects.exists()
