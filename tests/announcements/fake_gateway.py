"""A local SMS/Zalo gateway on loopback that behaves like a real one.

It honours ``Idempotency-Key``: the same key sent again gets the first answer back and is not
a second message. It can be told to fail (503), answer garbage, refuse a number (400), or
stall a request until released, so tests can kill a worker while a message is in flight.
"""

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class GatewayState:
    token: str = "gateway-token"
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> message
    requests: int = 0
    duplicates: int = 0
    fail_next: int = 0  # answer 503 to this many requests
    garbage_next: int = 0  # answer 200 with a body that is not a receipt
    refuse_numbers: set[str] = field(default_factory=set)
    stall_after: int | None = None  # once this many messages are stored, block the next ones
    delay: float = 0.0  # seconds each answer takes
    in_flight: int = 0
    max_in_flight: int = 0  # the most requests handled at the same time
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def per_recipient(self) -> Counter:
        return Counter((m["path"], m["to"]) for m in self.messages.values())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; without this, Nagle's algorithm and the
    # client's delayed ACK add 40 ms to every answer.
    disable_nagle_algorithm = True
    state: GatewayState

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        state = self.state
        with state.lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if state.delay:
                time.sleep(state.delay)
            self._post()
        finally:
            with state.lock:
                state.in_flight -= 1

    def _post(self) -> None:
        state = self.state
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        stall = False
        with state.lock:
            state.requests += 1
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._answer(401, b'{"error": "bad token"}')
            if state.fail_next:
                state.fail_next -= 1
                return self._answer(503, b'{"error": "busy"}')
            if state.garbage_next:
                state.garbage_next -= 1
                return self._answer(200, b"<html>gateway maintenance</html>")
            key = self.headers.get("Idempotency-Key", "")
            try:
                data = json.loads(raw)
            except ValueError:
                return self._answer(400, b'{"error": "bad json"}')
            if not key:
                return self._answer(400, b'{"error": "missing Idempotency-Key"}')
            if data.get("to") in state.refuse_numbers:
                return self._answer(400, b'{"error": "number not reachable"}')
            if key in state.messages:
                state.duplicates += 1
                message = state.messages[key]
            else:
                message = {"id": f"m{len(state.messages) + 1}", "path": self.path, **data}
                state.messages[key] = message
                if state.stall_after is not None and len(state.messages) > state.stall_after:
                    stall = True
        if stall:
            # The message is stored, but its sender never hears back until released.
            state.stalled.set()
            state.release.wait(120)
        return self._answer(200, json.dumps({"message_id": message["id"]}).encode())


class FakeGateway:
    def __init__(self) -> None:
        self.state = GatewayState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        """Settings, as environment variables, that point both channels at this gateway."""
        return {
            "ANNOUNCEMENTS_SMS_URL": f"{self.url}/sms",
            "ANNOUNCEMENTS_SMS_TOKEN": self.state.token,
            "ANNOUNCEMENTS_ZALO_URL": f"{self.url}/zalo",
            "ANNOUNCEMENTS_ZALO_TOKEN": self.state.token,
            "ANNOUNCEMENTS_ZALO_TEMPLATE_ID": "tb-001",
        }

    def __enter__(self) -> "FakeGateway":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.release.set()
        self.server.shutdown()
        self.server.server_close()
