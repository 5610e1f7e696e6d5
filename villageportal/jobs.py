"""Background jobs that a user starts and watches: imports, sign sheets, report exports.

Each job is a row of a model built on ``Job``: who started it and when, when it ended, how far
it has got. A service creates the row and queues its task with ``enqueue`` (after commit, by
id); the task re-reads the row, claims it (``claim``: one status to the next, so a task
delivered twice runs once), reports its progress (``report_progress``) and ends it
(``finish``). Its page includes ``jobs/progress.html`` while the job is ``active``, and
refreshes itself (``jobs/refresh.html``) until it ends.

Progress goes through the cache as well as the row: a job that writes in one transaction
cannot show its own row's changes to the page until it commits. Each model keeps its own
``Status`` choices (what its user waits for differs: checking a file, building a PDF) and
says which of them are ``ACTIVE_STATUSES``: the work goes on and the page refreshes.
"""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, ClassVar

from celery import Task
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from villageportal.authored import Authored

# How long a reported progress stays in the cache: longer than any job's time limit.
PROGRESS_TIMEOUT = 3600


class Job(Authored):
    """What every background job records: its author, its times, its progress (0 to 100)."""

    ACTIVE_STATUSES: ClassVar[tuple[str, ...]] = ()
    # Statuses in which the job waits for a person (checked rows waiting to be confirmed). A
    # job left there longer than WAITING_HOURS is ended by ``expire_waiting`` through
    # ``expire``, which lets go of what it kept (an uploaded file, the checked rows).
    WAITING_STATUSES: ClassVar[tuple[str, ...]] = ()

    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)

    status: Any

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="%(app_label)s_%(class)s_progress_percent"
            ),
        ]

    @property
    def is_active(self) -> bool:
        """Whether the work goes on: the page shows the progress and refreshes itself."""
        return self.status in self.ACTIVE_STATUSES

    def _progress_key(self) -> str:
        return f"jobs:progress:{self._meta.label_lower}:{self.pk}"

    def report_progress(self, done: float, total: float = 1, *, store: bool = False) -> int:
        """Record that ``done`` of ``total`` is done (at most 99 %: 100 is ``finish``'s).

        ``store`` also writes it to the row, where the job's transaction does not hold it.
        """
        percent = max(0, min(99, int(100 * done / total))) if total else 0
        cache.set(self._progress_key(), percent, timeout=PROGRESS_TIMEOUT)
        if store:
            type(self)._default_manager.filter(pk=self.pk, status=self.status).update(
                progress=percent
            )
        return percent

    @property
    def current_progress(self) -> int:
        """The percentage done: the last reported while the job is active, else the row's."""
        if self.is_active:
            return int(cache.get(self._progress_key(), self.progress))
        return self.progress

    def forget_progress(self) -> None:
        cache.delete(self._progress_key())

    def claim(self, *, from_status: str, to_status: str, **fields: Any) -> bool:
        """Move the job from one status to the next, unless something else did it first."""
        claimed = (
            type(self)
            ._default_manager.filter(pk=self.pk, status=from_status)
            .update(status=to_status, **fields)
        )
        if claimed:
            self.status = to_status
            for name, value in fields.items():
                setattr(self, name, value)
        return bool(claimed)

    def finish(self, *, status: str, only_from: Iterable[str] | None = None, **fields: Any) -> bool:
        """End the job with ``status`` and ``fields``, now; False if it was no longer in
        ``only_from`` (cancelled or ended meanwhile) and so was left as it is."""
        update = {"status": status, "finished_at": timezone.now(), **fields}
        rows = type(self)._default_manager.filter(pk=self.pk)
        if only_from is not None:
            rows = rows.filter(status__in=list(only_from))
        if not rows.update(**update):
            return False
        for name, value in update.items():
            setattr(self, name, value)
        self.forget_progress()
        return True

    def expire(self) -> bool:
        """End this job, left waiting too long; False if it had moved on meanwhile."""
        raise NotImplementedError(f"{type(self).__name__} waits for a person but cannot expire")

    @classmethod
    def stale(cls, *, statuses: Iterable[str], older_than: timedelta) -> QuerySet:
        """Jobs still in one of ``statuses`` that were started more than ``older_than`` ago."""
        cutoff = timezone.now() - older_than
        return cls._default_manager.filter(status__in=list(statuses), created_at__lt=cutoff)


WAITING_HOURS = 24


def expire_waiting(*, older_than: timedelta = timedelta(hours=WAITING_HOURS)) -> int:
    """End every job of every kind left waiting for a person longer than ``older_than``."""
    from django.apps import apps

    count = 0
    for model in apps.get_models():
        if issubclass(model, Job) and model.WAITING_STATUSES:
            stale = model.stale(statuses=model.WAITING_STATUSES, older_than=older_than)
            count += sum(1 for job in stale.iterator() if job.expire())
    return count


def enqueue(task: Task, job: Job) -> None:
    """Queue ``task`` for ``job`` (by id) once the transaction that made the job commits."""
    job_id = str(job.pk)
    transaction.on_commit(lambda: task.delay(job_id))
