"""Demo data: the model village's signs (two per lane, door plates) and a heritage site."""

import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from households.models import Village
from qrsigns import services
from qrsigns.models import HeritageSite, Sign

SITE_NAME = "Đình làng Đông Phú"
SITE = {
    "summary": "Ngôi đình thờ Thành hoàng làng, nơi sinh hoạt cộng đồng của thôn.",
    "history": (
        "Đình được dựng vào cuối thế kỷ XIX bằng gỗ lim, mái lợp ngói mũi hài. "
        "Năm 1947 đình là nơi họp của Ủy ban kháng chiến xã.\n\n"
        "Năm 2012 nhân dân trong thôn góp công, góp của tu bổ lại toàn bộ mái và hệ cột. "
        "Hằng năm vào ngày 10 tháng Giêng âm lịch, thôn tổ chức lễ hội cầu an tại đình."
    ),
    "visiting_info": (
        "Mở cửa: 7:00 - 17:00 hằng ngày; ngày rằm và mùng một âm lịch mở đến 21:00.\n"
        "Vào cửa miễn phí. Xin ăn mặc lịch sự, không hút thuốc trong khuôn viên đình."
    ),
    "address": "Đầu Xóm Chùa, cạnh nhà văn hóa thôn",
    "latitude": Decimal("18.2461000"),
    "longitude": Decimal("106.0019000"),
    "is_published": True,
}


def _photo() -> SimpleUploadedFile:
    """A drawn placeholder photo (the demo ships no real pictures)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (181, 140, 84))
    draw = ImageDraw.Draw(image)
    draw.polygon([(80, 300), (480, 90), (880, 300)], fill=(120, 40, 30))
    draw.rectangle((160, 300, 800, 560), fill=(214, 190, 150))
    for x in range(200, 780, 120):
        draw.rectangle((x, 330, x + 40, 560), fill=(110, 70, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile("dinh.jpg", out.getvalue(), content_type="image/jpeg")


def seed(villages: list[Village], stdout: Any) -> None:
    village = villages[0]
    site = HeritageSite.objects.filter(village=village, name=SITE_NAME).first()
    if site is None:
        site = services.heritage_site_save(village=village, by=None, name=SITE_NAME, **SITE)
        services.heritage_image_add(
            site=site, by=None, upload=_photo(), alt_text="Mặt tiền đình làng với mái ngói đỏ"
        )
    created = services.signs_ensure(village=village, by=None, door_plates=True)
    # A sign at the village's entrance that opens the "report a problem here" form.
    if not Sign.objects.filter(village=village, kind=Sign.Kind.VILLAGE).exists():
        sign = services.sign_create(
            village=village,
            kind=Sign.Kind.VILLAGE,
            by=None,
            label="Cổng thôn",
            latitude=Decimal("18.2458000"),
            longitude=Decimal("106.0015000"),
        )
        services.sign_retarget(sign=sign, by=None, target=Sign.Target.REPORT)
        created += 1
    stdout.write(f"QR signs: {created} created in {village.name}; heritage site “{site.name}”.")
    # The second village has put up its lane signs too; the third has not started.
    if len(villages) > 1:
        more = services.signs_ensure(village=villages[1], by=None, door_plates=False)
        stdout.write(f"QR signs: {more} created in {villages[1].name}.")
