import pytest
from django.test import Client
from django.urls import reverse

from qrsigns import services
from qrsigns.models import HeritageSite, ScanCount, Sign, UnknownScan
from tests.factories import HouseholdFactory, LaneFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_list_the_village_signs_with_their_targets(officer, world, lane_sign) -> None:
    other = services.sign_create(
        village=world.other_village,
        kind=Sign.Kind.LANE_START,
        lane=world.other_village.lanes.first(),
        by=None,
    )
    html = _client(officer).get(reverse("qrsigns_sign_list")).content.decode()
    assert lane_sign.code in html and "Ngõ Văn hóa" in html and "Trang của ngõ" in html
    assert other.code not in html


def test_the_list_filters_by_kind_state_and_search(officer, world, lane_sign, site) -> None:
    heritage = services.sign_create(
        village=world.village, kind=Sign.Kind.HERITAGE, heritage_site=site, by=None
    )
    client = _client(officer)
    page = client.get(reverse("qrsigns_sign_list"), {"kind": "heritage"}).content.decode()
    assert heritage.code in page and lane_sign.code not in page
    page = client.get(reverse("qrsigns_sign_list"), {"q": "văn hóa"}).content.decode()
    assert lane_sign.code in page and heritage.code not in page
    page = client.get(reverse("qrsigns_sign_list"), {"q": lane_sign.code[:6].lower()}).content
    assert lane_sign.code in page.decode()
    services.sign_set_active(sign=heritage, by=None, active=False)
    page = client.get(reverse("qrsigns_sign_list"), {"state": "disabled"}).content.decode()
    assert heritage.code in page and lane_sign.code not in page


def test_generating_signs_gives_two_per_lane_and_is_idempotent(village_head, world, site) -> None:
    LaneFactory(village=world.village, name="Xóm Chùa")
    client = _client(village_head)
    client.post(reverse("qrsigns_sign_generate"))
    assert Sign.objects.filter(village=world.village, kind="lane_start").count() == 2
    assert Sign.objects.filter(village=world.village, kind="lane_end").count() == 2
    assert Sign.objects.filter(village=world.village, kind="heritage").count() == 1
    assert not Sign.objects.filter(kind="door_plate").exists()
    client.post(reverse("qrsigns_sign_generate"), {"door_plates": "1"})
    client.post(reverse("qrsigns_sign_generate"), {"door_plates": "1"})
    assert Sign.objects.filter(village=world.village).count() == 6
    assert not Sign.objects.filter(village=world.other_village).exists()


def test_retargeting_changes_what_the_code_opens(village_head, world, lane_sign, site) -> None:
    response = _client(village_head).post(
        reverse("qrsigns_sign_retarget", kwargs={"code": lane_sign.code}),
        {"target": "heritage", "heritage_site": site.pk},
    )
    assert response.status_code == 302
    lane_sign.refresh_from_db()
    assert (lane_sign.target, lane_sign.heritage_site) == ("heritage", site)
    assert lane_sign.lane == world.lane  # the printed lane is still known


def test_retargeting_to_an_object_of_another_village_changes_nothing(
    village_head, world, lane_sign
) -> None:
    other_site = HeritageSite.objects.create(village=world.other_village, name="Chùa Xa")
    other_lane = world.other_village.lanes.first()
    other_household = HouseholdFactory(village=world.other_village, lane=other_lane)
    client = _client(village_head)
    url = reverse("qrsigns_sign_retarget", kwargs={"code": lane_sign.code})
    for data in (
        {"target": "heritage", "heritage_site": other_site.pk},
        {"target": "lane", "lane": other_lane.pk},
        {"target": "household", "household": other_household.pk},
        {"target": "household"},
        {"target": "nonsense"},
        {"target": "lane", "lane": "x" * 5000},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert "Chưa thay đổi gì" in response.content.decode()
    lane_sign.refresh_from_db()
    assert (lane_sign.target, lane_sign.lane, lane_sign.heritage_site) == ("lane", world.lane, None)


def test_the_service_refuses_a_target_of_another_village(world, lane_sign) -> None:
    from django.core.exceptions import ValidationError

    other_site = HeritageSite.objects.create(village=world.other_village, name="Chùa Xa")
    with pytest.raises(ValidationError):
        services.sign_retarget(
            sign=lane_sign, by=None, target=Sign.Target.HERITAGE, heritage_site=other_site
        )
    lane_sign.refresh_from_db()
    assert lane_sign.target == "lane"


def test_disable_and_enable(village_head, lane_sign) -> None:
    client = _client(village_head)
    client.post(reverse("qrsigns_sign_disable", kwargs={"code": lane_sign.code}))
    lane_sign.refresh_from_db()
    assert not lane_sign.is_active and lane_sign.disabled_at
    client.post(reverse("qrsigns_sign_enable", kwargs={"code": lane_sign.code}))
    lane_sign.refresh_from_db()
    assert lane_sign.is_active and lane_sign.disabled_at is None


def test_a_code_of_another_village_in_a_staff_url_is_404_and_changes_nothing(
    outsider, lane_sign
) -> None:
    client = _client(outsider)
    for name in ("qrsigns_sign_detail", "qrsigns_sign_svg", "qrsigns_sign_png"):
        assert client.get(reverse(name, kwargs={"code": lane_sign.code})).status_code == 404
    for name in ("qrsigns_sign_disable", "qrsigns_sign_retarget"):
        response = client.post(
            reverse(name, kwargs={"code": lane_sign.code}), {"target": "village"}
        )
        assert response.status_code == 404
    lane_sign.refresh_from_db()
    assert lane_sign.is_active and lane_sign.target == "lane"


@pytest.mark.parametrize("code", ["x" * 400, "!!", "0000000000"])
def test_malformed_codes_in_staff_urls_are_404(officer, world, code) -> None:
    assert _client(officer).get(f"/signs/{code}/").status_code == 404


def test_the_scans_page_charts_per_day_and_lists_unknown_codes(officer, world, lane_sign) -> None:
    client = Client()
    for _ in range(3):
        client.get(f"/q/{lane_sign.code}")
    client.get("/q/ZZZZZZZZZZ")
    client.get("/q/" + "y" * 100)
    html = _client(officer).get(reverse("qrsigns_scans")).content.decode()
    assert 'data-testid="scan-chart"' in html and "<script" not in html
    assert html.count("<rect ") == 30
    assert "3 lượt quét trong 30 ngày" in html
    assert lane_sign.code in html and "ZZZZZZZZZZ" in html and "sai dạng hoặc quá dài" in html
    detail = _client(officer).get(reverse("qrsigns_sign_detail", kwargs={"code": lane_sign.code}))
    assert "3 lượt quét trong 30 ngày" in detail.content.decode()
    assert ScanCount.objects.get().count == 3 and UnknownScan.objects.count() == 2


def test_the_dashboard_shows_the_sign_tiles(village_head, world, lane_sign) -> None:
    html = _client(village_head).get(reverse("dashboard")).content.decode()
    assert 'data-testid="count-signs">1<' in html


def test_a_retargeted_sign_still_counts_as_its_lane_sign(world, lane_sign, site) -> None:
    services.sign_retarget(sign=lane_sign, by=None, target=Sign.Target.HERITAGE, heritage_site=site)
    services.signs_ensure(village=world.village, by=None, door_plates=False)
    assert Sign.objects.filter(kind="lane_start", lane=world.lane).count() == 1
    assert Sign.objects.filter(kind="heritage", heritage_site=site).count() == 1
