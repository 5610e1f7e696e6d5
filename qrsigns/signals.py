"""Public pages show lanes, households and heads' names: their changes invalidate the cache.

Registry writes happen in the households app; these receivers only bump the village's
public-cache version, which is what the public pages are keyed on.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save

from households.models import Household, Lane, Resident
from villageportal import public_cache


def _bump_village(sender: type, instance: Any, **kwargs: Any) -> None:
    if instance.village_id:
        public_cache.bump(instance.village_id)


def _bump_resident(sender: type, instance: Resident, **kwargs: Any) -> None:
    village_id = (
        Household.objects.filter(pk=instance.household_id)
        .values_list("village_id", flat=True)
        .first()
    )
    if village_id:
        public_cache.bump(village_id)


def connect() -> None:
    for model in (Lane, Household):
        post_save.connect(_bump_village, sender=model, dispatch_uid=f"qrsigns-{model.__name__}")
        post_delete.connect(
            _bump_village, sender=model, dispatch_uid=f"qrsigns-del-{model.__name__}"
        )
    post_save.connect(_bump_resident, sender=Resident, dispatch_uid="qrsigns-Resident")
    post_delete.connect(_bump_resident, sender=Resident, dispatch_uid="qrsigns-del-Resident")
