"""Small cameras on loopback that speak RTSP and HTTP, for the probe and the snapshot proxy.

Each fake listens on 127.0.0.1 on a port of its own and behaves as told: ``answer`` (a
camera), ``slow`` (answers after ``delay`` seconds), ``hang`` (accepts and never answers),
``garbage`` (answers something that is not RTSP), ``auth`` (401 without the right
credentials). ``stop()`` closes the port (connections are refused) and ``start()`` opens the
same port again: a camera that goes away and comes back.
"""

import base64
import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused_port() -> int:
    """A port nothing listens on: connecting is refused at once."""
    return free_port()


@dataclass
class FakeCamera:
    mode: str = "answer"  # answer, slow, hang, garbage, auth
    protocol: str = "rtsp"  # rtsp or http (a snapshot)
    delay: float = 0.5
    credentials: tuple[str, str] | None = None
    port: int = 0
    requests: list[bytes] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _listener: socket.socket | None = None
    _open: list[socket.socket] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def rtsp_url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/stream1"

    @property
    def snapshot_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/snapshot.jpg"

    def start(self) -> "FakeCamera":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for conn in self._open:
            with contextlib.suppress(OSError):
                conn.close()
        self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> bytes:
        data = b""
        conn.settimeout(5)
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        return data

    def _authorised(self, request: bytes) -> bool:
        if self.credentials is None:
            return True
        user, password = self.credentials
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return f"Authorization: Basic {token}".encode() in request

    def _serve(self, conn: socket.socket) -> None:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            request = self._read_request(conn)
            self.requests.append(request)
            if self.mode == "hang":
                # Say nothing; hold the connection until the prober drops it.
                conn.settimeout(30)
                while conn.recv(4096):
                    pass
                return
            if self.mode == "slow":
                time.sleep(self.delay)
            if self.mode == "garbage":
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
                return
            ok = self._authorised(request) and self.mode != "auth"
            if self.protocol == "rtsp":
                status = "200 OK" if ok else "401 Unauthorized"
                conn.sendall(
                    f"RTSP/1.0 {status}\r\nCSeq: 1\r\n"
                    "Public: OPTIONS, DESCRIBE, SETUP, PLAY\r\n\r\n".encode()
                )
            elif ok:
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n"
                    + f"Content-Length: {len(JPEG)}\r\nConnection: close\r\n\r\n".encode()
                    + JPEG
                )
            else:
                conn.sendall(
                    b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
        except OSError:
            pass
        finally:
            with self._lock:
                self.active -= 1
            with contextlib.suppress(OSError):
                conn.close()
