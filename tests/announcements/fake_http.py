"""The plumbing the fake providers share: a threaded HTTP server on loopback, counters, and the
switches tests use to make a provider slow, down, or silent at the worst moment."""

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeState:
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # provider id -> message
    requests: int = 0
    fail_next: int = 0  # answer 503 to this many send requests
    garbage_next: int = 0  # answer 200 with a body that is not the provider's result
    drop_next: int = 0  # store the message, then close the connection without an answer
    stall_after: int | None = None  # once this many messages are stored, block the next ones
    delay: float = 0.0  # seconds each answer takes
    # A realistic provider (the benchmark): each answer takes a time drawn uniformly from
    # (low, high) seconds with a seeded generator, and at most ``rate_limit`` send requests
    # are accepted per one-second window (counted on arrival); the others are answered 429
    # and change nothing.
    latency: tuple[float, float] | None = None
    rng: random.Random = field(default_factory=lambda: random.Random(20))
    rate_limit: int | None = None
    rate_second: int = 0
    rate_used: int = 0
    rate_limited: int = 0  # send requests answered 429
    in_flight: int = 0
    max_in_flight: int = 0
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def per_recipient(self) -> Counter:
        return Counter((m["channel"], m["to"]) for m in self.messages.values())


class Answer(Exception):
    """Raised by a route to answer at once: ``status`` and a JSON-able ``body``."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; without this, Nagle's algorithm and the
    # client's delayed ACK add 40 ms to every answer.
    disable_nagle_algorithm = True
    fake: "FakeServer"

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: Any) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        state = self.fake.state
        with state.lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if state.delay:
                time.sleep(state.delay)
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            try:
                result = self.fake.route(method, parts.path, self.headers, raw, query)
            except Answer as answer:
                result = (answer.status, answer.body)
            if state.latency:  # counted (and rate-limited) on arrival, answered after a while
                with state.lock:
                    pause = state.rng.uniform(*state.latency)
                time.sleep(pause)
            if result is None:  # the message is stored; its sender never hears back
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._answer(*result)
        finally:
            with state.lock:
                state.in_flight -= 1

    def do_POST(self) -> None:
        self._handle("POST")

    def do_GET(self) -> None:
        self._handle("GET")


class FakeServer:
    state: FakeState

    def __init__(self) -> None:
        handler = type("Handler", (Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, headers: Any, raw: bytes, query: dict) -> Any:
        raise NotImplementedError

    def common_failures(self) -> None:
        """The switches every send endpoint honours, in the order a real outage shows them."""
        state = self.state
        if state.rate_limit is not None:
            second = int(time.time())
            if second != state.rate_second:
                state.rate_second, state.rate_used = second, 0
            state.rate_used += 1
            if state.rate_used > state.rate_limit:
                state.rate_limited += 1
                raise Answer(429, self.rate_limited_body())
        if state.fail_next:
            state.fail_next -= 1
            raise Answer(503, {"error": "service unavailable"})
        if state.garbage_next:
            state.garbage_next -= 1
            raise Answer(200, b"<html>maintenance</html>")

    def rate_limited_body(self) -> Any:
        """The body of a 429 answer; each provider gives its own shape."""
        return {"error": "too many requests"}

    def after_store(self) -> str:
        """After a message is stored, with the lock held: "drop" (close the connection without
        an answer), "stall" (answer only once released) or "answer"."""
        state = self.state
        if state.drop_next:
            state.drop_next -= 1
            return "drop"
        if state.stall_after is not None and len(state.messages) > state.stall_after:
            return "stall"
        return "answer"

    def finish(self, how: str, answer: tuple[int, Any]) -> tuple[int, Any] | None:
        """Outside the lock: answer, stall then answer (to a sender long dead), or drop."""
        if how == "drop":
            return None
        if how == "stall":
            self.state.stalled.set()
            self.state.release.wait(120)
        return answer

    def __enter__(self) -> Any:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.state.release.set()
        self.server.shutdown()
        self.server.server_close()
