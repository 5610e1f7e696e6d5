import pytest
from django.core.management import call_command
from django.test import Client

from households.models import Household, Village
from qrsigns import printing
from qrsigns.models import HeritageImage, HeritageSite, Sign

pytestmark = pytest.mark.django_db


def test_the_demo_puts_two_signs_on_every_lane_a_heritage_site_and_door_plates(
    settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo")
    village = Village.objects.get(name="Thôn Đông Phú")
    for lane in village.lanes.all():
        kinds = sorted(lane.signs.values_list("kind", flat=True))
        assert kinds == ["lane_end", "lane_start"], lane.name
    site = HeritageSite.objects.get(village=village)
    assert HeritageImage.objects.filter(site=site).exists()
    assert Sign.objects.filter(heritage_site=site, kind="heritage").count() == 1
    plates = Sign.objects.filter(village=village, kind="door_plate").count()
    assert plates == Household.objects.active().filter(village=village).count()
    counts = Sign.objects.count()
    call_command("seed_demo")
    assert Sign.objects.count() == counts
    sign = Sign.objects.get(heritage_site=site)
    response = Client().get("/Q/" + printing.qr_payload(sign).rsplit("/", 1)[1], follow=True)
    assert response.status_code == 200 and "Đình làng Đông Phú" in response.content.decode()
