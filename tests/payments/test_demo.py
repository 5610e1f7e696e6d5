"""The demo gives the model village adoption close to its published figures, with history."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from households.models import Village
from payments.figures import SPEC_BY_CODE
from payments.models import Observation, PaymentCode, Visit

pytestmark = pytest.mark.django_db

EXPECTED = {
    "smartphone_working_age": 92,
    "fibre_households": 85,
    "digital_signature_adults": 81,
    "epayment_working_age": 84.3,
    "health_record_all": 100,
    "cashless_business": 98,
}


def test_the_demo_village_matches_its_figures_and_has_a_history() -> None:
    call_command("seed_demo")
    model = Village.objects.get(name="Thôn Đông Phú")
    count = Observation.objects.filter(village=model).count()
    call_command("seed_demo")
    assert Observation.objects.filter(village=model).count() == count  # idempotent
    today = timezone.localdate()
    for code, target in EXPECTED.items():
        yes, total = SPEC_BY_CODE[code].counts(today, villages=[model.pk])[model.pk]
        assert total > 0
        assert abs(100 * yes / total - target) <= 8, (code, yes, total)
    yes_then, total_then = SPEC_BY_CODE["epayment_working_age"].counts(
        today - timedelta(days=300), villages=[model.pk]
    )[model.pk]
    assert yes_then / total_then < 0.6  # the year's work shows in the history
    assert Visit.objects.filter(village=model).count() >= 5
    assert PaymentCode.objects.filter(village=model, household__isnull=True).exists()
