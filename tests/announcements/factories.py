import factory

from announcements.models import Announcement


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    title = factory.Sequence(lambda n: f"Thông báo số {n}")
    body = "Đề nghị các hộ gia đình tham gia đầy đủ."
    kind = Announcement.Kind.GENERAL
    channels = factory.LazyFunction(lambda: ["web", "sms"])
