"""Access-matrix entries for the payments routes (merged into tests/test_access_matrix.py)."""

from datetime import date
from typing import Any

from tests.access import ANY_STAFF, DIGITAL, HEAD, OFFICER, OUTSIDER, SIGNED_IN, SUPER, Rule

# Those who keep the adoption records: village head, officer, community digital team.
RECORDERS = frozenset({HEAD, OFFICER, DIGITAL, SUPER})
# Pages about "my village": the outsider uses them for their own village.
RECORDERS_ANYWHERE = RECORDERS | {OUTSIDER}


def _object(allowed: frozenset[str], **options: Any) -> Rule:
    """An object of our village: 404 to other villages and to residents, 403 to other staff."""
    return Rule(allowed, scoped=True, resident_refusal="not_found", **options)


def _api_object(**options: Any) -> Rule:
    """Adoption records through the API: invisible (404) to every role that does not keep them."""
    return Rule(RECORDERS, api=True, scoped=True, insider_refusal="not_found", **options)


def _household(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": ctx["household"].pk}


def _lane(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": ctx["lane"].pk}


def _code(ctx: dict[str, Any]) -> dict[str, Any]:
    from payments.models import PaymentCode

    code, _ = PaymentCode.objects.get_or_create(
        village=ctx["village"],
        bank_bin="970436",
        account_number="0011001234567",
        defaults={"shop_name": "Tạp hóa Bình An"},
    )
    return {"pk": code.pk}


def _job(ctx: dict[str, Any]) -> dict[str, Any]:
    from payments.models import AdoptionImport

    job = AdoptionImport.objects.create(
        village=ctx["village"], original_name="vneid.csv", status=AdoptionImport.Status.CHECKED
    )
    return {"pk": job.pk}


def _observation(ctx: dict[str, Any]) -> dict[str, Any]:
    from payments.models import Observation

    row = Observation.objects.create(
        village=ctx["village"],
        household=ctx["household"],
        item="fibre",
        value="yes",
        observed_on=date(2026, 1, 5),
        method="seen",
    )
    return {"pk": row.pk}


def _visit(ctx: dict[str, Any]) -> dict[str, Any]:
    import uuid

    from payments.models import Visit

    visit = Visit.objects.create(
        village=ctx["village"],
        household=ctx["household"],
        visited_on=date(2026, 1, 5),
        submission_token=uuid.uuid4(),
    )
    return {"pk": visit.pk}


def _figure(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"code": "vneid_level2_14plus"}


MATRIX: dict[str, Rule] = {
    "payments_home": Rule(RECORDERS_ANYWHERE),
    "payments_lane": _object(RECORDERS, kwargs=_lane),
    "payments_checklist": _object(RECORDERS, kwargs=_household),
    "payments_checklist_save": _object(RECORDERS, method="POST", kwargs=_household),
    "payments_visits": Rule(RECORDERS_ANYWHERE),
    "payments_work_list": Rule(RECORDERS_ANYWHERE, kwargs=_figure),
    "payments_figures": Rule(ANY_STAFF),
    "payments_figure_list": Rule(ANY_STAFF, kwargs=_figure),
    "payments_codes": Rule(RECORDERS_ANYWHERE),
    "payments_code_create": Rule(RECORDERS_ANYWHERE, method="POST", data={"shop_name": ""}),
    "payments_code_detail": _object(RECORDERS, kwargs=_code),
    "payments_code_png": _object(RECORDERS, kwargs=_code),
    "payments_code_svg": _object(RECORDERS, kwargs=_code),
    "payments_code_card": _object(RECORDERS, kwargs=_code),
    "payments_code_pdf": _object(RECORDERS, kwargs=_code),
    "payments_import": Rule(RECORDERS_ANYWHERE),
    "payments_import_detail": _object(RECORDERS, kwargs=_job),
    "payments_import_confirm": _object(RECORDERS, method="POST", kwargs=_job),
    # API
    "payments_observation-list": Rule(SIGNED_IN, api=True),
    "payments_observation-detail": _api_object(kwargs=_observation),
    "payments_visit-list": Rule(SIGNED_IN, api=True),
    "payments_visit-detail": _api_object(kwargs=_visit),
    "payments_figure-list": Rule(SIGNED_IN, api=True),
    "payments_bank-list": Rule(SIGNED_IN, api=True),
    "payments_code-list": Rule(SIGNED_IN, api=True),
    "payments_code-detail": _api_object(kwargs=_code),
    "payments_code-payload": _api_object(kwargs=_code),
}
# WebSocket route names -> actors allowed to open them.
WEBSOCKET: dict[str, frozenset[str]] = {}
