"""Loudspeaker clusters: scheduling announcements on them, their audio, playlist and reports."""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from announcements import tts
from announcements.models import Announcement, SpeakerCluster, SpeakerItem, hash_key


def cluster_create(*, village: Any, name: str, lanes: Any) -> tuple[SpeakerCluster, str]:
    """A new cluster and its key; only the key's hash is stored, the key is shown once."""
    if not name.strip():
        raise ValidationError(_("Give the cluster a name."))
    key = secrets.token_urlsafe(32)
    cluster = SpeakerCluster.objects.create(
        village=village, name=name.strip(), key_hash=hash_key(key)
    )
    cluster.lanes.set([lane for lane in lanes if lane.village_id == village.pk])
    return cluster, key


def cluster_by_key(key: str) -> SpeakerCluster | None:
    if not key:
        return None
    return SpeakerCluster.objects.filter(key_hash=hash_key(key)).first()


def clusters_for(announcement: Announcement) -> list[SpeakerCluster]:
    clusters = SpeakerCluster.objects.filter(village=announcement.village).prefetch_related("lanes")
    if announcement.audience == Announcement.Audience.LANES:
        wanted = set(announcement.lanes.values_list("pk", flat=True))
        return [c for c in clusters if wanted & {lane.pk for lane in c.lanes.all()}]
    if announcement.audience == Announcement.Audience.HOUSEHOLD:
        lane_id = announcement.household.lane_id if announcement.household else None
        return [c for c in clusters if lane_id in {lane.pk for lane in c.lanes.all()}]
    return list(clusters)


def items_schedule(*, announcement: Announcement) -> int:
    """Put the announcement on the playlists of the clusters covering its audience."""
    from announcements.tasks import speaker_items_render_task

    at = announcement.sent_at or timezone.now()
    made = 0
    for cluster in clusters_for(announcement):
        _item, created = SpeakerItem.objects.get_or_create(
            cluster=cluster, announcement=announcement, defaults={"play_at": at}
        )
        made += created
    transaction.on_commit(lambda: speaker_items_render_task.delay(announcement.pk))
    return made


def speech_text(announcement: Announcement) -> str:
    text = f"{announcement.get_kind_display()}. {announcement.title}. {announcement.body}"
    if announcement.event_at:
        when = timezone.localtime(announcement.event_at).strftime("%Hh%M ngày %d/%m/%Y")
        text += f". Thời gian: {when}"
    if announcement.event_place:
        text += f". Địa điểm: {announcement.event_place}"
    return text


def items_render(*, announcement_id: int) -> int:
    """Synthesise the audio once per announcement and attach it to each cluster's item."""
    items = list(SpeakerItem.objects.filter(announcement_id=announcement_id, audio=""))
    if not items:
        return 0
    try:
        audio = tts.synthesize(speech_text(items[0].announcement))
    except tts.EngineUnavailable:
        return 0
    for item in items:
        item.audio.save(f"announcement-{announcement_id}.wav", ContentFile(audio), save=True)
    return len(items)


def playlist(*, cluster: SpeakerCluster) -> list[SpeakerItem]:
    """What the cluster still has to play: due, not played, not withdrawn, and not expired (an
    alert past its expiry is never read out, whether or not it was played)."""
    now = timezone.now()
    return list(
        cluster.items.filter(played_at__isnull=True, play_at__lte=now)
        .exclude(announcement__status=Announcement.Status.WITHDRAWN)
        .exclude(announcement__cap_expires__lte=now)
        .select_related("announcement")
    )


def item_played(*, cluster: SpeakerCluster, item_id: Any) -> SpeakerItem:
    try:
        item = cluster.items.get(pk=int(item_id))
    except (SpeakerItem.DoesNotExist, ValueError, TypeError) as exc:
        raise ValidationError("unknown item") from exc
    if item.played_at is None:
        item.played_at = timezone.now()
        item.save(update_fields=["played_at"])
    return item


def heartbeat(*, cluster: SpeakerCluster) -> None:
    SpeakerCluster.objects.filter(pk=cluster.pk).update(last_heartbeat_at=timezone.now())
