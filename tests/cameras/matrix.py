"""Access-matrix entries for the cameras routes (merged into tests/test_access_matrix.py)."""

from typing import Any

from tests.access import ANY_STAFF, HEAD, OUTSIDER, SECURITY, SUPER, Rule

# Security officers and the village head manage cameras and look through them; the rest of
# the staff see cameras and their status only. The outsider is a village head elsewhere: the
# pages about "my village" work for them, this village's cameras are 404.
MANAGERS = frozenset({HEAD, SECURITY, SUPER})


def _camera(ctx: dict[str, Any]) -> dict[str, Any]:
    from tests.cameras.factories import CameraFactory

    return {"pk": CameraFactory(village=ctx["village"]).pk}


def _job(ctx: dict[str, Any]) -> dict[str, Any]:
    from cameras.models import ImportJob

    job = ImportJob.objects.create(village=ctx["village"], original_name="camera.csv")
    return {"pk": job.pk}


def _object(allowed: frozenset[str], **options: Any) -> Rule:
    return Rule(allowed, scoped=True, resident_refusal="not_found", **options)


MATRIX: dict[str, Rule] = {
    "camera_list": Rule(ANY_STAFF),
    "camera_map": Rule(ANY_STAFF),
    "camera_coverage": Rule(ANY_STAFF),
    "camera_create": Rule(MANAGERS | {OUTSIDER}),
    "camera_view_log": Rule(MANAGERS | {OUTSIDER}),
    "camera_detail": _object(ANY_STAFF - {OUTSIDER}, kwargs=_camera),
    "camera_edit": _object(MANAGERS, kwargs=_camera),
    "camera_maintenance": _object(MANAGERS, method="POST", kwargs=_camera),
    "camera_delete": _object(MANAGERS, method="POST", kwargs=_camera),
    "camera_watch": _object(MANAGERS, kwargs=_camera),
    "camera_snapshot": _object(MANAGERS, kwargs=_camera),
    "camera_import": Rule(MANAGERS | {OUTSIDER}),
    "camera_import_template": Rule(MANAGERS | {OUTSIDER}),
    "camera_import_job": Rule(MANAGERS, kwargs=_job, scoped=True),
    "camera_import_confirm": Rule(MANAGERS, method="POST", kwargs=_job, scoped=True),
    "camera_import_cancel": Rule(MANAGERS, method="POST", kwargs=_job, scoped=True),
    "camera_export": Rule(MANAGERS | {OUTSIDER}),
}
# WebSocket route names -> actors allowed to open them.
WEBSOCKET: dict[str, frozenset[str]] = {}
