"""A local Web Push service on loopback: the receive side of RFC 8030, checking what a real one
checks, and decrypting each message as the phone would.

What it follows, and where from:

- RFC 8030 (Generic Event Delivery Using HTTP Push), section 5: the application server POSTs
  the message to the subscription's push resource; the service answers ``201 Created`` with a
  ``Location`` header naming the push message resource. Section 5.2: ``TTL`` is required.
  Section 5.3: ``Urgency`` (very-low, low, normal, high). Section 7.3: a push resource that
  is gone is answered 404 or 410 and the sender must stop using it. Section 5.4: a ``Topic``
  (at most 32 characters of the URL-safe base64 alphabet) makes a later message replace one
  with the same topic that the phone has not yet received; a malformed one is refused (400).
  RFC 8030 section 8.4 and RFC 8291 section 4: a message over 4096 octets may be refused with
  413. 429 with ``Retry-After`` is how push services ask a sender to slow down (pushpad.xyz's
  "List of HTTP status codes and errors returned by web push services", which links the
  services' pages).
- RFC 8292 (VAPID), sections 2 and 3: ``Authorization: vapid t=<JWT>, k=<public key>``; the JWT
  is ES256 over the application server's P-256 key given in ``k`` (uncompressed point,
  base64url); its ``aud`` claim must be the push resource's origin, ``exp`` no more than 24
  hours ahead, and ``sub`` a ``mailto:`` or ``https:`` contact. Section 4: the service answers
  401 (or 403) when it does not hold.
- RFC 8291 (Message Encryption for Web Push) with RFC 8188 (``Content-Encoding: aes128gcm``):
  the body is decrypted here with the subscription's private key and auth secret, through
  ``http_ece.decrypt`` (the library pywebpush itself encrypts with, pywebpush/__init__.py
  ``WebPusher.encode``), as a browser would.
- pywebpush's ``webpush()`` (github.com/web-push-libs/pywebpush, pywebpush/__init__.py): adds
  ``aud`` from the endpoint's scheme and host and an ``exp`` 12 hours ahead when not given,
  sends ``ttl`` as the ``TTL`` header, raises ``WebPushException`` (with the response) above
  202.

A test makes a subscription as a browser does (``FakePush.subscribe``: a P-256 key pair and a
16-byte auth secret) and reads what arrived, decrypted, in ``state.received``.
"""

import base64
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_BODY = 4096
LOST = -1  # the service took the message but its answer is lost on the way back


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """One browser's subscription: what the browser keeps (private key) and what it gives."""

    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str

    def json(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64(public), "auth": b64(self.auth)}}


@dataclass
class PushState:
    devices: dict[str, Device] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)  # decrypted, with headers
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # (device, status, why)
    # Switches: answer this status to the next N messages for a device id.
    answers: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    # The application server key a subscription was made with (RFC 8292 section 3.2).
    server_key: str = ""
    # Phones that are off: what the service took for them waits here (RFC 8030 section 5.2,
    # for TTL seconds), and a message with the Topic of a waiting one replaces it (5.4).
    offline: set[str] = field(default_factory=set)
    waiting: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    accepted: dict[str, int] = field(default_factory=dict)  # messages taken, per device
    # Take the next N messages for a device, then close the connection without answering.
    lose_answers: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    fake: "FakePush"

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(
        self, status: int, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length) if length else b""
        status, headers, body = self.fake.receive(self.path, self.headers, raw)
        if status == LOST:
            self.close_connection = True  # taken, and the answer never leaves
            return
        self._answer(status, headers, body)


class FakePush:
    def __init__(self) -> None:
        self.state = PushState()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def subscribe(self) -> Device:
        """A new browser subscription (the PushManager.subscribe() a phone makes)."""
        device_id = uuid.uuid4().hex
        device = Device(
            id=device_id,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
            endpoint=f"{self.origin}/push/{device_id}",
        )
        with self.state.lock:
            self.state.devices[device_id] = device
        return device

    def answer_next(self, device: Device, status: int, times: int = 1, **headers: str) -> None:
        with self.state.lock:
            self.state.answers.setdefault(device.id, []).extend(
                [(status, {k.replace("_", "-"): v for k, v in headers.items()})] * times
            )

    def messages_for(self, device: Device) -> list[dict[str, Any]]:
        """What the phone received (a phone that is off receives nothing until it is on)."""
        return [m for m in self.state.received if m["device"] == device.id]

    def go_offline(self, device: Device) -> None:
        with self.state.lock:
            self.state.offline.add(device.id)

    def come_online(self, device: Device) -> None:
        """The phone is on again: it receives what waited for it."""
        with self.state.lock:
            self.state.offline.discard(device.id)
            self.state.received.extend(self.state.waiting.pop(device.id, []))

    def lose_next_answer(self, device: Device, times: int = 1) -> None:
        with self.state.lock:
            self.state.lose_answers[device.id] = times

    # The receive side ---------------------------------------------------------------------

    def _refuse(self, device_id: str, status: int, why: str) -> tuple[int, dict, bytes]:
        with self.state.lock:
            self.state.refused.append((device_id, status, why))
        return status, {"Content-Type": "text/plain"}, why.encode()

    def _check_vapid(self, header: str) -> str:
        """The reason the Authorization header fails RFC 8292, or "" when it holds."""
        if not header.startswith("vapid "):
            return "no vapid authorization"
        params = {}
        for part in header[len("vapid ") :].split(","):
            name, _, value = part.strip().partition("=")
            params[name] = value
        token, key = params.get("t", ""), params.get("k", "")
        if self.state.server_key and key != self.state.server_key:
            return "not the key the subscription was made with"
        try:
            head_b64, claims_b64, signature_b64 = token.split(".")
            header_json = json.loads(unb64(head_b64))
            claims = json.loads(unb64(claims_b64))
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
            raw = unb64(signature_b64)
            if header_json.get("alg") != "ES256" or len(raw) != 64:
                return "not ES256"
            signature = encode_dss_signature(
                int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
            )
            public.verify(signature, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except (ValueError, InvalidSignature):
            return "bad signature"
        if claims.get("aud") != self.origin:
            return "aud is not the push resource's origin"
        exp = claims.get("exp")
        if not isinstance(exp, int) or not time.time() < exp <= time.time() + 24 * 3600:
            return "exp missing or more than 24 hours ahead"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "sub is not a contact"
        return ""

    def receive(self, path: str, headers: Any, raw: bytes) -> tuple[int, dict, bytes]:
        if not path.startswith("/push/"):
            return 404, {}, b""
        device_id = path[len("/push/") :]
        device = self.state.devices.get(device_id)
        if device is None:
            return self._refuse(device_id, 404, "no such subscription")
        with self.state.lock:
            queued = self.state.answers.get(device_id)
            switched = queued.pop(0) if queued else None
        if switched is not None:
            status, extra = switched
            if status in (404, 410):
                with self.state.lock:
                    self.state.devices.pop(device_id, None)
            return status, extra, b""
        why = self._check_vapid(headers.get("Authorization", ""))
        if why:
            return self._refuse(device_id, 401, why)
        if headers.get("TTL") is None or not headers["TTL"].isdigit():
            return self._refuse(device_id, 400, "TTL missing")
        topic = headers.get("Topic")
        if topic is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topic):
            return self._refuse(device_id, 400, "malformed Topic")
        if headers.get("Content-Encoding") != "aes128gcm":
            return self._refuse(device_id, 415, "not aes128gcm")
        if len(raw) > MAX_BODY:
            return self._refuse(device_id, 413, "payload too large")
        try:
            plain = http_ece.decrypt(
                raw, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
            )
        except Exception as exc:
            return self._refuse(device_id, 400, f"cannot decrypt: {type(exc).__name__}")
        message_id = uuid.uuid4().hex
        message = {
            "device": device_id,
            "id": message_id,
            "payload": json.loads(plain),
            "ttl": int(headers["TTL"]),
            "urgency": headers.get("Urgency", "normal"),
            "topic": topic,
        }
        with self.state.lock:
            state = self.state
            state.accepted[device_id] = state.accepted.get(device_id, 0) + 1
            if device_id in state.offline:
                waiting = state.waiting.setdefault(device_id, [])
                if topic is not None:
                    waiting[:] = [m for m in waiting if m["topic"] != topic]
                waiting.append(message)
            else:
                state.received.append(message)
            if state.lose_answers.get(device_id, 0) > 0:
                state.lose_answers[device_id] -= 1
                return LOST, {}, b""
        return 201, {"Location": f"{self.origin}/message/{message_id}"}, b""

    def env(self, public_key: str, private_key: str) -> dict[str, Any]:
        self.state.server_key = public_key
        return {
            "WEBPUSH_VAPID_PUBLIC_KEY": public_key,
            "WEBPUSH_VAPID_PRIVATE_KEY": private_key,
            "WEBPUSH_VAPID_SUBJECT": "mailto:truongthon@example.org",
            "WEBPUSH_ALLOW_LOCAL_ENDPOINTS": True,
        }

    def __enter__(self) -> "FakePush":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
