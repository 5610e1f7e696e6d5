"""Demo feedback: the usual categories and a few dozen reports in every state.

Some are past their deadline, some rated; run twice, it adds nothing the second time.
"""

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from feedback import services
from feedback.models import Category, Report, ResponseTemplate, Status
from households.models import Household, Lane

PROBLEMS = {
    "electricity": [
        "Mất điện cả xóm từ 6 giờ sáng",
        "Dây điện võng thấp qua đường, nguy hiểm cho xe tải",
        "Cột điện bị nghiêng sau mưa bão",
    ],
    "water": [
        "Nước máy đục, có mùi lạ",
        "Vỡ ống nước trước nhà văn hóa",
        "Mương thoát nước bị tắc, nước tràn vào ngõ",
    ],
    "roads": [
        "Đèn đường ở đầu ngõ không sáng ba hôm nay",
        "Ổ gà lớn giữa đường, xe máy dễ ngã",
        "Cây đổ chắn một nửa lối đi",
    ],
    "security": [
        "Có nhóm thanh niên tụ tập gây ồn sau 23 giờ",
        "Xe lạ đỗ nhiều ngày không rõ chủ",
    ],
    "environment": [
        "Rác thải đổ trộm ở bãi đất trống cuối xóm",
        "Xe thu gom rác không đến hai tuần nay",
        "Đốt rơm rạ gây khói cả khu dân cư",
    ],
    "other": ["Loa phát thanh của thôn bị rè", "Biển tên ngõ bị mất"],
}
NAMES = ["Nguyễn Thị Hoa", "Trần Văn Dũng", "Lê Thị Thu", "Phạm Văn Long", "Hoàng Thị Mai"]
# (status, how many, days ago when sent)
PLAN = [
    (Status.NEW, 5, (0, 1)),
    (Status.NEW, 3, (3, 6)),  # overdue: never acknowledged
    (Status.ACKNOWLEDGED, 4, (1, 4)),
    (Status.IN_PROGRESS, 4, (2, 8)),
    (Status.RESOLVED, 10, (1, 40)),
    (Status.CLOSED, 3, (5, 30)),
    (Status.FORWARDED, 3, (3, 20)),
    (Status.DUPLICATE, 2, (1, 10)),
]
BODIES = ["Điện lực Cẩm Xuyên", "Công an xã", "UBND xã"]


def _handler(village: Any) -> Any:
    membership = (
        Membership.objects.filter(village=village, role=Role.VILLAGE_HEAD)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


@transaction.atomic
def _seed_village(village: Any, rng: random.Random, *, max_ack_hours: float = 30) -> int:
    """A village's reports; ``max_ack_hours`` is how slowly its staff acknowledge them."""
    services.categories_ensure_defaults(village=village)
    if Report.objects.filter(village=village).exists():
        return 0
    categories = {c.code: c for c in Category.objects.filter(village=village)}
    water = categories.get("water")
    meter = None
    if water is not None and not water.questions:
        meter = services.question_add(category=water, label="Số đồng hồ nước (nếu có)")["key"]
    lanes = list(Lane.objects.alive().filter(village=village))
    # Reports are placed by the houses of their lane, so that the board's map has pins.
    homes: dict[Any, list[tuple[Any, Any]]] = {}
    for lane_id, lat, lng in (
        Household.objects.alive()
        .filter(village=village, latitude__isnull=False, longitude__isnull=False)
        .values_list("lane_id", "latitude", "longitude")[:2000]
    ):
        homes.setdefault(lane_id, []).append((lat, lng))
    head = _handler(village)
    ResponseTemplate.objects.get_or_create(
        village=village,
        title="Đã tiếp nhận",
        defaults={"text": "Thôn đã nhận phản ánh và sẽ cử người kiểm tra trong ngày."},
    )
    ResponseTemplate.objects.get_or_create(
        village=village,
        title="Chuyển điện lực",
        defaults={"text": "Phản ánh đã được chuyển đến Điện lực; thôn sẽ theo dõi đến khi xong."},
    )
    now = timezone.now()
    made = 0
    originals: list[Report] = []
    for status, count, (low, high) in PLAN:
        if status == Status.NEW and low > 1 and max_ack_hours < 8:
            continue  # a prompt village leaves nothing overdue
        for _n in range(count):
            code = rng.choice(list(PROBLEMS))
            sent = now - timedelta(days=rng.uniform(low, high), hours=rng.uniform(0, 5))
            just_now = now - timedelta(minutes=rng.uniform(5, 60))
            if status == Status.NEW and max_ack_hours < 8:
                # A prompt village has acknowledged everything already due: on a weekend, a
                # holiday or late at night a report of yesterday may be due by now, so it is
                # sent within the hour instead, whatever day the demo is built on.
                ack_due, _resolve_due = services.deadlines(category=categories[code], start=sent)
                if ack_due <= now:
                    sent = just_now
            lane = rng.choice(lanes) if lanes else None
            named = rng.random() < 0.6
            latitude = longitude = None
            near = homes.get(lane.pk if lane else None) or []
            if near and rng.random() < 0.8:
                lat, lng = rng.choice(near)
                latitude = round(lat + Decimal(rng.uniform(-2, 2)) / 10_000, 7)
                longitude = round(lng + Decimal(rng.uniform(-2, 2)) / 10_000, 7)
                try:
                    services.location_check(village=village, latitude=latitude, longitude=longitude)
                except ValidationError:
                    latitude = longitude = None
            answers = {}
            if code == "water" and meter and rng.random() < 0.5:
                answers[meter] = f"DH-{rng.randint(10000, 99999)}"
            report = services.report_submit(
                village=village,
                submission=services.Submission(
                    category=categories[code],
                    description=rng.choice(PROBLEMS[code]),
                    answers=answers,
                    lane=lane,
                    latitude=latitude,
                    longitude=longitude,
                    reporter_name=rng.choice(NAMES) if named else "",
                    reporter_email=f"cudan{made}@example.com" if named else "",
                    show_name=named and rng.random() < 0.3,
                ),
                photos=[],
                now=sent,
            )
            made += 1
            if status == Status.NEW:
                continue
            ack = sent + timedelta(hours=rng.uniform(0.5, max_ack_hours))
            ack = min(ack, now)
            if status == Status.DUPLICATE and originals:
                services.report_transition(
                    report=report,
                    to_status=status,
                    by=head,
                    text="Trùng với phản ánh đã có.",
                    duplicate_of=originals[0],
                    now=ack,
                )
                continue
            report = services.report_transition(
                report=report, to_status=Status.ACKNOWLEDGED, by=head, now=ack
            )
            services.report_reply(
                report=report,
                text="Thôn đã nhận phản ánh, sẽ kiểm tra trong ngày.",
                by=head,
                now=ack,
            )
            if status == Status.ACKNOWLEDGED:
                originals.append(report)
                continue
            step = min(ack + timedelta(hours=rng.uniform(0.2, 6)), now)
            if status != Status.IN_PROGRESS:
                services.report_transition(
                    report=report,
                    to_status=Status.IN_PROGRESS,
                    by=head,
                    now=min(ack + timedelta(minutes=5), now),
                )
            else:
                services.report_transition(
                    report=report, to_status=Status.IN_PROGRESS, by=head, now=step
                )
                continue
            done = min(step + timedelta(hours=rng.uniform(0.5, 48)), now)
            extra: dict[str, Any] = {}
            text = "Đã xử lý xong, cảm ơn bà con đã phản ánh."
            if status == Status.FORWARDED:
                extra = {"forwarded_to": rng.choice(BODIES)}
                text = "Vượt thẩm quyền của thôn, đã chuyển cơ quan chức năng."
            elif status == Status.CLOSED:
                text = "Đã kiểm tra, không phát hiện sự cố."
            services.report_transition(
                report=report, to_status=status, by=head, text=text, now=done, **extra
            )
            if rng.random() < 0.6:
                services.report_rate(
                    report=report,
                    satisfied=rng.random() < (0.95 if max_ack_hours < 8 else 0.7),
                    comment=rng.choice(["", "Cảm ơn thôn", "Xử lý nhanh"]),
                    now=min(done + timedelta(hours=3), now),
                )
    return made


def seed(villages: list, stdout: Any) -> None:
    rng = random.Random(2026)
    total = 0
    # The model village answers within hours; the second nearly so, with a few reports left
    # overdue; the third is slow.
    for index, village in enumerate(villages):
        total += _seed_village(village, rng, max_ack_hours=(3, 3, 30)[min(index, 2)])
    stdout.write(f"feedback: {total} reports")
