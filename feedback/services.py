"""Every write on feedback goes through here: views, Open311, tasks, the demo."""

import math
import secrets
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership
from accounts.roles import Role
from feedback.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    ApiKey,
    BlockedSender,
    Category,
    Event,
    MeToo,
    Photo,
    Reminder,
    Report,
    ResponseTemplate,
    Status,
)
from feedback.photos import ProcessedPhoto
from feedback.workhours import add_working_hours
from households.models import Lane, Village
from villageportal.public_cache import bump
from villageportal.text import fold

MAX_PHOTOS = 5
DEFAULT_CATEGORIES = [
    # code, name, urgent, questions
    ("electricity", gettext_lazy("Electricity"), True, []),
    ("water", gettext_lazy("Water"), False, []),
    ("roads", gettext_lazy("Roads and lighting"), False, []),
    ("security", gettext_lazy("Security and order"), True, []),
    ("environment", gettext_lazy("Environment and waste"), False, []),
    ("other", gettext_lazy("Other"), False, []),
]
# Reports in these default categories are private until a staff member publishes them.
SENSITIVE_CATEGORIES = frozenset({"security"})


def _setting(name: str) -> Any:
    return getattr(settings, name)


def max_distance_km() -> float:
    return float(_setting("FEEDBACK_MAX_DISTANCE_KM"))


def reopen_days() -> int:
    return int(_setting("FEEDBACK_REOPEN_DAYS"))


def reminder_interval() -> timedelta:
    return timedelta(hours=float(_setting("FEEDBACK_REMINDER_INTERVAL_HOURS")))


def _live(report: Report) -> None:
    bump(report.village_id)


def _notify(event: Event) -> None:
    from feedback.tasks import notify_reporter_task, zalo_reply_task

    report = event.report
    if report.reporter_email:
        transaction.on_commit(lambda: notify_reporter_task.delay(event.pk))
    if report.zalo_follower_id:
        # The conversation on the village's Zalo OA it came from; sent by a task, after commit.
        transaction.on_commit(lambda: zalo_reply_task.delay(event.pk), robust=True)


# ---------------------------------------------------------------------------------------
# Categories


@transaction.atomic
def categories_ensure_defaults(*, village: Village) -> list[Category]:
    """The six usual categories, for a village that has none yet."""
    if not Category.objects.filter(village=village).exists():
        for order, (code, name, urgent, questions) in enumerate(DEFAULT_CATEGORIES):
            Category.objects.create(
                village=village,
                code=code,
                name=str(name),
                urgent=urgent,
                sensitive=code in SENSITIVE_CATEGORIES,
                ack_hours=int(_setting("FEEDBACK_ACK_HOURS")),
                resolve_hours=int(_setting("FEEDBACK_URGENT_HOURS")) if urgent else None,
                questions=questions,
                sort_order=order,
            )
    return list(Category.objects.filter(village=village, active=True))


MAX_QUESTIONS = 10
MAX_HOURS = 2000


def _category_code(village: Village, name: str) -> str:
    """A readable code (Open311's service_code) from the name, unique in the village."""
    base = slugify(fold(name))[:32].strip("-") or "category"
    taken = set(Category.objects.filter(village=village).values_list("code", flat=True))
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    return code


def _category_check(
    *, village: Village, name: str, ack_hours: int, resolve_hours: int | None, pk: int | None
) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Name the category."), code="name")
    if not 1 <= ack_hours <= MAX_HOURS or (
        resolve_hours is not None and not 1 <= resolve_hours <= MAX_HOURS
    ):
        raise ValidationError(
            _("Deadlines are whole hours from 1 to %(max)s."), params={"max": MAX_HOURS}
        )
    # Compared here rather than with iexact, which SQLite applies to ASCII letters only.
    names = Category.objects.filter(village=village).exclude(pk=pk).values_list("name", flat=True)
    if name.casefold() in {n.casefold() for n in names}:
        raise ValidationError(
            _("The village already has a category named “%(name)s”."),
            params={"name": name},
            code="duplicate",
        )
    return name


@transaction.atomic
def category_create(
    *,
    village: Village,
    name: str,
    description: str = "",
    urgent: bool = False,
    sensitive: bool = False,
    ack_hours: int = 8,
    resolve_hours: int | None = None,
) -> Category:
    """A new category at the end of the village's list, without extra questions yet."""
    name = _category_check(
        village=village, name=name, ack_hours=ack_hours, resolve_hours=resolve_hours, pk=None
    )
    last = Category.objects.filter(village=village).order_by("-sort_order").first()
    return Category.objects.create(
        village=village,
        code=_category_code(village, name),
        name=name,
        description=description.strip(),
        urgent=urgent,
        sensitive=sensitive,
        ack_hours=ack_hours,
        resolve_hours=resolve_hours,
        sort_order=(last.sort_order + 1) if last else 0,
    )


@transaction.atomic
def category_update(
    *,
    category: Category,
    name: str,
    description: str = "",
    urgent: bool = False,
    sensitive: bool = False,
    ack_hours: int = 8,
    resolve_hours: int | None = None,
    active: bool = True,
) -> Category:
    """Save a category's name, urgency, deadlines and whether the form offers it.

    The deadlines apply to reports sent from now on; those already sent keep theirs.
    """
    category = _locked_category(category)
    category.name = _category_check(
        village=category.village,
        name=name,
        ack_hours=ack_hours,
        resolve_hours=resolve_hours,
        pk=category.pk,
    )
    if category.active and not active:
        _keep_one_open(category)
    category.description = description.strip()
    category.urgent = urgent
    category.sensitive = sensitive
    category.ack_hours = ack_hours
    category.resolve_hours = resolve_hours
    category.active = active
    category.save()
    return category


def _locked_category(category: Category) -> Category:
    return Category.objects.select_for_update().select_related("village").get(pk=category.pk)


def _keep_one_open(category: Category) -> None:
    others = Category.objects.filter(village=category.village, active=True).exclude(pk=category.pk)
    if not others.exists():
        raise ValidationError(
            _("Residents need at least one category: keep another one open first."),
            code="last",
        )


def _renumber(village: Village) -> list[Category]:
    categories = list(
        Category.objects.select_for_update().filter(village=village).order_by("sort_order", "name")
    )
    for order, item in enumerate(categories):
        if item.sort_order != order:
            item.sort_order = order
            item.save(update_fields=["sort_order"])
    return categories


@transaction.atomic
def category_move(*, category: Category, up: bool) -> None:
    """Swap the category with the one before (or after) it in the form's list."""
    categories = _renumber(category.village)
    index = next(i for i, c in enumerate(categories) if c.pk == category.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(categories):
        return
    a, b = categories[index], categories[other]
    a.sort_order, b.sort_order = b.sort_order, a.sort_order
    a.save(update_fields=["sort_order"])
    b.save(update_fields=["sort_order"])


@transaction.atomic
def category_remove(*, category: Category) -> bool:
    """Delete a category no report used; retire one that reports use. True if deleted."""
    category = _locked_category(category)
    if category.active:
        _keep_one_open(category)
    if category.reports.exists():
        category.active = False
        category.save(update_fields=["active"])
        return False
    category.delete()
    return True


def _question_label(label: str) -> str:
    label = " ".join(label.split())
    if not label:
        raise ValidationError(_("Write the question."), code="label")
    if len(label) > 150:
        raise ValidationError(_("A question has at most 150 characters."), code="label")
    return label


def _question_index(category: Category, key: str) -> int:
    for index, question in enumerate(category.questions or []):
        if question.get("key") == key:
            return index
    raise ValidationError(_("This question does not exist."), code="missing")


def _question_key(category: Category) -> str:
    taken = {q.get("key") for q in category.questions or []}
    n = len(taken) + 1
    while f"q{n}" in taken:
        n += 1
    return f"q{n}"


def _label_taken(category: Category, label: str, *, but: str = "") -> None:
    for question in category.live_questions():
        if question["key"] != but and question["label"].casefold() == label.casefold():
            raise ValidationError(
                _("The category already asks “%(label)s”."), params={"label": label}
            )


def question_answered(*, category: Category, key: str) -> bool:
    return Report.objects.filter(category=category, answers__has_key=key).exists()


@transaction.atomic
def question_add(*, category: Category, label: str, required: bool = False) -> dict[str, Any]:
    """Add an extra question at the end of the category's form."""
    category = _locked_category(category)
    label = _question_label(label)
    _label_taken(category, label)
    if len(category.live_questions()) >= MAX_QUESTIONS:
        raise ValidationError(
            _("A category asks at most %(n)s extra questions."), params={"n": MAX_QUESTIONS}
        )
    question = {"key": _question_key(category), "label": label, "required": bool(required)}
    category.questions = [*(category.questions or []), question]
    category.save(update_fields=["questions"])
    return question


@transaction.atomic
def question_update(
    *, category: Category, key: str, label: str, required: bool = False
) -> dict[str, Any]:
    """Change a question's wording or whether it must be answered.

    A question that reports have answered is not reworded in place: it is retired, keeping
    the wording those answers were given to, and the new wording takes its place.
    """
    category = _locked_category(category)
    questions = [dict(q) for q in category.questions or []]
    index = _question_index(category, key)
    question = questions[index]
    if question.get("retired"):
        raise ValidationError(_("Bring the question back before changing it."), code="retired")
    label = _question_label(label)
    _label_taken(category, label, but=key)
    if label != question["label"] and question_answered(category=category, key=key):
        question["retired"] = True
        replacement = {"key": _question_key(category), "label": label, "required": bool(required)}
        questions.insert(index, replacement)
        result = replacement
    else:
        question.update(label=label, required=bool(required))
        result = question
    category.questions = questions
    category.save(update_fields=["questions"])
    return result


@transaction.atomic
def question_remove(*, category: Category, key: str) -> bool:
    """Delete a question nobody answered; retire one with answers. True if deleted."""
    category = _locked_category(category)
    questions = [dict(q) for q in category.questions or []]
    index = _question_index(category, key)
    if question_answered(category=category, key=key):
        questions[index]["retired"] = True
        deleted = False
    else:
        del questions[index]
        deleted = True
    category.questions = questions
    category.save(update_fields=["questions"])
    return deleted


@transaction.atomic
def question_restore(*, category: Category, key: str) -> dict[str, Any]:
    """Ask a retired question again."""
    category = _locked_category(category)
    questions = [dict(q) for q in category.questions or []]
    question = questions[_question_index(category, key)]
    if question.get("retired"):
        _label_taken(category, question["label"], but=key)
        if len(category.live_questions()) >= MAX_QUESTIONS:
            raise ValidationError(
                _("A category asks at most %(n)s extra questions."), params={"n": MAX_QUESTIONS}
            )
        question.pop("retired", None)
    category.questions = questions
    category.save(update_fields=["questions"])
    return question


@transaction.atomic
def question_move(*, category: Category, key: str, up: bool) -> None:
    """Swap a question with the asked question before (or after) it."""
    category = _locked_category(category)
    questions = [dict(q) for q in category.questions or []]
    index = _question_index(category, key)
    live = [i for i, q in enumerate(questions) if not q.get("retired")]
    if index not in live:
        return
    position = live.index(index) + (-1 if up else 1)
    if not 0 <= position < len(live):
        return
    other = live[position]
    questions[index], questions[other] = questions[other], questions[index]
    category.questions = questions
    category.save(update_fields=["questions"])


def deadlines(*, category: Category, start: datetime) -> tuple[datetime, datetime | None]:
    """When a report sent at ``start`` must be acknowledged, and handled (None: no deadline)."""
    ack_due = add_working_hours(start, category.ack_hours)
    resolve_due = None
    if category.urgent:
        # Urgent reports count clock hours, nights and holidays included; an acknowledgement
        # cannot come later than the handling it announces.
        resolve_due = start + timedelta(hours=category.resolve_hours or 4)
        ack_due = min(ack_due, resolve_due)
    elif category.resolve_hours:
        resolve_due = add_working_hours(start, category.resolve_hours)
    return ack_due, resolve_due


# ---------------------------------------------------------------------------------------
# Sending a report


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def location_check(
    *, village: Village, latitude: Decimal | None, longitude: Decimal | None
) -> None:
    if latitude is None and longitude is None:
        return
    if latitude is None or longitude is None:
        raise ValidationError(_("Give both the latitude and the longitude, or neither."))
    if village.latitude is None or village.longitude is None:
        inside = 8 <= latitude <= 24 and 102 <= longitude <= 110
    else:
        inside = (
            distance_km(
                float(latitude), float(longitude), float(village.latitude), float(village.longitude)
            )
            <= max_distance_km()
        )
    if not inside:
        raise ValidationError(
            _("The place you chose is far outside %(village)s. Move the pin into the village."),
            params={"village": village.name},
            code="far_away",
        )


@dataclass
class Submission:
    category: Category
    description: str
    answers: dict
    lane: Lane | None
    latitude: Decimal | None
    longitude: Decimal | None
    sign_code: str = ""
    address: str = ""
    address_id: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    show_name: bool = False


# Files written inside the transactions running in this thread, to delete on a rollback.
_pending = threading.local()


def _pending_files() -> list[str]:
    if not hasattr(_pending, "files"):
        _pending.files = []
    return _pending.files


def _store_photos(report: Report, photos: list[ProcessedPhoto], *, result: bool = False) -> None:
    """Save the files with their rows; if the transaction rolls back, the files go too."""
    for processed in photos:
        photo = Photo(
            report=report, is_result=result, width=processed.width, height=processed.height
        )
        photo.image.save(f"photo{processed.extension}", ContentFile(processed.content), save=False)
        _pending_files().append(photo.image.name)
        photo.save()


def _atomic_with_file_cleanup(func: Any) -> Any:
    """Run ``func`` in a transaction; files it stored are deleted if the transaction fails."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        outer = not transaction.get_connection().in_atomic_block
        pending = _pending_files()
        mark = len(pending)
        try:
            with transaction.atomic():
                result = func(*args, **kwargs)
        except BaseException:
            for name in pending[mark:]:
                default_storage.delete(name)
            del pending[mark:]
            raise
        if outer:
            del pending[mark:]
        return result

    return wrapper


def sender_blocked(*, village: Village, hashes: list[str]) -> bool:
    hashes = [h for h in hashes if h]
    return (
        bool(hashes)
        and BlockedSender.objects.filter(village=village, sender_hash__in=hashes).exists()
    )


@_atomic_with_file_cleanup
def report_submit(
    *,
    village: Village,
    submission: Submission,
    photos: list[ProcessedPhoto],
    user: Any = None,
    sender_hash: str = "",
    contact_hash: str = "",
    now: datetime | None = None,
    zalo_follower: Any = None,
) -> Report:
    """Record a resident's report with its photos, deadlines and first history entry."""
    now = now or timezone.now()
    description = submission.description.strip()
    if not description:
        raise ValidationError(_("Describe the problem."), code="empty")
    if submission.category.village_id != village.pk or not submission.category.active:
        raise ValidationError(_("Choose one of the village's categories."), code="category")
    if submission.lane is not None and submission.lane.village_id != village.pk:
        raise ValidationError(_("Choose a lane of this village."), code="lane")
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(
            _("Send at most %(n)s photos."), params={"n": MAX_PHOTOS}, code="photos"
        )
    location_check(village=village, latitude=submission.latitude, longitude=submission.longitude)
    if sender_blocked(village=village, hashes=[sender_hash, contact_hash]):
        raise ValidationError(
            _("This village no longer accepts reports from this sender."), code="blocked"
        )
    ack_due, resolve_due = deadlines(category=submission.category, start=now)
    report = Report.objects.create(
        village=village,
        category=submission.category,
        description=description,
        answers=submission.answers,
        lane=submission.lane,
        latitude=submission.latitude,
        longitude=submission.longitude,
        sign_code=submission.sign_code[:32],
        address=submission.address.strip()[:255],
        address_id=submission.address_id.strip()[:32],
        reporter_name=submission.reporter_name.strip(),
        reporter_phone=submission.reporter_phone.strip(),
        reporter_email=submission.reporter_email.strip(),
        show_name=submission.show_name and bool(submission.reporter_name.strip()),
        reporter_user=user if getattr(user, "is_authenticated", False) else None,
        sender_hash=sender_hash,
        contact_hash=contact_hash,
        zalo_follower=zalo_follower,
        created_at=now,
        ack_due=ack_due,
        resolve_due=resolve_due,
        hidden=submission.category.sensitive,
        hidden_reason=(
            _("Sensitive category: private until a staff member publishes it.")
            if submission.category.sensitive
            else ""
        ),
    )
    _store_photos(report, photos)
    event = Event.objects.create(
        report=report, kind=Event.Kind.CREATED, public=True, to_status=Status.NEW, created_at=now
    )
    _notify(event)
    _live(report)
    return report


@_atomic_with_file_cleanup
def photos_add(*, report: Report, photos: list[ProcessedPhoto]) -> None:
    """Photos the reporter sends after the report (through Zalo), within the report's limit."""
    report = _locked(report)
    if report.photos.filter(is_result=False).count() + len(photos) > MAX_PHOTOS:
        raise ValidationError(
            _("Send at most %(n)s photos."), params={"n": MAX_PHOTOS}, code="photos"
        )
    _store_photos(report, photos)
    _live(report)


@transaction.atomic
def report_me_too(*, report: Report, sender_hash: str) -> bool:
    """Add one "me too" from this sender; False if they already had, or the report is closed."""
    if not report.is_open or report.hidden:
        return False
    try:
        with transaction.atomic():
            MeToo.objects.create(report=report, sender_hash=sender_hash)
    except IntegrityError:
        return False
    Report.objects.filter(pk=report.pk).update(me_too_count=F("me_too_count") + 1)
    _live(report)
    return True


# ---------------------------------------------------------------------------------------
# Handling


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk)


@_atomic_with_file_cleanup
def report_transition(
    *,
    report: Report,
    to_status: str,
    by: Any,
    text: str = "",
    forwarded_to: str = "",
    forwarded_on: date | None = None,
    duplicate_of: Report | None = None,
    result_photo: ProcessedPhoto | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> Report:
    """Move a report along the state machine, with what each state requires."""
    now = now or timezone.now()
    report = _locked(report)
    if to_status not in TRANSITIONS.get(report.status, ()):
        raise ValidationError(
            _("A report that is “%(from)s” cannot become “%(to)s”."),
            params={
                "from": Status(report.status).label,
                "to": Status(to_status).label if to_status in Status.values else to_status,
            },
            code="transition",
        )
    text = text.strip()
    if to_status in DONE_STATUSES and not text:
        raise ValidationError(_("Write a resolution note to close the report."), code="note")
    if to_status == Status.FORWARDED:
        if not forwarded_to.strip():
            raise ValidationError(_("Name the body the report is forwarded to."), code="body")
        report.forwarded_to = forwarded_to.strip()
        report.forwarded_on = forwarded_on or timezone.localdate(now)
    if to_status == Status.DUPLICATE:
        if (
            duplicate_of is None
            or duplicate_of.pk == report.pk
            or duplicate_of.village_id != report.village_id
        ):
            raise ValidationError(_("Choose the original report of this village."), code="dup")
        report.duplicate_of = duplicate_of
    previous = report.status
    report.status = to_status
    if report.acknowledged_at is None and to_status != Status.NEW:
        report.acknowledged_at = now
    if to_status in DONE_STATUSES:
        report.resolution_note = text
        report.closed_at = now
        if to_status == Status.RESOLVED:
            report.resolved_at = now
    report.save()
    if result_photo is not None:
        _store_photos(report, [result_photo], result=True)
    event = Event.objects.create(
        report=report,
        kind=Event.Kind.STATUS,
        public=True,
        from_status=previous,
        to_status=to_status,
        text=text,
        by=by,
        created_at=now,
    )
    if notify:
        _notify(event)
    _live(report)
    return report


@transaction.atomic
def report_reply(*, report: Report, text: str, by: Any, now: datetime | None = None) -> Event:
    """A public reply, shown on the status page and sent to the reporter."""
    if not text.strip():
        raise ValidationError(_("Write the reply."), code="empty")
    report = _locked(report)
    now = now or timezone.now()
    if report.status == Status.NEW:
        # Acknowledged by the reply itself: the reporter gets the reply, not two messages.
        report_transition(
            report=report, to_status=Status.ACKNOWLEDGED, by=by, now=now, notify=False
        )
    event = Event.objects.create(
        report=report, kind=Event.Kind.REPLY, public=True, text=text, by=by, created_at=now
    )
    _notify(event)
    _live(report)
    return event


@transaction.atomic
def report_note(*, report: Report, text: str, by: Any) -> Event:
    """An internal note: staff only, never sent."""
    if not text.strip():
        raise ValidationError(_("Write the note."), code="empty")
    return Event.objects.create(report=report, kind=Event.Kind.NOTE, public=False, text=text, by=by)


@transaction.atomic
def report_assign(*, report: Report, assignee: Any, by: Any) -> Report:
    from accounts.access import roles_in_village
    from accounts.roles import STAFF_ROLES

    if assignee is not None and not (
        roles_in_village(user=assignee, village=report.village) & STAFF_ROLES
    ):
        raise ValidationError(_("Assign the report to a member of the village team."))
    report = _locked(report)
    report.assignee = assignee
    report.save(update_fields=["assignee"])
    Event.objects.create(
        report=report,
        kind=Event.Kind.ASSIGN,
        public=False,
        text=assignee.full_name if assignee else "",
        by=by,
    )
    return report


@transaction.atomic
def report_moderate(*, report: Report, hidden: bool, reason: str, by: Any) -> Report:
    """Hide a report from the public (it stays, whole, for the record), or show it again."""
    if hidden and not reason.strip():
        raise ValidationError(_("Give the reason for hiding it."))
    report = _locked(report)
    report.hidden = hidden
    report.hidden_reason = reason.strip() if hidden else ""
    report.save(update_fields=["hidden", "hidden_reason"])
    Event.objects.create(
        report=report, kind=Event.Kind.MODERATION, text=reason or "shown", by=by, public=False
    )
    _live(report)
    return report


@transaction.atomic
def photo_moderate(*, photo: Photo, hidden: bool, by: Any) -> Photo:
    photo.hidden = hidden
    photo.save(update_fields=["hidden"])
    Event.objects.create(
        report=photo.report,
        kind=Event.Kind.MODERATION,
        text=f"photo {photo.pk} {'hidden' if hidden else 'shown'}",
        by=by,
    )
    _live(photo.report)
    return photo


@transaction.atomic
def sender_block(*, report: Report, reason: str, by: Any) -> int:
    """Refuse further reports from this report's sender (their IP and their contact)."""
    created = 0
    for digest in {report.sender_hash, report.contact_hash} - {""}:
        _block, new = BlockedSender.objects.get_or_create(
            village=report.village,
            sender_hash=digest,
            defaults={"reason": reason.strip(), "created_by": by},
        )
        created += int(new)
    if not created and not (report.sender_hash or report.contact_hash):
        raise ValidationError(_("Nothing is known about this sender to block."))
    Event.objects.create(report=report, kind=Event.Kind.MODERATION, text="sender blocked", by=by)
    return created


# ---------------------------------------------------------------------------------------
# The reporter, after closure


@transaction.atomic
def report_rate(
    *, report: Report, satisfied: bool, comment: str = "", now: datetime | None = None
) -> Report:
    report = _locked(report)
    if report.status in OPEN_STATUSES:
        raise ValidationError(_("The report can be rated once it is closed."), code="open")
    if report.rated_at is not None:
        raise ValidationError(_("You have already rated this report."), code="rated")
    report.satisfied = satisfied
    report.rating_comment = comment.strip()[:500]
    report.rated_at = now or timezone.now()
    report.save(update_fields=["satisfied", "rating_comment", "rated_at"])
    Event.objects.create(report=report, kind=Event.Kind.RATING, public=False, text=comment)
    return report


@transaction.atomic
def report_reopen(*, report: Report, text: str, now: datetime | None = None) -> Report:
    now = now or timezone.now()
    report = _locked(report)
    if report.status in OPEN_STATUSES:
        raise ValidationError(_("The report is still open."), code="open")
    if report.closed_at is None or now - report.closed_at > timedelta(days=reopen_days()):
        raise ValidationError(
            _("A report can be reopened within %(days)s days of its closure."),
            params={"days": reopen_days()},
            code="too_late",
        )
    if not text.strip():
        raise ValidationError(_("Say why the problem is not solved."), code="empty")
    previous = report.status
    report.status = Status.ACKNOWLEDGED
    report.closed_at = None
    report.resolved_at = None
    report.satisfied = None
    report.rated_at = None
    report.rating_comment = ""
    _ack_due, report.resolve_due = deadlines(category=report.category, start=now)
    report.save()
    Event.objects.create(
        report=report,
        kind=Event.Kind.REOPENED,
        public=True,
        from_status=previous,
        to_status=Status.ACKNOWLEDGED,
        text=text.strip(),
        created_at=now,
    )
    _live(report)
    return report


# ---------------------------------------------------------------------------------------
# Deadlines


def reminders_send(*, now: datetime | None = None) -> int:
    """Remind the assignee and the village head of each lapsed deadline, once per interval.

    A ``Reminder`` row per (report, lapse, interval number) is inserted in the same
    transaction as the e-mail is sent, so running this twice, or in two workers at once,
    reminds once.
    """
    from feedback.notify import notify_staff_reminder

    now = now or timezone.now()
    interval = reminder_interval()
    sent = 0
    lapsed = Report.objects.overdue(now).select_related("village", "category", "assignee")
    for report in lapsed.iterator():
        for lapse, due in (
            (Reminder.Lapse.ACK, report.ack_due if report.status == Status.NEW else None),
            (Reminder.Lapse.RESOLVE, report.resolve_due if report.is_open else None),
        ):
            if due is None or due >= now:
                continue
            number = int((now - due) / interval)
            try:
                with transaction.atomic():
                    Reminder.objects.create(report=report, lapse=lapse, interval=number)
                    heads = [
                        m.user
                        for m in Membership.objects.filter(
                            village=report.village, role=Role.VILLAGE_HEAD, user__is_active=True
                        ).select_related("user")
                    ]
                    recipients = heads + ([report.assignee] if report.assignee else [])
                    notify_staff_reminder(report=report, lapse=lapse, recipients=recipients)
                    Event.objects.create(report=report, kind=Event.Kind.REMINDER, text=lapse)
                    sent += 1
            except IntegrityError:
                continue
    return sent


# ---------------------------------------------------------------------------------------
# Response templates and API keys


@transaction.atomic
def template_create(*, village: Village, title: str, text: str) -> ResponseTemplate:
    if not title.strip() or not text.strip():
        raise ValidationError(_("Give the template a title and a text."))
    return ResponseTemplate.objects.create(village=village, title=title.strip(), text=text.strip())


@transaction.atomic
def api_key_create(*, village: Village, name: str, by: Any) -> tuple[ApiKey, str]:
    """A new key; the raw key is returned once and only its digest is kept."""
    if not name.strip():
        raise ValidationError(_("Name the client that will use the key."))
    raw = "o311_" + secrets.token_urlsafe(24)
    key = ApiKey.objects.create(
        village=village,
        name=name.strip(),
        prefix=raw[5:11],
        key_hash=ApiKey.hash(raw),
        created_by=by,
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    key.active = False
    key.save(update_fields=["active"])
    return key
