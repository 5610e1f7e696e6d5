from datetime import timedelta

import pytest
from django.utils import timezone

from households.models import Village
from qrsigns import services
from qrsigns.models import Sign
from reports.registry import MEASURES
from tests.factories import LaneFactory

pytestmark = pytest.mark.django_db


def test_lanes_with_active_signs_over_lanes(world, django_assert_max_num_queries) -> None:
    measure = MEASURES["lanes_with_active_signs"]
    second = LaneFactory(village=world.village, name="Xóm Chùa")
    LaneFactory(village=world.village, name="Xóm Giếng")
    services.sign_create(village=world.village, kind=Sign.Kind.LANE_START, lane=world.lane, by=None)
    sign = services.sign_create(
        village=world.village, kind=Sign.Kind.LANE_END, lane=second, by=None
    )
    services.sign_set_active(sign=sign, by=None, active=False)
    today = timezone.localdate()
    with django_assert_max_num_queries(1):
        figures = measure.compute(Village.objects.all(), today)
    mine = figures[world.village.pk]
    assert (mine.numerator, mine.denominator) == (1, 3)
    assert figures[world.other_village.pk].numerator == 0
    assert list(measure.records(world.village, today)) == [world.lane]
    assert set(measure.missing(world.village, today)) == {
        second,
        *world.village.lanes.exclude(pk__in=[world.lane.pk, second.pk]),
    }
    # Before any sign existed, no lane had one.
    yesterday = today - timedelta(days=1)
    before = measure.compute(Village.objects.all(), yesterday).get(world.village.pk)
    assert before is None or before.numerator == 0
