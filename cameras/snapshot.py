"""Fetch a camera's snapshot on the server, so that no address or credential reaches a browser.

The address is checked and resolved once (``addresses.checked_ip``) and the connection goes to
that address with the original host name in the Host header; redirects are not followed (a
camera could point anywhere); the answer must be an image and no larger than
``CAMERA_SNAPSHOT_MAX_BYTES``.
"""

import base64
import http.client
import ssl
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from cameras import addresses, conf, crypto
from cameras.models import Camera


@dataclass(frozen=True)
class Snapshot:
    content: bytes
    content_type: str


class SnapshotError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def fetch(camera: Camera, *, timeout: float | None = None) -> Snapshot:
    if not camera.snapshot_url:
        raise SnapshotError("no_snapshot")
    try:
        address, _none = addresses.parse(camera.snapshot_url, schemes=addresses.WEB_SCHEMES)
        ip = addresses.checked_ip(address)
    except ValidationError as exc:
        raise SnapshotError("refused") from exc
    timeout = timeout or conf.probe_timeout()
    if address.scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # cameras carry self-signed certificates
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            str(ip), address.port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(str(ip), address.port, timeout=timeout)
    headers = {"Host": address.host, "Accept": "image/*", "User-Agent": "villageportal/1"}
    credentials = crypto.decrypt(camera.credentials)
    if credentials:
        token = f"{credentials.username}:{credentials.password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
    try:
        connection.request("GET", address.path, headers=headers)
        response = connection.getresponse()
        if response.status != 200:
            raise SnapshotError("credentials" if response.status in (401, 403) else "status")
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        if content_type not in ("image/jpeg", "image/png", "image/webp", "image/gif"):
            raise SnapshotError("not_an_image")
        limit = conf.snapshot_max_bytes()
        content = response.read(limit + 1)
        if len(content) > limit:
            raise SnapshotError("too_big")
        return Snapshot(content, content_type)
    except (OSError, http.client.HTTPException) as exc:
        raise SnapshotError("unreachable") from exc
    finally:
        connection.close()
