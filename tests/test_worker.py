"""A real Celery worker process, fed through Redis, writing to PostgreSQL."""

from pathlib import Path

import pytest
from django.db import connection

from accounts.tasks import invitation_send_task
from tests.factories import InvitationFactory
from tests.workers import Worker, celery_worker

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path: Path):
    with celery_worker(tmp_path, EMAIL_URL="consolemail://") as process:
        yield process


def test_a_worker_process_runs_the_task_and_its_write_lands_in_postgresql(
    worker: Worker, village
) -> None:
    assert connection.vendor == "postgresql"
    invitation = InvitationFactory(village=village, email="worker-test@example.com")
    output = worker.run(invitation_send_task, invitation.pk, "token-for-the-link")
    invitation.refresh_from_db()
    assert invitation.sent_at is not None, output[-3000:]
    # The worker, not this process, sent the message: its console backend printed it.
    assert "To: worker-test@example.com" in output
    assert "/invite/token-for-the-link/" in output

    # Idempotent: the same task again sends nothing more and keeps the first timestamp.
    sent_at = invitation.sent_at
    output = worker.run(invitation_send_task, invitation.pk, "token-for-the-link")
    assert output.count("To: worker-test@example.com") == 1
    invitation.refresh_from_db()
    assert invitation.sent_at == sent_at
