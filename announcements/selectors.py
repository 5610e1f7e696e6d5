"""Reads of the announcements app that depend on who asks, and the reach figures."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from announcements.gateways import channel_configured
from announcements.models import (
    CHANNEL_ORDER,
    Acknowledgement,
    Announcement,
    Channel,
    Delivery,
    Sighting,
    SpeakerCluster,
    SpeakerItem,
)
from households.models import Household, Resident

REACHED = [Delivery.Status.SENT, Delivery.Status.DELIVERED, Delivery.Status.READ]


def announcements_for_staff(*, user: Any, village: Any) -> QuerySet[Announcement]:
    return (
        Announcement.objects.visible_to(user)
        .filter(village=village, reminder_of__isnull=True)
        .select_related("created_by")
    )


def not_expired(now: Any = None) -> Q:
    """An announcement with no expiry, or one still in force: read at query time, so an expired
    alert leaves every list by itself."""
    return Q(cap_expires__isnull=True) | Q(cap_expires__gt=now or timezone.now())


def public_announcements(*, village: Any = None, village_id: Any = None) -> QuerySet[Announcement]:
    return (
        Announcement.objects.filter(
            village_id=village_id if village is None else village.pk,
            is_public=True,
            status=Announcement.Status.SENT,
            kind__in=Announcement.PUBLIC_KINDS,
            reminder_of__isnull=True,
        )
        .filter(not_expired())
        .order_by("-sent_at", "-pk")
    )


def current_cap_alerts(*, village: Any) -> QuerySet[Announcement]:
    """The village's CAP alerts in force: public by the same rule as the Atom feed, of an
    urgent kind, not expired, and not superseded by a later correction or withdrawal notice
    (which is in the list itself, as an Update or a Cancel)."""
    return (
        public_announcements(village=village)
        .filter(kind__in=Announcement.CAP_KINDS, corrections__isnull=True)
        .select_related("village__commune__province", "corrects")
    )


def cap_alert(*, code: str) -> Announcement | None:
    """One CAP alert by its public code, under the Atom feed's rule (public, sent or withdrawn,
    of an urgent kind). An expired one stays readable here: later messages reference it."""
    return (
        Announcement.objects.filter(
            public_code=code,
            is_public=True,
            status__in=[Announcement.Status.SENT, Announcement.Status.WITHDRAWN],
            kind__in=Announcement.CAP_KINDS,
            reminder_of__isnull=True,
        )
        .select_related("village__commune__province", "corrects")
        .first()
    )


def lane_public_announcements(*, lane: Any) -> QuerySet[Announcement]:
    """The public announcements a lane's page shows: those sent to the lane, and those sent
    to the whole village; never another lane's."""
    return public_announcements(village_id=lane.village_id).filter(
        Q(audience=Announcement.Audience.VILLAGE)
        | Q(audience=Announcement.Audience.LANES, lanes=lane)
    )


# Reach across every channel ----------------------------------------------------------------

# The ways an announcement can reach someone, in the order the reach page lists them. Web
# counts only what proves a person saw it (their feed or the page opened while signed in);
# a message merely put in the feed is "waiting".
LANE_WEB = "web"
LANE_PUSH = "push"
LANE_SPEAKERS = "loudspeakers"
LANE_ANSWERS = "answers"
LANE_LABELS = {
    LANE_WEB: _("Web page and feed (signed in)"),
    LANE_PUSH: _("Live push received"),
    Channel.PUSH.value: _("Push notification"),
    Channel.EMAIL.value: _("E-mail"),
    Channel.SMS.value: _("SMS"),
    Channel.ZALO.value: _("Zalo"),
    LANE_SPEAKERS: _("Loudspeakers"),
    LANE_ANSWERS: _("Answers (attend or not)"),
}


def reach_lanes() -> list[str]:
    lanes: list[str] = []
    for channel in CHANNEL_ORDER:
        lanes += [LANE_WEB, LANE_PUSH] if channel == Channel.WEB else [channel.value]
    return [*lanes, LANE_SPEAKERS, LANE_ANSWERS]


@dataclass
class HouseholdReach:
    pk: int
    house_number: str
    lane: str
    head: str
    people: int
    lanes: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [str(LANE_LABELS[lane]) for lane in self.lanes]


def _lane_state(announcement: Announcement, lane: str) -> str:
    """Whether a way was used: "used", "not_chosen" or "off" (chosen, but not configured)."""
    if lane in (LANE_WEB, LANE_PUSH):
        used = Channel.WEB in announcement.channels or announcement.is_public
        return "used" if used else "not_chosen"
    if lane == LANE_SPEAKERS:
        return "used" if announcement.loudspeakers else "not_chosen"
    if lane == LANE_ANSWERS:
        return "used" if announcement.ask_acknowledgement else "not_chosen"
    if lane not in announcement.channels:
        return "not_chosen"
    return "used" if channel_configured(lane) else "off"


def _speaker_status(announcement: Announcement) -> list[dict[str, Any]]:
    now = timezone.now()
    items = SpeakerItem.objects.filter(announcement=announcement).select_related("cluster")
    clusters = {
        c.pk: c
        for c in SpeakerCluster.objects.filter(pk__in=items.values("cluster_id")).prefetch_related(
            "lanes"
        )
    }
    return [
        {
            "cluster": item.cluster.name,
            "lanes": [lane.name for lane in clusters[item.cluster_id].lanes.all()],
            "lane_ids": [lane.pk for lane in clusters[item.cluster_id].lanes.all()],
            "audio_ready": bool(item.audio),
            "play_at": item.play_at,
            "played_at": item.played_at,
            "silent": clusters[item.cluster_id].is_silent(now),
        }
        for item in items.order_by("cluster__name")
    ]


def reach(*, announcement: Announcement) -> dict[str, Any]:
    """Who the announcement reached, by every way it can reach a person and by household.

    A household counts as reached when any of its members was: a message that a channel
    proves (sent, delivered, read), the page or their feed opened while signed in, a live
    push their open page received, an answer, or a loudspeaker cluster covering its lane
    that played the announcement.
    """
    from announcements.services import announcement_residents

    audience = announcement_residents(announcement)
    head = Resident.objects.current().filter(household=OuterRef("pk"), is_head=True)
    sizes = dict(
        audience.values("household_id").annotate(n=Count("pk")).values_list("household_id", "n")
    )
    households: dict[int, HouseholdReach] = {}
    lane_of: dict[int, int] = {}
    for row in (
        Household.objects.filter(pk__in=list(sizes))
        .annotate(head=Subquery(head.values("full_name")[:1]))
        .order_by("lane__sort_order", "lane__name", "house_number_key", "pk")
        .values("pk", "house_number", "lane__name", "lane_id", "head")
    ):
        households[row["pk"]] = HouseholdReach(
            pk=row["pk"],
            house_number=row["house_number"],
            lane=row["lane__name"] or "",
            head=row["head"] or "",
            people=sizes[row["pk"]],
        )
        lane_of[row["pk"]] = row["lane_id"]
    people: dict[str, set[int]] = defaultdict(set)
    homes: dict[str, set[int]] = defaultdict(set)

    def mark(lane: str, resident_id: int | None, household_id: int | None) -> None:
        if resident_id is not None:
            people[lane].add(resident_id)
        if household_id is not None:
            homes[lane].add(household_id)

    rows = Delivery.objects.filter(announcement=announcement)
    for resident_id, household_id, channel, status in rows.filter(status__in=REACHED).values_list(
        "resident_id", "household_id", "channel", "status"
    ):
        if channel == Channel.WEB:
            if status == Delivery.Status.READ:
                mark(LANE_WEB, resident_id, household_id)
        else:
            mark(channel, resident_id, household_id)
    for resident_id, household_id, via in Sighting.objects.filter(
        announcement=announcement
    ).values_list("resident_id", "household_id", "via"):
        mark(LANE_PUSH if via == Sighting.Via.PUSH else LANE_WEB, resident_id, household_id)
    for resident_id, household_id in Acknowledgement.objects.filter(
        announcement=announcement
    ).values_list("resident_id", "resident__household_id"):
        mark(LANE_ANSWERS, resident_id, household_id)
    speakers = _speaker_status(announcement)
    played_lanes = {
        lane_id for item in speakers if item["played_at"] for lane_id in item["lane_ids"]
    }
    for household_id, lane_id in lane_of.items():
        if lane_id in played_lanes:
            mark(LANE_SPEAKERS, None, household_id)
    heard = set(audience.filter(household_id__in=homes[LANE_SPEAKERS]).values_list("pk", flat=True))

    for lane in reach_lanes():
        for household_id in homes[lane]:
            if household_id in households:
                households[household_id].lanes.append(lane)
    reached_people: set[int] = set().union(*people.values()) if people else set()
    by_channel = {
        row["channel"]: row
        for row in rows.values("channel").annotate(
            total=Count("pk"),
            queued=Count("pk", filter=Q(status=Delivery.Status.QUEUED)),
            sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
            delivered=Count("pk", filter=Q(status=Delivery.Status.DELIVERED)),
            read=Count("pk", filter=Q(status=Delivery.Status.READ)),
            failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
            # Zalo's two ways: an OA message ("oa:<id>") or a ZNS (its msg_id).
            via_oa=Count("pk", filter=Q(gateway_ref__startswith="oa:")),
            via_zns=Count(
                "pk",
                filter=Q(channel=Channel.ZALO)
                & ~Q(gateway_ref="")
                & ~Q(gateway_ref__startswith="oa:"),
            ),
        )
    }
    lanes = [
        {
            "key": lane,
            "label": LANE_LABELS[lane],
            "state": _lane_state(announcement, lane),
            "people": len(heard) if lane == LANE_SPEAKERS else len(people[lane]),
            "households": len(homes[lane] & set(households)),
            "messages": by_channel.get(LANE_WEB if lane == LANE_PUSH else lane),
        }
        for lane in reach_lanes()
    ]
    in_households = list(households.values())
    not_reached = [h for h in in_households if not h.lanes]
    acks = dict(
        Acknowledgement.objects.filter(announcement=announcement)
        .values_list("answer")
        .annotate(n=Count("pk"))
    )
    totals = rows.aggregate(
        total=Count("pk"),
        queued=Count("pk", filter=Q(status=Delivery.Status.QUEUED)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
    )
    totals["sent"] = totals["total"] - totals["queued"] - totals["failed"]
    reached_homes = len(in_households) - len(not_reached)
    return {
        "totals": totals,
        "audience_households": len(in_households),
        "audience_people": sum(sizes.values()),
        "reached_households": reached_homes,
        "reached_people": len(reached_people | heard),
        "lanes": lanes,
        "households": in_households,
        "not_reached": not_reached,
        "speakers": speakers,
        "by_channel": by_channel,
        "acknowledgements": acks,
        "failures": rows.filter(status=Delivery.Status.FAILED)
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by("-n")[:10],
    }


def my_announcements(*, resident: Resident | None) -> QuerySet[Announcement]:
    if resident is None:
        return Announcement.objects.none()
    return (
        Announcement.objects.filter(
            Q(deliveries__resident=resident)
            | Q(
                village_id=resident.household.village_id,
                is_public=True,
                status=Announcement.Status.SENT,
                reminder_of__isnull=True,
            ),
            status__in=[Announcement.Status.SENT, Announcement.Status.WITHDRAWN],
        )
        .distinct()
        .order_by("-sent_at", "-pk")
    )


# Messages whose fate is unknown ------------------------------------------------------------------


def masked_address(address: str) -> str:
    """A phone number or e-mail address with only its last three characters shown."""
    tail = address.strip()[-3:]
    return f"***{tail}" if tail else "—"


def unknown_deliveries(
    *, user: Any, village: Any, announcement_id: int | None = None
) -> QuerySet[Delivery]:
    """The village's messages that may or may not have been sent, oldest first."""
    rows = (
        Delivery.objects.visible_to(user)
        .filter(announcement__village=village, status=Delivery.Status.UNKNOWN)
        .select_related("announcement", "resident__household__lane")
        .order_by("first_tried_at", "pk")
    )
    if announcement_id is not None:
        rows = rows.filter(announcement_id=announcement_id)
    return rows


def unknown_count(*, village: Any, announcement: Any = None) -> int:
    rows = Delivery.objects.filter(announcement__village=village, status=Delivery.Status.UNKNOWN)
    if announcement is not None:
        rows = rows.filter(announcement=announcement)
    return rows.count()


def share_counts(*, announcement: Announcement) -> dict[str, int]:
    """How often staff shared the announcement to Zalo, and how often its shared link was
    opened."""
    return {
        "shares": announcement.shares.count(),
        "landings": announcement.share_landings.count(),
    }
