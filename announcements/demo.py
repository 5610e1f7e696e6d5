"""Demo announcements: each kind, deliveries in every state, two loudspeaker clusters,
groups, and preferences for some residents. Idempotent: a village that has announcements
is left as it is."""

import random
from datetime import time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from announcements import services, speakers
from announcements.models import (
    Announcement,
    Delivery,
    Group,
    Preference,
    Sighting,
    SpeakerCluster,
    SpeakerItem,
)
from households.models import Resident

DEMO = [
    (
        Announcement.Kind.MEETING,
        "Họp thôn tổng kết năm",
        "Kính mời đại diện các hộ gia đình dự họp tổng kết năm 2026 và bàn kế hoạch năm mới.",
    ),
    (
        Announcement.Kind.AGRICULTURE,
        "Lịch phun thuốc trừ sâu vụ Đông",
        "Từ 6h00 ngày 25/11 phun thuốc trừ sâu khu đồng Bãi Dưới; bà con không thả trâu bò.",
    ),
    (
        Announcement.Kind.HEALTH,
        "Tiêm chủng mở rộng tháng 12",
        "Trạm y tế xã tiêm chủng cho trẻ dưới 5 tuổi từ 8h00 đến 11h00 tại nhà văn hóa thôn.",
    ),
    (
        Announcement.Kind.SECURITY,
        "Cảnh giác lừa đảo qua điện thoại",
        "Không cung cấp mã OTP, số CCCD cho người lạ gọi điện tự xưng công an, ngân hàng.",
    ),
    (
        Announcement.Kind.GENERAL,
        "Thu gom rác thải cồng kềnh",
        "Thứ Bảy này thu gom rác thải cồng kềnh tại đầu các ngõ từ 7h00.",
    ),
    (
        Announcement.Kind.EMERGENCY,
        "Cảnh báo mưa lớn, nguy cơ ngập úng",
        "Mưa lớn 150 mm trong 24 giờ tới; các hộ vùng trũng chủ động kê cao tài sản.",
    ),
]


def seed(villages: list[Any], stdout: Any) -> None:
    village = villages[0]
    if Announcement.objects.filter(village=village).exists():
        stdout.write("  announcements: already seeded")
        return
    rng = random.Random(6)
    with transaction.atomic():
        residents = list(Resident.objects.current().filter(household__village=village)[:400])
        for resident in residents:
            if not resident.phone and rng.random() < 0.7:
                resident.phone = f"+849{rng.randrange(10**7, 10**8)}"
                resident.save(update_fields=["phone"])
        for resident in residents[:12]:
            Preference.objects.get_or_create(
                resident=resident,
                defaults={
                    "zalo": rng.random() < 0.5,
                    "quiet_from": time(21, 30),
                    "quiet_until": time(6, 0),
                },
            )
        union = Group.objects.get_or_create(
            village=village, name="Hội Phụ nữ thôn", defaults={"kind": Group.Kind.WOMENS_UNION}
        )[0]
        union.members.set([r for r in residents if r.gender == "female"][:40])
        Group.objects.get_or_create(
            village=village, name="Hộ kinh doanh", defaults={"kind": Group.Kind.BUSINESS}
        )
        Group.objects.get_or_create(
            village=village,
            name="Tổ công nghệ số cộng đồng",
            defaults={"kind": Group.Kind.DIGITAL_TEAM},
        )
        lanes = list(village.lanes.alive())
        for index, name in enumerate(["Cụm loa Nhà văn hóa", "Cụm loa Xóm Bắc"]):
            if not SpeakerCluster.objects.filter(village=village, name=name).exists():
                cluster, _key = speakers.cluster_create(
                    village=village, name=name, lanes=lanes[index::2]
                )
                if index == 0:
                    SpeakerCluster.objects.filter(pk=cluster.pk).update(
                        last_heartbeat_at=timezone.now()
                    )
        now = timezone.now()
        for kind, title, body in DEMO:
            announcement = Announcement.objects.create(
                village=village,
                title=title,
                body=body,
                kind=kind,
                channels=["web", "sms", "zalo"],
                loudspeakers=kind in (Announcement.Kind.EMERGENCY, Announcement.Kind.AGRICULTURE),
                ask_acknowledgement=kind == Announcement.Kind.MEETING,
                event_at=now + timedelta(days=5) if kind == Announcement.Kind.MEETING else None,
                event_place="Nhà văn hóa thôn" if kind == Announcement.Kind.MEETING else "",
                cap_urgency="Immediate" if kind == Announcement.Kind.EMERGENCY else "",
                cap_severity="Severe" if kind == Announcement.Kind.EMERGENCY else "",
                cap_area=village.name if kind == Announcement.Kind.EMERGENCY else "",
            )
            # The demo writes the outbox as a send would, without gateways configured.
            Announcement.objects.filter(pk=announcement.pk).update(
                status=Announcement.Status.SENT, sent_at=now
            )
            announcement.refresh_from_db()
            services.deliveries_create(
                announcement=announcement,
                residents=services.announcement_residents(announcement),
                channels=announcement.channels,
            )
            Announcement.objects.filter(pk=announcement.pk).update(
                recipients_count=services.announcement_residents(announcement).count()
            )
            if announcement.loudspeakers:
                speakers.items_schedule(announcement=announcement)
        states = [
            (Delivery.Status.DELIVERED, ""),
            (Delivery.Status.DELIVERED, ""),
            (Delivery.Status.SENT, ""),
            (Delivery.Status.READ, ""),
            (Delivery.Status.FAILED, "invalid phone number"),
            (Delivery.Status.FAILED, "eSMS error 503 (after 5 attempts)"),
            (Delivery.Status.QUEUED, ""),
            (Delivery.Status.SENDING, ""),
            (
                Delivery.Status.UNKNOWN,
                "maybe sent: the provider cannot say; check before sending again",
            ),
        ]
        rows = list(Delivery.objects.filter(announcement__village=village))
        for row in rows:
            row.status, row.reason = rng.choice(states)
            if row.status == Delivery.Status.SENDING:
                row.attempts = 1
                row.next_attempt_at = now + timedelta(minutes=10)
            elif row.status == Delivery.Status.UNKNOWN:
                row.attempts = 1
            elif row.status != Delivery.Status.QUEUED:
                row.attempts = 1
                row.sent_at = now
            if row.status in (Delivery.Status.DELIVERED, Delivery.Status.READ):
                row.delivered_at = now
            if row.status == Delivery.Status.READ:
                row.read_at = now
        Delivery.objects.bulk_update(
            rows,
            [
                "status",
                "reason",
                "attempts",
                "sent_at",
                "delivered_at",
                "read_at",
                "next_attempt_at",
            ],
            1000,
        )
        # A lane notice as a head sends one with SMS and Zalo off: the web page and the
        # loudspeakers of the lane carry it, and its reach page shows them.
        lane = lanes[0] if lanes else None
        if lane is not None:
            notice = Announcement.objects.create(
                village=village,
                title=f"Tạm ngừng cấp nước {lane.name} sáng thứ Bảy",
                body="Sửa đường ống từ 7h00 đến 11h00; đề nghị các hộ dự trữ nước.",
                kind=Announcement.Kind.GENERAL,
                audience=Announcement.Audience.LANES,
                channels=["web"],
                loudspeakers=True,
                status=Announcement.Status.SENT,
                sent_at=now,
            )
            notice.lanes.set([lane])
            services.deliveries_create(
                announcement=notice,
                residents=services.announcement_residents(notice),
                channels=["web"],
            )
            Announcement.objects.filter(pk=notice.pk).update(
                recipients_count=services.announcement_residents(notice).count()
            )
            speakers.items_schedule(announcement=notice)
            for resident in services.announcement_residents(notice).filter(account__isnull=False)[
                :5
            ]:
                services.sighting_record(
                    announcement=notice, resident=resident, via=Sighting.Via.PAGE
                )
        # The cluster that reports in has played what it was given.
        SpeakerItem.objects.filter(
            cluster__village=village, cluster__name="Cụm loa Nhà văn hóa"
        ).update(played_at=now)
        draft = Announcement.objects.create(
            village=village,
            title="Dự thảo: lịch trực phòng chống bão",
            body="Phân công trực bão cho các tổ tự quản.",
            kind=Announcement.Kind.SECURITY,
            channels=["web"],
            status=Announcement.Status.PENDING_APPROVAL,
        )
        del draft
    stdout.write(
        f"  announcements: {len(DEMO)} sent, {len(rows)} deliveries, 2 loudspeaker clusters"
    )
