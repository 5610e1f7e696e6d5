"""Writes to the camera registry: forms, imports, the API and the demo all come here."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cameras import addresses, crypto
from cameras.addresses import STREAM_SCHEMES, WEB_SCHEMES
from cameras.models import Camera, CameraState, View
from households.history import record
from households.models import Village
from villageportal import public_cache

# The address fields, with the schemes each accepts.
ADDRESS_FIELDS: dict[str, tuple[str, ...]] = {
    "stream_url": STREAM_SCHEMES,
    "substream_url": STREAM_SCHEMES,
    "snapshot_url": WEB_SCHEMES,
    "hls_url": WEB_SCHEMES,
    "onvif_url": WEB_SCHEMES,
}
FIELDS = (
    "name",
    "kind",
    "household",
    "consent_on",
    "lane",
    "latitude",
    "longitude",
    "facing",
    "make",
    "model",
    *ADDRESS_FIELDS,
    "importance",
    "installed_on",
    "enabled",
    "maintenance",
    "notes",
)
# Passing this as ``password`` keeps the stored password (an edit form left blank).
KEEP = object()


def _actor(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _clean_addresses(camera: Camera, check_network: bool) -> crypto.Credentials:
    """Parse every address, take credentials out of them; return the credentials found."""
    errors: dict[str, list[str]] = {}
    found: list[crypto.Credentials] = []
    for field, schemes in ADDRESS_FIELDS.items():
        value = (getattr(camera, field) or "").strip()
        if not value:
            setattr(camera, field, "")
            continue
        try:
            address, credentials = addresses.parse(value, schemes=schemes)
            if check_network:
                addresses.checked_ip(address)
        except ValidationError as exc:
            errors[field] = exc.messages
            continue
        setattr(camera, field, address.url)
        if credentials:
            found.append(credentials)
    if not camera.stream_url and not camera.snapshot_url and "stream_url" not in errors:
        errors["stream_url"] = [_("Enter the main stream (RTSP) or a snapshot address.")]
    distinct = {(c.username, c.password) for c in found}
    if len(distinct) > 1:
        errors.setdefault("stream_url", []).append(
            _("The addresses carry different user names or passwords; enter them once below.")
        )
    if errors:
        raise ValidationError(errors)
    return found[0] if found else crypto.Credentials()


def address_key(camera: Camera) -> str:
    value = camera.stream_url or camera.snapshot_url
    schemes = STREAM_SCHEMES if camera.stream_url else WEB_SCHEMES
    address, _credentials = addresses.parse(value, schemes=schemes)
    return address.key


def _normalise(camera: Camera) -> None:
    errors: dict[str, list[str]] = {}
    camera.name = re.sub(r"\s+", " ", camera.name or "").strip()
    if not camera.name:
        errors["name"] = [_("Enter the camera's name.")]
    if camera.kind not in Camera.Kind.values:
        errors["kind"] = [_("Unknown kind of camera.")]
    if camera.importance not in Camera.Importance.values:
        errors["importance"] = [_("Unknown importance.")]
    if camera.lane_id and camera.lane.village_id != camera.village_id:
        errors["lane"] = [_("This lane belongs to another village.")]
    if camera.kind == Camera.Kind.HOUSEHOLD:
        if camera.household_id is None:
            errors["household"] = [_("A household camera needs its owner household.")]
        elif camera.household.village_id != camera.village_id:
            errors["household"] = [_("This household belongs to another village.")]
        if camera.consent_on is None:
            errors["consent_on"] = [
                _("A household camera joins the network only with the household's consent.")
            ]
        elif camera.consent_on > timezone.localdate():
            errors["consent_on"] = [_("The consent date is in the future.")]
    else:
        camera.household = None
        camera.consent_on = None
        camera.consent_by = None
    for field, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = getattr(camera, field)
        if value is not None and not low <= value <= high:
            errors[field] = [_("Out of range.")]
    if (camera.latitude is None) != (camera.longitude is None):
        errors["longitude"] = [_("Enter both the latitude and the longitude, or neither.")]
    if errors:
        raise ValidationError(errors)


def _check_unique(camera: Camera) -> None:
    errors: dict[str, list[str]] = {}
    same_name = Camera.objects.filter(village_id=camera.village_id, name__iexact=camera.name)
    if same_name.exclude(pk=camera.pk).exists():
        errors["name"] = [_("The village already has a camera with this name.")]
    same_address = Camera.objects.filter(address_key=camera.address_key).exclude(pk=camera.pk)
    if same_address.exists():
        field = "stream_url" if camera.stream_url else "snapshot_url"
        errors[field] = [_("Another camera is already registered at this address.")]
    if errors:
        raise ValidationError(errors)


def _set_credentials(
    camera: Camera, from_urls: crypto.Credentials, username: Any, password: Any
) -> None:
    current = crypto.decrypt(camera.credentials)
    if from_urls:
        new = from_urls
    else:
        new_user = current.username if username is KEEP or username is None else username
        new_password = current.password if password is KEEP or password is None else password
        new = crypto.Credentials(username=(new_user or "").strip(), password=new_password or "")
    if new != current:
        camera.credentials = crypto.encrypt(new)


def prepare(
    camera: Camera,
    *,
    data: dict[str, Any],
    by: Any,
    username: Any = KEEP,
    password: Any = KEEP,
    check_network: bool = True,
) -> Camera:
    """Validate ``data`` onto ``camera`` (not saved): used by the services and the import."""
    was_consent = camera.consent_on
    for name in FIELDS:
        if name in data:
            setattr(camera, name, data[name])
    from_urls = _clean_addresses(camera, check_network)
    _normalise(camera)
    camera.address_key = address_key(camera)
    _set_credentials(camera, from_urls, username, password)
    if camera.kind == Camera.Kind.HOUSEHOLD and camera.consent_on != was_consent:
        camera.consent_by = _actor(by)
    return camera


def _touch_public(camera: Camera) -> None:
    public_cache.bump(camera.village_id)


@transaction.atomic
def camera_create(
    *, village: Village, by: Any, username: str = "", password: str = "", **data: Any
) -> Camera:
    camera = Camera(village=village)
    prepare(camera, data=data, by=by, username=username, password=password)
    _check_unique(camera)
    camera.save()
    CameraState.objects.create(camera=camera)
    record([camera], "insert")
    _touch_public(camera)
    return camera


@transaction.atomic
def camera_update(
    *, camera: Camera, by: Any, username: Any = KEEP, password: Any = KEEP, **data: Any
) -> Camera:
    camera = Camera.objects.select_for_update(of=("self",)).get(pk=camera.pk)
    prepare(camera, data=data, by=by, username=username, password=password)
    _check_unique(camera)
    camera.updated_at = timezone.now()
    camera.save()
    record([camera], "update")
    _touch_public(camera)
    return camera


@transaction.atomic
def camera_clear_credentials(*, camera: Camera, by: Any) -> Camera:
    camera = Camera.objects.select_for_update(of=("self",)).get(pk=camera.pk)
    camera.credentials = ""
    camera.updated_at = timezone.now()
    camera.save()
    record([camera], "update")
    return camera


@transaction.atomic
def camera_set_maintenance(*, camera: Camera, by: Any, maintenance: bool) -> Camera:
    camera = Camera.objects.select_for_update(of=("self",)).get(pk=camera.pk)
    camera.maintenance = maintenance
    camera.updated_at = timezone.now()
    camera.save()
    record([camera], "update")
    return camera


@transaction.atomic
def camera_delete(*, camera: Camera, by: Any) -> None:
    camera = Camera.objects.select_for_update(of=("self",)).get(pk=camera.pk)
    record([camera], "delete")
    village_id = camera.village_id
    camera.delete()
    public_cache.bump(village_id)


def view_log(
    *, camera: Camera, user: Any, what: str, roles: frozenset[str], ip: str | None
) -> View:
    """Record that ``user`` looked at ``camera`` (stream or snapshot)."""
    from accounts.roles import Role

    role = next((r for r in (Role.SECURITY_OFFICER, Role.VILLAGE_HEAD) if r in roles), "")
    return View.objects.create(
        village_id=camera.village_id,
        camera=camera,
        camera_name=camera.name,
        what=what,
        user=_actor(user),
        user_name=str(user),
        role=role,
        ip=ip,
    )
