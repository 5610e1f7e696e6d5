import factory

from cameras import addresses
from cameras.models import Camera, CameraState
from tests.factories import VillageFactory


class CameraFactory(factory.django.DjangoModelFactory):
    """A camera written directly (no network check): tests of the service go through it."""

    class Meta:
        model = Camera
        skip_postgeneration_save = True

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Camera {n}")
    kind = Camera.Kind.PUBLIC
    stream_url = factory.Sequence(lambda n: f"rtsp://10.20.0.{n % 250 + 1}:{554 + n}/stream1")
    address_key = factory.LazyAttribute(
        lambda o: addresses.parse(o.stream_url, schemes=addresses.STREAM_SCHEMES)[0].key
    )

    @factory.post_generation
    def with_state(obj, create, extracted, **kwargs):
        if create:
            CameraState.objects.get_or_create(camera=obj, defaults=extracted or {})
