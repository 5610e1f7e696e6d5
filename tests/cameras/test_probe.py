"""The real probe against small cameras on loopback."""

import pytest

from cameras import addresses, probe
from cameras.crypto import Credentials
from tests.cameras.fakes import refused_port


def _target(
    url: str, camera_id: int = 1, credentials: Credentials = probe.NO_CREDENTIALS
) -> probe.Target:
    schemes = addresses.WEB_SCHEMES if url.startswith("http") else addresses.STREAM_SCHEMES
    address, _c = addresses.parse(url, schemes=schemes)
    return probe.Target(camera_id, address, credentials)


def _one(url: str, **options) -> probe.Result:
    credentials = options.pop("credentials", Credentials())
    [result] = probe.run([_target(url, credentials=credentials)], **options)
    return result


def test_a_camera_that_answers_options_is_online(fake_camera) -> None:
    camera = fake_camera()
    result = _one(camera.rtsp_url)
    assert result.ok and not result.degraded and result.error == ""
    assert result.latency_ms is not None
    request = camera.requests[0].decode()
    assert request.startswith(f"OPTIONS rtsp://127.0.0.1:{camera.port}/stream1 RTSP/1.0\r\n")
    assert "CSeq: 1" in request
    assert "Authorization" not in request


def test_the_stored_credentials_go_with_the_request(fake_camera) -> None:
    camera = fake_camera(credentials=("admin", "bí-mật"))
    assert _one(camera.rtsp_url, credentials=Credentials("admin", "bí-mật")).degraded is False
    wrong = _one(camera.rtsp_url, credentials=Credentials("admin", "sai"))
    assert wrong.ok and wrong.degraded and wrong.error == "credentials"


def test_a_slow_camera_is_degraded(fake_camera) -> None:
    camera = fake_camera(mode="slow", delay=0.4)
    result = _one(camera.rtsp_url, slow_ms=100, timeout=3)
    assert result.ok and result.degraded and result.error == "slow"


def test_a_camera_that_accepts_and_hangs_times_out(fake_camera) -> None:
    camera = fake_camera(mode="hang")
    result = _one(camera.rtsp_url, timeout=0.5)
    assert not result.ok and result.error == "timeout"
    assert len(camera.requests) == 1  # it did connect and ask


def test_a_refused_port_fails_at_once() -> None:
    result = _one(f"rtsp://127.0.0.1:{refused_port()}/stream1")
    assert not result.ok and result.error == "refused"


def test_something_that_is_not_a_camera_fails(fake_camera) -> None:
    camera = fake_camera(mode="garbage")
    result = _one(camera.rtsp_url)
    assert not result.ok and result.error == "not_a_camera"


def test_a_snapshot_address_is_fetched_instead(fake_camera) -> None:
    camera = fake_camera(protocol="http")
    result = _one(camera.snapshot_url)
    assert result.ok and not result.degraded
    assert camera.requests[0].startswith(b"GET /snapshot.jpg HTTP/1.1\r\n")


def test_a_refused_network_is_never_contacted(fake_camera, settings) -> None:
    camera = fake_camera()
    settings.CAMERA_NETWORKS = ["10.20.0.0/16"]
    result = _one(camera.rtsp_url)
    assert not result.ok and result.error == "refused_network"
    assert camera.requests == []
    result = _one(f"http://localhost:{camera.port}/snapshot.jpg")
    assert result.error == "refused_network" and camera.requests == []


def test_concurrency_is_bounded(fake_camera) -> None:
    camera = fake_camera(mode="hang")
    targets = [_target(camera.rtsp_url, camera_id=i) for i in range(12)]
    stats: dict[str, int] = {}
    results = probe.run(targets, concurrency=3, timeout=0.3, stats=stats)
    assert len(results) == 12
    assert {r.camera_id for r in results} == set(range(12))
    assert all(r.error == "timeout" for r in results)
    assert stats["peak"] == 3
    assert len(camera.requests) == 12
    # The camera saw the connections come a few at a time, never all twelve together.
    assert camera.max_active < 12


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"RTSP/1.0 200 OK\r\n", 200),
        (b"RTSP/1.0 401 Unauthorized\r\n", 401),
        (b"HTTP/1.1 200 OK\r\n", None),
        (b"RTSP/1.0 2000 OK\r\n", None),
        (b"\r\n", None),
    ],
)
def test_the_status_line_is_parsed_strictly(line: bytes, expected: int | None) -> None:
    assert probe.parse_status(line, "rtsp") == expected
