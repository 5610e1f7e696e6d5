"""Writes to the household registry: forms, the API, commands and the admin come here.

Each service validates before it writes, runs in one transaction, records history on
databases without triggers (see ``households.history``) and keeps the search document of
the households it touches up to date. The spreadsheet import checks its rows with the same
cleaners (``clean_*``) and writes thousands at once on its own path
(``households.imports.write``), with the same history and search documents. Also here: the
log of commune officials opening a record (``record_open``).
"""

import functools
import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.phones import normalize_phone
from accounts.roles import Role
from households.history import record
from households.models import Household, Lane, RecordAccess, Resident, Village
from villageportal.text import fold

# ---------------------------------------------------------------------------------------
# Search


def search_text(address: Iterable[str], names: Iterable[str]) -> str:
    """The text staff search matches, folded: " 12 ht186 ngo 3 | pham thi lanh | ... ".

    The address (house number, digital address, lane, trade name) is one part, each person's
    name another, separated by "|": a search's words must all fall in one part, so that three
    words never match three different people (``households.selectors``). ID numbers are
    deliberately left out: whether they can be searched depends on the role.
    """
    address_part = " ".join(p for p in address if p and not p.isspace())
    parts = [address_part, *(n for n in names if n and not n.isspace())]
    # Folded in one piece: the parts are single-spaced and stripped by fold all the same.
    return " " + fold(" | ".join(p for p in parts if p)) + " "


def search_document(household: Household, lane_name: str, names: Iterable[str]) -> str:
    address = (
        household.house_number,
        household.digital_address,
        lane_name,
        household.business_name,
    )
    return search_text(address, names)


def households_reindex(household_ids: Iterable[int]) -> None:
    ids = list(household_ids)
    if not ids:
        return
    households = (
        Household.objects.filter(pk__in=ids)
        .select_related("lane")
        .prefetch_related(
            Prefetch(
                "residents", queryset=Resident.objects.current().only("household_id", "full_name")
            )
        )
    )
    changed = []
    for household in households:
        document = search_document(
            household,
            household.lane.name if household.lane else "",
            (r.full_name for r in household.residents.all()),
        )
        if document != household.search_document:
            household.search_document = document
            changed.append(household)
    Household.objects.bulk_update(changed, ["search_document"], batch_size=1000)


# ---------------------------------------------------------------------------------------
# Validation shared by forms, the API and imports


@functools.lru_cache(maxsize=4)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def clean_digital_address(value: str) -> str:
    value = (value or "").strip()
    if value and not _compiled(settings.DIGITAL_ADDRESS_PATTERN).match(value):
        raise ValidationError(
            _("“%(value)s” is not a valid digital address code."),
            params={"value": value},
            code="invalid_digital_address",
        )
    return value


def clean_national_id(value: str) -> str:
    value = re.sub(r"\s", "", value or "")
    if value and not re.fullmatch(r"\d{12}", value):
        raise ValidationError(
            _("A CCCD number has exactly 12 digits (%(count)d given)."),
            params={"count": len(re.sub(r"\D", "", value))},
            code="invalid_national_id",
        )
    return value


def clean_phone(value: str) -> str:
    return normalize_phone(value) if (value or "").strip() else ""


def _check_unique(household: Household) -> None:
    errors: dict[str, list[str]] = {}
    if household.digital_address:
        taken = Household.objects.filter(digital_address=household.digital_address).exclude(
            pk=household.pk
        )
        if taken.exists():
            errors["digital_address"] = [_("This digital address code is already registered.")]
    if household.lane_id and household.status == Household.Status.ACTIVE:
        same = (
            Household.objects.alive()
            .filter(
                lane_id=household.lane_id,
                house_number=household.house_number,
                status=Household.Status.ACTIVE,
            )
            .exclude(pk=household.pk)
        )
        if same.exists():
            errors["house_number"] = [_("Another household in this lane has this number.")]
    if errors:
        raise ValidationError(errors)


def _check_resident_unique(resident: Resident) -> None:
    if resident.national_id:
        taken = Resident.objects.filter(national_id=resident.national_id).exclude(pk=resident.pk)
        if taken.exists():
            raise ValidationError(
                {"national_id": [_("This ID number is already registered for another person.")]}
            )


# The fields staff edit, one declaration per model. The forms (households.forms), the API's
# write serializers (households.registry_api) and the services below all follow it, so a
# field cannot be accepted by one of them and silently dropped by another.
HOUSEHOLD_FIELDS = (
    "lane",
    "house_number",
    "digital_address",
    "latitude",
    "longitude",
    "established_on",
    "is_business",
    "business_name",
    "business_kind",
    "notes",
)
RESIDENT_FIELDS = (
    "full_name",
    "gender",
    "birth_date",
    "national_id",
    "phone",
    "relationship",
    "joined_on",
)
# The declared fields the registry's spreadsheet (import template, import and export) leaves
# out: free text and dates kept on the household's page. Every other declared field is a
# column (households.imports.fileformat.COLUMNS, in the declaration's order).
NOT_IN_SPREADSHEET = frozenset({"established_on", "business_kind", "notes", "joined_on"})
SPREADSHEET_HOUSEHOLD_FIELDS = tuple(f for f in HOUSEHOLD_FIELDS if f not in NOT_IN_SPREADSHEET)
SPREADSHEET_RESIDENT_FIELDS = tuple(f for f in RESIDENT_FIELDS if f not in NOT_IN_SPREADSHEET)


def _apply(instance: Any, fields: Iterable[str], data: dict[str, Any]) -> None:
    """Copy the declared ``fields`` given in ``data``; any other key is a programming error."""
    fields = tuple(fields)
    unknown = set(data) - set(fields)
    if unknown:
        raise TypeError(
            f"{type(instance).__name__} fields not in the registry's declaration: "
            f"{', '.join(sorted(unknown))}"
        )
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


def _normalise_household(household: Household) -> None:
    household.house_number = (household.house_number or "").strip()
    if not household.house_number:
        raise ValidationError({"house_number": [_("Enter the house number.")]})
    household.digital_address = clean_digital_address(household.digital_address)
    if household.lane_id and household.lane.village_id != household.village_id:
        raise ValidationError({"lane": [_("This lane belongs to another village.")]})
    if not household.is_business:
        household.business_name = ""
        household.business_kind = ""


def _normalise_resident(resident: Resident) -> None:
    resident.full_name = re.sub(r"\s+", " ", resident.full_name or "").strip()
    if not resident.full_name:
        raise ValidationError({"full_name": [_("Enter the full name.")]})
    resident.national_id = clean_national_id(resident.national_id)
    try:
        resident.phone = clean_phone(resident.phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    if resident.birth_date and resident.birth_date > timezone.localdate():
        raise ValidationError({"birth_date": [_("The birth date is in the future.")]})


# ---------------------------------------------------------------------------------------
# Households


def _actor(by: Any) -> Any:
    """The user to record as having done something, or None for commands and anonymous."""
    return by if getattr(by, "is_authenticated", False) else None


def _mark_deleted(instance: Household | Resident, *, by: Any, reason: str) -> None:
    instance.deleted_at = timezone.now()
    instance.deleted_reason = reason
    instance.deleted_by = _actor(by)
    instance.save()
    record([instance], "update")


@transaction.atomic
def household_create(*, village: Village, by: Any, head: dict[str, Any], **data: Any) -> Household:
    """A new household with its head, in one step."""
    household = Household(village=village, created_by=by)
    _apply(household, HOUSEHOLD_FIELDS, data)
    _normalise_household(household)
    _check_unique(household)
    household.save()
    record([household], "insert")
    head_resident = Resident(household=household, is_head=True, relationship="head")
    _apply(head_resident, RESIDENT_FIELDS, head)
    head_resident.relationship = Resident.Relationship.HEAD
    _normalise_resident(head_resident)
    _check_resident_unique(head_resident)
    head_resident.save()
    record([head_resident], "insert")
    households_reindex([household.pk])
    household.refresh_from_db(fields=["search_document"])
    return household


@transaction.atomic
def household_update(*, household: Household, by: Any, **data: Any) -> Household:
    household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
    _apply(household, HOUSEHOLD_FIELDS, data)
    _normalise_household(household)
    _check_unique(household)
    household.save()
    record([household], "update")
    households_reindex([household.pk])
    household.refresh_from_db(fields=["search_document"])
    return household


@transaction.atomic
def household_record_consent(*, household: Household, by: Any, consent: bool) -> Household:
    """Record whether the head's name may be shown on the public lane page, and who said so."""
    household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
    household.head_name_public = consent
    household.consent_recorded_on = timezone.localdate()
    household.consent_recorded_by = _actor(by)
    household.save()
    record([household], "update")
    return household


@transaction.atomic
def household_set_status(
    *, household: Household, by: Any, status: str, on: date | None = None
) -> Household:
    household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
    if status not in Household.Status.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    household.status = status
    household.status_changed_on = on or timezone.localdate()
    if status == Household.Status.ACTIVE:
        _check_unique(household)
        if not Resident.objects.current().filter(household=household, is_head=True).exists():
            raise ValidationError(
                {"status": [_("An active household needs a head: add its members first.")]}
            )
    household.save()
    record([household], "update")
    return household


@transaction.atomic
def household_delete(*, household: Household, by: Any, reason: str) -> Household:
    """Mark a household deleted (entered by mistake, a duplicate): it stays in the history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the household is deleted.")]})
    household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
    _mark_deleted(household, by=by, reason=reason)
    return household


# ---------------------------------------------------------------------------------------
# Residents


@transaction.atomic
def resident_add(*, household: Household, by: Any, **data: Any) -> Resident:
    if data.get("relationship") == Resident.Relationship.HEAD:
        raise ValidationError(
            {"relationship": [_("The household has a head; use “change head” instead.")]}
        )
    resident = Resident(household=household)
    _apply(resident, RESIDENT_FIELDS, data)
    _normalise_resident(resident)
    _check_resident_unique(resident)
    resident.save()
    record([resident], "insert")
    households_reindex([household.pk])
    return resident


@transaction.atomic
def resident_update(*, resident: Resident, by: Any, **data: Any) -> Resident:
    resident = Resident.objects.select_for_update(of=("self",)).get(pk=resident.pk)
    if data.get("relationship") == Resident.Relationship.HEAD and not resident.is_head:
        raise ValidationError(
            {"relationship": [_("The household has a head; use “change head” instead.")]}
        )
    _apply(resident, RESIDENT_FIELDS, data)
    if resident.is_head:
        resident.relationship = Resident.Relationship.HEAD
    _normalise_resident(resident)
    _check_resident_unique(resident)
    resident.save()
    record([resident], "update")
    households_reindex([resident.household_id])
    return resident


def _current_head(household: Household) -> Resident | None:
    return (
        Resident.objects.current()
        .select_for_update(of=("self",))
        .filter(household=household, is_head=True)
        .first()
    )


@transaction.atomic
def household_change_head(
    *, household: Household, new_head: Resident, by: Any, old_head_relationship: str = ""
) -> Household:
    """Make ``new_head`` the head; the former head stays a member."""
    new_head = Resident.objects.current().select_for_update(of=("self",)).get(pk=new_head.pk)
    if new_head.household_id != household.pk:
        raise ValidationError(_("The new head must be a member of this household."))
    old = _current_head(household)
    if old is not None and old.pk == new_head.pk:
        return household
    if old is not None:
        old.is_head = False
        old.relationship = old_head_relationship or Resident.Relationship.OTHER
        old.save()
        record([old], "update")
    new_head.is_head = True
    new_head.relationship = Resident.Relationship.HEAD
    new_head.save()
    record([new_head], "update")
    return household


@transaction.atomic
def resident_leave(
    *, resident: Resident, by: Any, on: date | None = None, new_head: Resident | None = None
) -> Resident:
    """The person no longer lives in the household (moved away, died). A head needs a successor."""
    resident = Resident.objects.select_for_update(of=("self",)).get(pk=resident.pk)
    if resident.is_head:
        if new_head is None:
            raise ValidationError(_("Choose the new head of the household first."))
        household_change_head(household=resident.household, new_head=new_head, by=by)
        resident.refresh_from_db()
    resident.left_on = on or timezone.localdate()
    resident.save()
    record([resident], "update")
    households_reindex([resident.household_id])
    return resident


@transaction.atomic
def resident_move(
    *,
    resident: Resident,
    to_household: Household,
    by: Any,
    relationship: str = Resident.Relationship.OTHER,
    new_head: Resident | None = None,
) -> Resident:
    """Move a person to another household of the same village, in one step."""
    resident = Resident.objects.current().select_for_update(of=("self",)).get(pk=resident.pk)
    if to_household.pk == resident.household_id:
        raise ValidationError(_("The person already lives in this household."))
    if to_household.village_id != resident.household.village_id:
        raise ValidationError(_("Both households must be in the same village."))
    if to_household.status != Household.Status.ACTIVE or to_household.deleted_at:
        raise ValidationError(_("The destination household is not active."))
    source_id = resident.household_id
    if resident.is_head:
        if new_head is None:
            raise ValidationError(_("Choose the new head of the household first."))
        household_change_head(household=resident.household, new_head=new_head, by=by)
        resident.refresh_from_db()
    resident.household = to_household
    resident.relationship = relationship
    resident.joined_on = timezone.localdate()
    resident.save()
    record([resident], "update")
    households_reindex([source_id, to_household.pk])
    return resident


@transaction.atomic
def household_split(
    *,
    household: Household,
    residents: list[Resident],
    new_head: Resident,
    by: Any,
    lane: Lane | None = None,
    house_number: str,
) -> Household:
    """Some members start a household of their own, headed by ``new_head``."""
    ids = {r.pk for r in residents}
    if new_head.pk not in ids:
        raise ValidationError(_("The new head must be one of the members who leave."))
    current = {r.pk: r for r in Resident.objects.current().filter(household=household)}
    if not ids <= set(current):
        raise ValidationError(_("Only current members of the household can leave it."))
    if len(ids) == len(current):
        raise ValidationError(_("At least one member must stay in the household."))
    staying_head = next((r for r in current.values() if r.is_head), None)
    if staying_head is not None and staying_head.pk in ids:
        raise ValidationError(_("The head stays; change the head first if the head leaves."))
    new = Household(
        village=household.village,
        lane=lane if lane is not None else household.lane,
        house_number=house_number,
        created_by=_actor(by),
    )
    _normalise_household(new)
    _check_unique(new)
    new.save()
    record([new], "insert")
    moved = Resident.objects.select_for_update(of=("self",)).filter(pk__in=ids)
    for person in moved:
        person.household = new
        person.joined_on = timezone.localdate()
        person.is_head = person.pk == new_head.pk
        person.relationship = (
            Resident.Relationship.HEAD if person.is_head else Resident.Relationship.OTHER
        )
        person.save()
    record(list(Resident.objects.filter(pk__in=ids)), "update")
    households_reindex([household.pk, new.pk])
    return new


@transaction.atomic
def household_merge(*, source: Household, target: Household, by: Any) -> Household:
    """Everyone of ``source`` joins ``target`` under its head; ``source`` is dissolved."""
    if source.pk == target.pk:
        raise ValidationError(_("Choose two different households."))
    if source.village_id != target.village_id:
        raise ValidationError(_("Both households must be in the same village."))
    members = list(
        Resident.objects.current().select_for_update(of=("self",)).filter(household=source)
    )
    for person in members:
        person.household = target
        person.is_head = False
        if person.relationship == Resident.Relationship.HEAD:
            person.relationship = Resident.Relationship.OTHER
        person.joined_on = timezone.localdate()
        person.save()
    record(members, "update")
    source = Household.objects.select_for_update(of=("self",)).get(pk=source.pk)
    source.status = Household.Status.DISSOLVED
    source.status_changed_on = timezone.localdate()
    source.save()
    record([source], "update")
    households_reindex([source.pk, target.pk])
    return target


@transaction.atomic
def resident_delete(*, resident: Resident, by: Any, reason: str) -> Resident:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the record is deleted.")]})
    resident = Resident.objects.select_for_update(of=("self",)).get(pk=resident.pk)
    if resident.is_head and resident.left_on is None:
        raise ValidationError(_("Choose another head before deleting the head's record."))
    _mark_deleted(resident, by=by, reason=reason)
    households_reindex([resident.household_id])
    return resident


# ---------------------------------------------------------------------------------------
# Lanes


@transaction.atomic
def lane_create(*, village: Village, by: Any, name: str, sort_order: int = 0) -> Lane:
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Enter the lane's name.")]})
    if Lane.objects.alive().filter(village=village, name__iexact=name).exists():
        raise ValidationError({"name": [_("The village already has a lane with this name.")]})
    lane = Lane.objects.create(village=village, name=name, sort_order=sort_order)
    record([lane], "insert")
    return lane


def _clean_lane_name(lane: Lane, name: str) -> str:
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Enter the lane's name.")]})
    if (
        Lane.objects.alive()
        .filter(village_id=lane.village_id, name__iexact=name)
        .exclude(pk=lane.pk)
        .exists()
    ):
        raise ValidationError({"name": [_("The village already has a lane with this name.")]})
    return name


@transaction.atomic
def lane_rename(*, lane: Lane, by: Any, name: str) -> Lane:
    name = _clean_lane_name(lane, name)
    lane = Lane.objects.select_for_update(of=("self",)).get(pk=lane.pk)
    lane.name = name
    lane.updated_at = timezone.now()
    lane.save()
    record([lane], "update")
    households_reindex(lane.households.values_list("pk", flat=True))
    return lane


MAX_GEOMETRY_POINTS = 5000


def clean_geometry(value: Any) -> dict[str, Any] | None:
    """A GeoJSON LineString or MultiLineString in WGS84, from text or a parsed object."""
    if value in (None, "", {}):
        return None
    invalid = ValidationError(
        {
            "geometry": [
                _(
                    "Enter the lane's course as GeoJSON: a LineString or MultiLineString of "
                    "[longitude, latitude] points."
                )
            ]
        }
    )
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise invalid from exc
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in ("LineString", "MultiLineString"):
        raise invalid
    lines = value.get("coordinates")
    if value["type"] == "LineString":
        lines = [lines]
    if not isinstance(lines, list) or not lines:
        raise invalid
    points = 0
    clean_lines = []
    for line in lines:
        if not isinstance(line, list) or len(line) < 2:
            raise invalid
        clean_line = []
        for point in line:
            if (
                not isinstance(point, list | tuple)
                or len(point) < 2
                or not all(
                    isinstance(c, int | float) and not isinstance(c, bool) for c in point[:2]
                )
            ):
                raise invalid
            lng, lat = float(point[0]), float(point[1])
            if not (-180 <= lng <= 180 and -90 <= lat <= 90):
                raise ValidationError(
                    {"geometry": [_("A point lies outside the Earth's coordinates.")]}
                )
            clean_line.append([round(lng, 7), round(lat, 7)])
        points += len(clean_line)
        clean_lines.append(clean_line)
    if points > MAX_GEOMETRY_POINTS:
        raise ValidationError(
            {
                "geometry": [
                    _("The course has too many points (at most %(n)d).")
                    % {"n": MAX_GEOMETRY_POINTS}
                ]
            }
        )
    if value["type"] == "LineString":
        return {"type": "LineString", "coordinates": clean_lines[0]}
    return {"type": "MultiLineString", "coordinates": clean_lines}


def lane_update(
    *,
    lane: Lane,
    by: Any,
    name: str,
    sort_order: int,
    geometry: Any = None,
    sketch: Any = None,
    remove_sketch: bool = False,
) -> Lane:
    """Change a lane's name, order, course and sketch; the old sketch file goes after commit.

    ``sketch`` is an already cleaned image (``villageportal.images.clean_image``). It is
    written first; if the database change then fails, it is removed again, so no upload is
    left behind.
    """
    cleaned_geometry = clean_geometry(geometry)
    storage = Lane._meta.get_field("sketch").storage
    new_file = ""
    if sketch is not None:
        new_file = storage.save(
            Lane._meta.get_field("sketch").generate_filename(lane, sketch.name), sketch
        )
    try:
        with transaction.atomic():
            name = _clean_lane_name(lane, name)
            lane = Lane.objects.select_for_update(of=("self",)).get(pk=lane.pk)
            renamed = lane.name != name
            lane.name = name
            old_file = lane.sketch.name if lane.sketch else ""
            lane.sort_order = sort_order
            lane.geometry = cleaned_geometry
            if new_file:
                lane.sketch.name = new_file
            elif remove_sketch:
                lane.sketch = ""
            lane.updated_at = timezone.now()
            lane.save()
            record([lane], "update")
            if renamed:
                households_reindex(lane.households.values_list("pk", flat=True))
            current = lane.sketch.name if lane.sketch else ""
            if old_file and old_file != current:
                transaction.on_commit(lambda: storage.delete(old_file))
    except BaseException:
        if new_file:
            storage.delete(new_file)
        raise
    return lane


@transaction.atomic
def record_open(*, household: Household, by: Any, reason: str) -> RecordAccess:
    """Log that a commune official opened a household's personal record, and why.

    The caller has checked the role; the log line keeps the name as it was, so renaming or
    deleting the account does not rewrite who looked.
    """
    access = RecordAccess(
        household=household,
        user=by,
        user_name=by.full_name,
        role=Role.COMMUNE_OFFICIAL,
        reason=reason.strip(),
    )
    if not access.reason:
        raise ValidationError({"reason": _("Say why you open this record.")})
    access.full_clean()
    access.save()
    return access
