import pytest

from tests.cameras.fakes import FakeCamera

TEST_KEY = "x9dGZ0t6VjJbQ2yH8uN4pR1sW7eA3fK5mL0cB6jT2qE="


@pytest.fixture(autouse=True)
def _loopback_allowed(settings) -> None:
    """The fake cameras live on loopback, which only an explicit entry allows."""
    settings.CAMERA_NETWORKS = ["127.0.0.0/8", "10.20.0.0/16"]
    settings.CAMERA_PROBE_TIMEOUT = 1.5
    settings.CAMERA_PROBE_SLOW_MS = 1000
    # Tests run with DEBUG off, where a key must be given (no derived development key).
    settings.CAMERA_CREDENTIALS_KEY = TEST_KEY


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
