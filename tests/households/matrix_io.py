"""Access-matrix entries for the import and export routes (merged into the matrix test)."""

from typing import Any

from households.models import ImportJob
from tests.access import ANY_STAFF, HEAD, OFFICER, OUTSIDER, SUPER, Rule

# Editors of the registry; an outsider is a village head of their own village, so they may
# use the pages that are about "my village" but none of this village's jobs.
EDITORS = frozenset({HEAD, OFFICER, SUPER})


def _job(ctx: dict[str, Any]) -> dict[str, Any]:
    job = ImportJob.objects.create(village=ctx["village"], original_name="ho-gia-dinh.csv")
    return {"pk": job.pk}


MATRIX_IO: dict[str, Rule] = {
    "household_import": Rule(EDITORS | {OUTSIDER}),
    "household_import_template": Rule(EDITORS | {OUTSIDER}, kwargs=lambda ctx: {"fmt": "xlsx"}),
    "household_import_job": Rule(EDITORS, kwargs=_job, scoped=True),
    "household_import_confirm": Rule(EDITORS, method="POST", kwargs=_job, scoped=True),
    "household_import_cancel": Rule(EDITORS, method="POST", kwargs=_job, scoped=True),
    "household_export": Rule(ANY_STAFF),
}
