"""Access-matrix entries for the reports routes (merged into tests/test_access_matrix.py)."""

from datetime import date
from typing import Any

from tests.access import (
    ANY_STAFF,
    COMMUNE,
    DIGITAL,
    HEAD,
    OFFICER,
    OUR_STAFF,
    SIGNED_IN,
    SUPER,
    Rule,
)

COMMUNE_STAFF = frozenset({COMMUNE, SUPER})
ATTESTERS = frozenset({HEAD, OFFICER, DIGITAL, COMMUNE, SUPER})


def _village(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": ctx["village"].pk}


def _commune(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": ctx["village"].commune_id}


def _province(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": ctx["village"].commune.province_id}


def _draft_set(ctx: dict[str, Any]) -> dict[str, Any]:
    """A draft of the commune's own set: its officials write it (a province's set is written
    by the province's criteria managers only, tests/reports/test_set_governance.py)."""
    from reports.models import CriteriaSet

    draft = CriteriaSet.objects.create(
        name="Bộ nháp",
        province_id=ctx["village"].commune.province_id,
        commune_id=ctx["village"].commune_id,
        legal_basis_number="01/QĐ",
        legal_basis_date=date(2025, 1, 1),
        effective_from=date(2025, 1, 1),
    )
    return {"pk": draft.pk}


def _in_use_set(ctx: dict[str, Any]) -> dict[str, Any]:
    from reports.models import CriteriaSet

    return {"pk": CriteriaSet.objects.filter(status="in_use").first().pk}


def _attested(ctx: dict[str, Any]) -> dict[str, Any]:
    from reports.models import Indicator

    indicator = Indicator.objects.filter(source="attested").first()
    return {"pk": ctx["village"].pk, "indicator": indicator.pk}


def _evidence(ctx: dict[str, Any]) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from reports.models import Attestation, Indicator

    attestation = Attestation(
        indicator=Indicator.objects.filter(source="attested").first(),
        village=ctx["village"],
        evidence_name="anh.png",
    )
    attestation.evidence.save("anh.png", ContentFile(b"\x89PNG fake"), save=True)
    return {"pk": attestation.pk}


def _period(ctx: dict[str, Any]) -> dict[str, Any]:
    from reports.models import CriteriaSet, PeriodClose

    period, _created = PeriodClose.objects.get_or_create(
        commune=ctx["village"].commune,
        criteria_set=CriteriaSet.objects.filter(status="in_use").first(),
        kind="month",
        starts_on=date(2026, 1, 1),
        defaults={"ends_on": date(2026, 1, 31), "is_closed": False},
    )
    PeriodClose.objects.filter(pk=period.pk).update(is_closed=False)
    return {"pk": period.pk}


def _job(ctx: dict[str, Any]) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from accounts.models import User
    from reports.models import CriteriaSet, ExportJob

    job = ExportJob.objects.create(
        commune=ctx["village"].commune,
        criteria_set=CriteriaSet.objects.filter(status="in_use").first(),
        as_of=date(2026, 1, 1),
        fmt="csv",
        status="done",
        created_by=User.objects.filter(is_superuser=True).first(),
    )
    job.file.save("matrix.csv", ContentFile(b"a,b\n"), save=True)
    return {"pk": job.pk}


def _scoped(allowed: frozenset[str], **options: Any) -> Rule:
    """A village's report: other villages' staff and residents get 404."""
    return Rule(allowed, scoped=True, resident_refusal="not_found", **options)


def _commune_rule(**options: Any) -> Rule:
    return Rule(COMMUNE_STAFF, scoped=True, resident_refusal="not_found", **options)


MATRIX: dict[str, Rule] = {
    "reports_home": Rule(ANY_STAFF),
    # A commune official's home; anyone else signed in is sent to their own home, no error.
    "commune_home": Rule(SIGNED_IN),
    "reports_village": _scoped(OUR_STAFF, kwargs=_village),
    "reports_missing": _scoped(
        OUR_STAFF, kwargs=lambda ctx: {**_village(ctx), "code": "households_digital_address"}
    ),
    "reports_records": _scoped(
        OUR_STAFF, kwargs=lambda ctx: {**_village(ctx), "code": "households_location"}
    ),
    "reports_village_export": _scoped(
        OUR_STAFF, kwargs=lambda ctx: {**_village(ctx), "fmt": "csv"}
    ),
    "reports_attest": _scoped(ATTESTERS, kwargs=_attested),
    "reports_evidence": _scoped(OUR_STAFF, kwargs=_evidence),
    "reports_commune": _commune_rule(kwargs=_commune),
    "reports_commune_criteria": _commune_rule(kwargs=_commune),
    "reports_periods": _commune_rule(kwargs=_commune),
    "reports_period_close": _commune_rule(
        kwargs=_commune, method="POST", data={"kind": "month", "day": "2026-01-15"}
    ),
    "reports_period": _commune_rule(kwargs=_period),
    "reports_period_reopen": _commune_rule(kwargs=_period, method="POST", data={"reason": ""}),
    "reports_period_export": _commune_rule(kwargs=_period, method="POST", data={"fmt": ""}),
    "reports_commune_export": _commune_rule(kwargs=_commune, method="POST", data={"fmt": ""}),
    "reports_province_export": Rule(
        frozenset({SUPER}), method="POST", kwargs=_province, data={"fmt": ""}
    ),
    "reports_export_job": Rule(
        COMMUNE_STAFF, kwargs=_job, scoped=True, insider_refusal="not_found"
    ),
    "reports_export_download": Rule(
        COMMUNE_STAFF, kwargs=_job, scoped=True, insider_refusal="not_found"
    ),
    "reports_sets": Rule(ANY_STAFF),
    "reports_set_detail": Rule(ANY_STAFF, kwargs=_in_use_set),
    "reports_set_create": Rule(COMMUNE_STAFF),
    "reports_set_edit": Rule(COMMUNE_STAFF, kwargs=_draft_set),
    "reports_set_new_version": Rule(COMMUNE_STAFF, method="POST", kwargs=_draft_set),
    "reports_set_put_in_use": Rule(COMMUNE_STAFF, method="POST", kwargs=_draft_set),
    "reports_set_retire": Rule(COMMUNE_STAFF, method="POST", kwargs=_draft_set),
    "reports_api_village": _scoped(OUR_STAFF, api=True, kwargs=_village),
    "reports_api_commune": _commune_rule(api=True, kwargs=_commune),
}
# WebSocket route names -> actors allowed to open them.
WEBSOCKET: dict[str, frozenset[str]] = {}
