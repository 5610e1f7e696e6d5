"""The staff pages: registering cameras, bad input, who sees addresses, viewing with a log."""

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from cameras import crypto
from cameras.models import Camera, CameraState, Status, View
from tests.cameras.factories import CameraFactory
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**values) -> dict:
    data = {
        "name": "Camera cổng làng",
        "kind": "public",
        "stream_url": "rtsp://10.20.0.11:554/Streaming/Channels/101",
        "importance": "normal",
        "enabled": "on",
    }
    data.update(values)
    return data


def test_a_security_officer_registers_a_camera_with_credentials_in_the_url(
    security_officer, world
) -> None:
    client = _client(security_officer)
    response = client.post(
        reverse("camera_create"),
        _form(
            stream_url="rtsp://admin:Bi-mat-2026@10.20.0.11:554/Streaming/Channels/101",
            lane=world.lane.pk,
            latitude="18.2461",
            longitude="106.0021",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    camera = Camera.objects.get()
    assert camera.stream_url == "rtsp://10.20.0.11/Streaming/Channels/101"
    assert "Bi-mat-2026" not in camera.credentials and camera.credentials
    assert crypto.decrypt(camera.credentials) == crypto.Credentials("admin", "Bi-mat-2026")
    assert CameraState.objects.filter(camera=camera, status=Status.UNKNOWN).exists()
    page = client.get(reverse("camera_detail", args=[camera.pk])).content.decode()
    assert "Bi-mat-2026" not in page
    assert "a••• / ••••••" in page
    assert "rtsp://10.20.0.11/Streaming/Channels/101" in page
    edit = client.get(reverse("camera_edit", args=[camera.pk])).content.decode()
    assert "Bi-mat-2026" not in edit and 'value="admin"' not in edit


def test_an_edit_with_an_empty_password_keeps_the_stored_one(security_officer, world) -> None:
    client = _client(security_officer)
    client.post(reverse("camera_create"), _form(username="admin", password="mat-khau-1"))
    camera = Camera.objects.get()
    response = client.post(
        reverse("camera_edit", args=[camera.pk]), _form(name="Camera cổng làng mới")
    )
    assert response.status_code == 302
    camera.refresh_from_db()
    assert camera.name == "Camera cổng làng mới"
    assert crypto.decrypt(camera.credentials).password == "mat-khau-1"
    client.post(reverse("camera_edit", args=[camera.pk]), _form(clear_credentials="on"))
    camera.refresh_from_db()
    assert camera.credentials == ""


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"stream_url": "10.20.0.11/stream"}, "stream_url", "scheme"),
        ({"stream_url": "ftp://10.20.0.11/stream"}, "stream_url", "ftp"),
        ({"stream_url": "rtsp://10.20.0.11:70000/"}, "stream_url", "valid address"),
        ({"stream_url": "rtsp://127.0.0.1:554/"}, "stream_url", "loopback"),
        ({"stream_url": "rtsp://169.254.169.254/"}, "stream_url", "metadata"),
        ({"stream_url": "rtsp://192.168.1.20/"}, "stream_url", "allowed camera network"),
        (
            {"snapshot_url": "http://169.254.169.254/latest/meta-data/", "stream_url": ""},
            "snapshot_url",
            "metadata",
        ),
        ({"stream_url": ""}, "stream_url", "main stream"),
        ({"kind": "household"}, "household", "owner household"),
        ({"latitude": "18.2"}, "longitude", "both"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_stored(
    security_officer, world, settings, values, field, message
) -> None:
    settings.CAMERA_NETWORKS = ["10.20.0.0/16"]
    settings.LANGUAGE_CODE = "en"
    client = _client(security_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("camera_create"), _form(**values))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field]), errors
    assert not Camera.objects.exists()


def test_a_household_camera_needs_the_households_consent(security_officer, world, settings) -> None:
    client = _client(security_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = _form(kind="household", household=world.household.pk, name="Camera nhà 5A")
    response = client.post(reverse("camera_create"), data)
    assert response.status_code == 400
    assert "consent" in " ".join(response.context["form"].errors["consent_on"])
    assert not Camera.objects.exists()
    response = client.post(reverse("camera_create"), {**data, "consent_on": "2026-11-01"})
    assert response.status_code == 302
    camera = Camera.objects.get()
    assert camera.household == world.household and camera.consent_by == security_officer


def test_a_household_of_another_village_is_not_offered(security_officer, world) -> None:
    other = HouseholdFactory(lane__village=world.other_village)
    client = _client(security_officer)
    data = _form(kind="household", household=other.pk, consent_on="2026-11-01")
    response = client.post(reverse("camera_create"), data)
    assert response.status_code == 400
    assert not Camera.objects.exists()


def test_a_duplicate_camera_is_refused(security_officer, world, settings) -> None:
    client = _client(security_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.post(reverse("camera_create"), _form()).status_code == 302
    same_name = client.post(reverse("camera_create"), _form(stream_url="rtsp://10.20.0.12/s"))
    assert "already has a camera with this name" in same_name.content.decode()
    same_address = client.post(
        reverse("camera_create"),
        _form(name="Khác", stream_url="rtsp://user:pw@10.20.0.11:554/Streaming/Channels/101"),
    )
    assert "already registered at this address" in same_address.content.decode()
    assert Camera.objects.count() == 1


def test_other_staff_see_the_status_but_never_an_address(officer, world) -> None:
    camera = CameraFactory(village=world.village, stream_url="rtsp://10.20.0.77:554/live")
    client = _client(officer)
    page = client.get(reverse("camera_detail", args=[camera.pk])).content.decode()
    assert camera.name in page
    assert "10.20.0.77" not in page
    assert client.get(reverse("camera_watch", args=[camera.pk])).status_code == 403
    listing = client.get(reverse("camera_list")).content.decode()
    assert camera.name in listing and "10.20.0.77" not in listing


def test_a_resident_and_another_village_get_nothing(resident, outsider, world) -> None:
    camera = CameraFactory(village=world.village)
    for user in (resident, outsider):
        client = _client(user)
        for name in ("camera_detail", "camera_watch", "camera_snapshot"):
            assert client.get(reverse(name, args=[camera.pk])).status_code == 404
    assert _client(resident).get(reverse("camera_list")).status_code == 403
    assert View.objects.count() == 0


def test_each_look_is_logged_and_the_snapshot_comes_through_the_server(
    fake_camera, security_officer, village_head, world
) -> None:
    fake = fake_camera(protocol="http", credentials=("admin", "mk-2026"))
    camera = CameraFactory(
        village=world.village,
        snapshot_url=fake.snapshot_url,
        credentials=crypto.encrypt(crypto.Credentials("admin", "mk-2026")),
    )
    client = _client(security_officer)
    page = client.get(reverse("camera_watch", args=[camera.pk])).content.decode()
    assert reverse("camera_snapshot", args=[camera.pk]) in page
    assert "mk-2026" not in page and str(fake.port) not in page.split("stream-url")[0]
    response = client.get(reverse("camera_snapshot", args=[camera.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8")
    assert response["Cache-Control"] == "private, no-store"
    assert b"Authorization: Basic" in fake.requests[0]
    _client(village_head).get(reverse("camera_snapshot", args=[camera.pk]))
    views = list(View.objects.order_by("at", "pk").values_list("user_name", "what", "role"))
    assert views == [
        (security_officer.full_name, "stream", "security_officer"),
        (security_officer.full_name, "snapshot", "security_officer"),
        (village_head.full_name, "snapshot", "village_head"),
    ]
    log = _client(village_head).get(reverse("camera_view_log")).content.decode()
    assert security_officer.full_name in log


def test_a_snapshot_that_fails_shows_why_without_an_error_page(
    fake_camera, security_officer, world, settings
) -> None:
    fake = fake_camera(protocol="http", credentials=("admin", "right"))
    camera = CameraFactory(village=world.village, snapshot_url=fake.snapshot_url)
    client = _client(security_officer)
    response = client.get(reverse("camera_snapshot", args=[camera.pk]))
    assert response.status_code == 200
    assert response["X-Snapshot-Error"] == "credentials"
    settings.CAMERA_NETWORKS = ["10.20.0.0/16"]
    requests = len(fake.requests)
    response = client.get(reverse("camera_snapshot", args=[camera.pk]))
    assert response["X-Snapshot-Error"] == "refused"
    assert len(fake.requests) == requests


def test_the_list_filters_by_status_kind_and_lane(officer, world) -> None:
    up = CameraFactory(village=world.village, name="Đang chạy", lane=world.lane)
    down = CameraFactory(village=world.village, name="Mất tín hiệu")
    CameraState.objects.filter(camera=up).update(status=Status.ONLINE)
    CameraState.objects.filter(camera=down).update(status=Status.OFFLINE)
    CameraFactory(village=world.other_village, name="Thôn khác")
    client = _client(officer)

    def names(**params) -> list[str]:
        response = client.get(reverse("camera_list"), params)
        return sorted(c.name for c in response.context["page"])

    assert names() == ["Mất tín hiệu", "Đang chạy"]
    assert names(status="offline") == ["Mất tín hiệu"]
    assert names(lane=world.lane.pk) == ["Đang chạy"]
    assert names(kind="household") == []
    assert names(status="nonsense", lane="x") == ["Mất tín hiệu", "Đang chạy"]


def test_the_list_puts_cameras_that_need_someone_first(officer, world) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    states = [
        ("Đang chạy", Status.ONLINE, 5, {}),
        ("Bảo trì", Status.OFFLINE, 50, {"maintenance": True}),
        ("Mất hôm qua", Status.OFFLINE, 24 * 60, {}),
        ("Chập chờn", Status.DEGRADED, 30, {}),
        ("Mất từ tuần trước", Status.OFFLINE, 7 * 24 * 60, {}),
        ("Chưa dò", Status.UNKNOWN, 0, {}),
    ]
    for name, status, minutes, fields in states:
        camera = CameraFactory(village=world.village, name=name, **fields)
        CameraState.objects.filter(camera=camera).update(
            status=status, status_since=now - timedelta(minutes=minutes) if minutes else None
        )
    page = _client(officer).get(reverse("camera_list")).context["page"]
    assert [c.name for c in page] == [
        "Mất từ tuần trước",
        "Mất hôm qua",
        "Chập chờn",
        "Chưa dò",
        "Đang chạy",
        "Bảo trì",
    ]


def test_coverage_map_dashboard_and_public_counts(village_head, world) -> None:
    from households.models import Lane

    bare = Lane.objects.create(village=world.village, name="Xóm Không Camera", sort_order=9)
    working = CameraFactory(
        village=world.village, lane=world.lane, latitude="18.2461", longitude="106.0021"
    )
    CameraState.objects.filter(camera=working).update(status=Status.ONLINE)
    broken = CameraFactory(village=world.village, lane=bare)
    CameraState.objects.filter(camera=broken).update(status=Status.OFFLINE)
    client = _client(village_head)

    coverage = client.get(reverse("camera_coverage"))
    rows = {r["lane"].name: r["covered"] for r in coverage.context["rows"]}
    assert rows == {world.lane.name: True, bare.name: False}

    map_page = client.get(reverse("camera_map"))
    assert [p["status"] for p in map_page.context["points"]] == ["online"]

    dashboard = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="cameras-working">1/2<' in dashboard
    assert 'data-testid="lanes-uncovered">1<' in dashboard

    public = Template("{% include 'cameras/_public_village.html' %}").render(
        Context({"village": world.village})
    )
    assert "2 camera công cộng, 1 đang hoạt động" in public
    assert "10.20" not in public and "rtsp" not in public


def test_maintenance_and_removal_are_post_only_and_confirmed(security_officer, world) -> None:
    camera = CameraFactory(village=world.village)
    client = _client(security_officer)
    assert client.get(reverse("camera_maintenance", args=[camera.pk])).status_code == 405
    client.post(reverse("camera_maintenance", args=[camera.pk]), {"maintenance": "1"})
    camera.refresh_from_db()
    assert camera.maintenance
    client.post(reverse("camera_delete", args=[camera.pk]))
    assert Camera.objects.filter(pk=camera.pk).exists()
    client.post(reverse("camera_delete", args=[camera.pk]), {"confirm": "1"})
    assert not Camera.objects.filter(pk=camera.pk).exists()


def test_every_registry_change_is_recorded_with_who_did_it(security_officer, world) -> None:
    from cameras.models import CameraEvent

    client = _client(security_officer)
    client.post(reverse("camera_create"), _form(username="admin", password="mk-lich-su"))
    camera = Camera.objects.get()
    client.post(reverse("camera_edit", args=[camera.pk]), _form(facing="Cổng chợ"))
    events = list(CameraEvent.objects.filter(pgh_obj_id=camera.pk).order_by("pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[-1].facing == "Cổng chợ"
    assert events[-1].pgh_context.metadata["user"] == security_officer.pk
    page = client.get(reverse("camera_detail", args=[camera.pk])).content.decode()
    history = page.split('data-testid="history"')[1].split("</ol>")[0]
    assert "Cổng chợ" in history and security_officer.full_name in history
    assert "mk-lich-su" not in page and camera.credentials not in page
