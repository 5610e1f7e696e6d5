from celery import shared_task
from django.conf import settings
from django.urls import reverse

from accounts import services
from accounts.models import Invitation


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def invitation_send_task(self: object, invitation_id: int, token: str) -> bool:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        return False
    accept_url = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "invitation_accept", kwargs={"token": token}
    )
    return services.invitation_send(invitation=invitation, accept_url=accept_url)


@shared_task(time_limit=120, soft_time_limit=110)
def invitations_purge_task() -> int:
    return services.invitations_purge()
