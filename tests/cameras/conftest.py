import pytest

from tests.cameras.fakes import FakeCamera


@pytest.fixture(autouse=True)
def _loopback_allowed(settings) -> None:
    """The fake cameras live on loopback, which only an explicit entry allows."""
    settings.CAMERA_NETWORKS = ["127.0.0.0/8", "10.20.0.0/16"]
    settings.CAMERA_PROBE_TIMEOUT = 1.5
    settings.CAMERA_PROBE_SLOW_MS = 1000


@pytest.fixture
def fake_camera():
    started: list[FakeCamera] = []

    def make(**options) -> FakeCamera:
        camera = FakeCamera(**options).start()
        started.append(camera)
        return camera

    yield make
    for camera in started:
        camera.stop()
