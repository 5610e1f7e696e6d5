"""Lane sketch and course: uploaded images are cleaned, bad input changes nothing."""

import io
import json
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from households.models import Lane

pytestmark = pytest.mark.django_db

GPS_TAG = 0x8825


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _photo_with_gps(size=(4000, 3000)) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (40, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_TAG] = {1: "N", 2: (18.0, 14.0, 45.0), 3: "E", 4: (106.0, 0.0, 7.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=70)
    return SimpleUploadedFile("ngo.jpg", out.getvalue(), content_type="image/jpeg")


def _files_under(folder: str) -> list[str]:
    root = os.path.join(settings.MEDIA_ROOT, folder)
    return [os.path.join(d, f) for d, _s, fs in os.walk(root) for f in fs]


def test_a_sketch_is_resized_stripped_of_metadata_and_served_publicly(
    officer, world, django_capture_on_commit_callbacks
) -> None:
    line = {"type": "LineString", "coordinates": [[106.0012, 18.2461], [106.0031, 18.2470]]}
    response = _client(officer).post(
        reverse("lane_edit", args=[world.lane.pk]),
        {
            "name": "Ngõ Văn hóa",
            "sort_order": 3,
            "sketch": _photo_with_gps(),
            "geometry": json.dumps(line),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lane = Lane.objects.get(pk=world.lane.pk)
    assert lane.sort_order == 3
    assert lane.geometry == line
    assert lane.sketch.name.startswith("public/lanes/")
    with Image.open(lane.sketch.path) as stored:
        assert max(stored.size) == 1600
        assert not stored.getexif()  # no GPS, no maker: nothing but pixels
        assert "exif" not in stored.info
    public = Client().get(lane.sketch.url)
    assert public.status_code == 200
    assert public["Cache-Control"] == "public, max-age=86400"

    # A new sketch replaces the old file; removing it leaves no file behind.
    with django_capture_on_commit_callbacks(execute=True):
        _client(officer).post(
            reverse("lane_edit", args=[lane.pk]),
            {"name": lane.name, "sort_order": 3, "sketch": _photo_with_gps((800, 600))},
        )
    lane.refresh_from_db()
    assert len(_files_under("public/lanes")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        _client(officer).post(
            reverse("lane_edit", args=[lane.pk]),
            {"name": lane.name, "sort_order": 3, "remove_sketch": "on"},
        )
    lane.refresh_from_db()
    assert not lane.sketch
    assert _files_under("public/lanes") == []


@pytest.mark.parametrize(
    ("upload", "geometry", "message"),
    [
        (SimpleUploadedFile("ngo.jpg", b"%PDF-1.4 not a photo"), "", "không phải là ảnh"),
        (None, '{"type": "Point", "coordinates": [106, 18]}', "GeoJSON"),
        (None, '{"type": "LineString", "coordinates": [[106, 18], [200, 18]]}', "tọa độ"),
        (None, "<script>alert(1)</script>", "GeoJSON"),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_changes_nothing(
    officer, world, upload, geometry, message
) -> None:
    data = {"name": "Tên mới", "sort_order": 9, "geometry": geometry}
    if upload is not None:
        data["sketch"] = upload
    response = _client(officer).post(reverse("lane_edit", args=[world.lane.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    lane = Lane.objects.get(pk=world.lane.pk)
    assert (lane.name, lane.sort_order, lane.sketch.name, lane.geometry) == (
        "Ngõ Văn hóa",
        world.lane.sort_order,
        "",
        None,
    )
    assert _files_under("public/lanes") == []


def test_a_decompression_bomb_is_refused(officer, world) -> None:
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")  # 144 megapixels in a small file
    bomb = SimpleUploadedFile("bom.png", out.getvalue(), content_type="image/png")
    response = _client(officer).post(
        reverse("lane_edit", args=[world.lane.pk]),
        {"name": "Ngõ Văn hóa", "sort_order": 1, "sketch": bomb},
    )
    assert response.status_code == 400
    assert "megapixel" in response.content.decode()
    assert _files_under("public/lanes") == []


def test_a_file_outside_the_public_folder_is_not_served(world) -> None:
    private = os.path.join(settings.MEDIA_ROOT, "imports")
    os.makedirs(private, exist_ok=True)
    with open(os.path.join(private, "ho.csv"), "w") as handle:
        handle.write("CCCD\n042090000001\n")
    for path in ["../imports/ho.csv", "..%2Fimports%2Fho.csv", "/etc/passwd"]:
        response = Client().get("/media/public/" + path)
        assert response.status_code == 404, path
