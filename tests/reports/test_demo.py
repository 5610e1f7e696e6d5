import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from households.models import Village
from reports import engine
from reports.models import CriteriaSet, Snapshot

pytestmark = pytest.mark.django_db


def test_the_demo_shows_one_village_passing_one_nearly_and_one_far(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    model = Village.objects.get(name="Thôn Đông Phú")
    assert CriteriaSet.objects.filter(province__isnull=True, status="in_use").count() == 1
    provincial = engine.set_for_village(model)
    assert provincial.province.code == "42" and provincial.version == 2
    reports = engine.evaluate(
        criteria_set=provincial,
        villages=Village.objects.filter(commune=model.commune),
        as_of=timezone.localdate(),
    )
    missed = sorted(len(r.criteria) - r.passed_count for r in reports.values())
    assert missed[0] == 0 and missed[1] == 1 and missed[2] >= 2
    days = Snapshot.objects.filter(village=model).values("taken_on").distinct().count()
    assert days >= 365
    client = Client()
    client.force_login(User.objects.get(email="canboxa@example.com"))
    page = client.get(reverse("reports_commune", args=[model.commune_id])).content.decode()
    assert page.count('data-testid="village-row"') == 3
