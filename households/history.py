"""The registry's history: who changed what, when, and the values before and after.

On PostgreSQL, triggers installed by django-pghistory write an event for every insert,
update and delete of a household, resident or lane, whatever the path (forms, API, admin,
imports, bulk updates, raw SQL); ``change_context`` attaches who did it and through what.
SQLite, the embedded default, has no such triggers: there the services write the same
events themselves through ``record``, so the history is complete for everything done through
the portal.
"""

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pghistory
from django.db import connection, models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

SOURCES = ("web", "api", "admin", "import", "command", "task")
# How a history entry says where a change came from.
SOURCE_LABELS = {
    "web": _("web page"),
    "api": _("API"),
    "admin": _("administration"),
    "import": _("import from a file"),
    "command": _("server command"),
    "task": _("background job"),
}

_local = threading.local()


def triggers_active() -> bool:
    return connection.vendor == "postgresql"


def _metadata(user: Any, source: str, extra: dict[str, Any]) -> dict[str, Any]:
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return {
        "user": user.pk if authenticated else None,
        "user_name": str(user) if authenticated else "",
        "source": source,
        **extra,
    }


@contextmanager
def change_context(*, user: Any = None, source: str, **extra: Any) -> Iterator[None]:
    """Everything written to the registry inside this block is attributed to ``user``."""
    metadata = _metadata(user, source, extra)
    if triggers_active():
        with pghistory.context(**metadata):
            yield
        return
    previous = getattr(_local, "context", None)
    context_id = previous[0] if previous else uuid.uuid4()
    merged = {**(previous[1] if previous else {}), **metadata}
    _local.context = (context_id, merged)
    try:
        yield
    finally:
        _local.context = previous


def record(instances: Iterable[models.Model], label: str) -> None:
    """Write the events the triggers would have written (databases without triggers only)."""
    if triggers_active():
        return
    instances = list(instances)
    if not instances:
        return
    from pghistory.models import Context

    context_id, metadata = getattr(_local, "context", None) or (None, {})
    context = None
    if context_id is not None:
        context, _created = Context.objects.get_or_create(
            id=context_id, defaults={"metadata": metadata}
        )
    event_model = _event_model(instances[0].__class__)
    copied = [f for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")]
    events = []
    for instance in instances:
        values = {f.attname: getattr(instance, f.attname) for f in copied}
        events.append(
            event_model(pgh_label=label, pgh_obj_id=instance.pk, pgh_context=context, **values)
        )
    event_model.objects.bulk_create(events)


def _event_model(model: type[models.Model]) -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(model._meta.app_label, f"{model.__name__}Event")


class HistoryContextMiddleware:
    """Attributes every write of a web request to the signed-in user."""

    methods = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in self.methods:
            return self.get_response(request)
        source = "admin" if request.path.startswith("/admin/") else "web"
        if request.path.startswith("/api/"):
            # API users may sign in by token, which DRF resolves inside the view; the API
            # views open their own context with the resolved user.
            return self.get_response(request)
        with change_context(user=request.user, source=source, url=request.path):
            return self.get_response(request)


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    what: str  # "insert", "update" or "delete"
    subject: str  # "household", "resident" or "lane"
    subject_label: str
    who: str
    source: str
    changes: list[Change]


def display_name(obj: models.Model) -> str:
    """How a history page names a row another row points at: a person by their full name."""
    return str(getattr(obj, "full_name", "") or obj)


def related_names(
    fields: Iterable[models.Field], events: Iterable[models.Model]
) -> dict[str, dict[Any, str]]:
    """The names of the rows the events' foreign keys point at, one query per field.

    A history shows "thôn: Thôn Đông Phú" and "người tạo: Nguyễn Văn Thành", never the
    stored key ("b788c39f-…", "1"). Rows removed since are looked up with the base manager,
    which also finds soft-deleted ones.
    """
    from django.utils.translation import gettext

    names: dict[str, dict[Any, str]] = {}
    events = list(events)
    for field in fields:
        if not (field.many_to_one or field.one_to_one):
            continue
        keys = {getattr(e, field.attname, None) for e in events} - {None, ""}
        if not keys:
            continue
        related = field.related_model
        found = {obj.pk: display_name(obj) for obj in related._base_manager.filter(pk__in=keys)}
        names[field.attname] = {key: found.get(key, gettext("a removed record")) for key in keys}
    return names


def _display(field: models.Field, value: Any, names: dict[str, dict[Any, str]]) -> Any:
    if value is None or value == "":
        return "—"
    if field.attname in names:
        return names[field.attname].get(value, value)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.BooleanField):
        from django.utils.translation import gettext

        return gettext("yes") if value else gettext("no")
    return value


def entries_for(
    events: Iterable[models.Model],
    *,
    subject: str,
    tracked_model: type[models.Model],
    hidden: frozenset[str] = frozenset(),
    label: Callable[[models.Model], str] = str,
) -> list[HistoryEntry]:
    """Turn a model's events (oldest first, any objects) into entries with before/after.

    Fields in ``hidden`` are reported as changed without their values, for roles that may
    not see them.
    """
    from django.utils.translation import gettext

    fields = [
        f
        for f in tracked_model._meta.concrete_fields
        if f.name not in ("id", "created_at", "updated_at", "search_document", "house_number_key")
    ]
    events = list(events)
    names = related_names(fields, events)
    last: dict[Any, models.Model] = {}
    entries = []
    for event in events:
        previous = last.get(event.pgh_obj_id)
        changes = []
        for field in fields:
            if not hasattr(event, field.attname):
                continue
            after = getattr(event, field.attname)
            if previous is not None:
                before = getattr(previous, field.attname)
                if before == after:
                    continue
                shown_before = _display(field, before, names)
            else:
                # The first event we hold for this row: a creation, or (for rows written
                # before history was kept) a change whose earlier values are unknown.
                if after in (None, "", False):
                    continue
                shown_before = "?"
            secret = field.name in hidden
            changes.append(
                Change(
                    field=field.name,
                    label=str(field.verbose_name),
                    before="•••" if secret else shown_before,
                    after="•••" if secret else _display(field, after, names),
                )
            )
        last[event.pgh_obj_id] = event
        context = getattr(event, "pgh_context", None)
        metadata = context.metadata if context is not None else {}
        if event.pgh_label == "update" and not changes:
            continue
        entries.append(
            HistoryEntry(
                when=event.pgh_created_at,
                what=event.pgh_label,
                subject=subject,
                subject_label=label(event),
                who=metadata.get("user_name") or gettext("unknown"),
                source=str(SOURCE_LABELS.get(metadata.get("source", ""), "")),
                changes=changes,
            )
        )
    return entries
