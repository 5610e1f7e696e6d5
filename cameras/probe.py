"""The probe: is each camera answering, and how fast? asyncio, bounded, with timeouts.

A camera with a snapshot address is asked for its snapshot (HTTP GET, status line only);
otherwise an RTSP OPTIONS request goes to its main stream's port and the answer's status
line is read ("RTSP/1.0 200 OK"). A fixed number of workers pull cameras from an iterator,
so at most ``concurrency`` sockets are open and at most that many coroutines exist, however
many cameras there are. Each probe has one deadline for resolving, connecting and reading.

Host names are resolved once per run and each resolved address is checked against the
camera networks (``cameras.addresses``) before any connection is made to it.
"""

import asyncio
import base64
import ipaddress
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cameras import addresses, conf
from cameras.addresses import Address
from cameras.crypto import Credentials

MAX_HEADER = 16 * 1024
NO_CREDENTIALS = Credentials()
USER_AGENT = "villageportal-camera-probe/1"


@dataclass(frozen=True)
class Target:
    camera_id: int
    address: Address
    credentials: Credentials = NO_CREDENTIALS

    @property
    def protocol(self) -> str:
        return "rtsp" if self.address.scheme in addresses.STREAM_SCHEMES else "http"


@dataclass(frozen=True)
class Result:
    camera_id: int
    ok: bool  # the camera answered as a camera should
    latency_ms: int | None = None
    error: str = ""  # why it failed, or why an answer is only partly right
    degraded: bool = False  # it answered, but not properly (credentials refused, slow)


def _auth(credentials: Credentials) -> str:
    if not credentials:
        return ""
    token = f"{credentials.username}:{credentials.password}".encode()
    return "Authorization: Basic " + base64.b64encode(token).decode() + "\r\n"


def _request(target: Target) -> bytes:
    address = target.address
    if target.protocol == "rtsp":
        lines = (
            f"OPTIONS {address.url} RTSP/1.0\r\n"
            "CSeq: 1\r\n"
            f"User-Agent: {USER_AGENT}\r\n"
            f"{_auth(target.credentials)}\r\n"
        )
    else:
        host = f"[{address.host}]" if ":" in address.host else address.host
        lines = (
            f"GET {address.path} HTTP/1.1\r\n"
            f"Host: {host}:{address.port}\r\n"
            f"User-Agent: {USER_AGENT}\r\n"
            "Accept: image/*\r\n"
            "Connection: close\r\n"
            f"{_auth(target.credentials)}\r\n"
        )
    return lines.encode("utf-8")


def parse_status(line: bytes, protocol: str) -> int | None:
    """The status code of "RTSP/1.0 200 OK" (or "HTTP/1.1 200 OK"); None if it is not one."""
    parts = line.decode("latin-1").strip().split(" ", 2)
    expected = ("RTSP/1.0", "RTSP/2.0") if protocol == "rtsp" else ("HTTP/1.0", "HTTP/1.1")
    if len(parts) < 2 or parts[0] not in expected or not parts[1].isdigit() or len(parts[1]) != 3:
        return None
    return int(parts[1])


class Resolver:
    """Resolves each host name once per run; IP literals need no lookup."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, int], asyncio.Future] = {}
        self.allowed = addresses._networks(conf.networks())

    async def address_for(self, address: Address) -> str:
        key = (address.host.lower(), address.port)
        future = self.cache.get(key)
        if future is None:
            future = asyncio.ensure_future(self._resolve(address))
            self.cache[key] = future
        return await asyncio.shield(future)

    async def _resolve(self, address: Address) -> str:
        try:
            ips = [ipaddress.ip_address(address.host)]
        except ValueError:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(address.host, address.port, type=1)
            except OSError as exc:
                raise ProbeError("unresolvable") from exc
            ips = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not ips:
            raise ProbeError("unresolvable")
        for ip in ips:
            if addresses.refusal(ip, self.allowed):
                raise ProbeError("refused_network")
        return str(ips[0])


class ProbeError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _tls(address: Address) -> ssl.SSLContext | None:
    if address.scheme not in ("https", "rtsps"):
        return None
    # Cameras carry self-signed certificates; the probe asks only whether one answers.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def probe_one(target: Target, *, timeout: float, resolver: Resolver, slow_ms: int) -> Result:
    started = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            ip = await resolver.address_for(target.address)
            tls = _tls(target.address)
            reader, writer = await asyncio.open_connection(
                ip,
                target.address.port,
                ssl=tls,
                server_hostname=target.address.host if tls else None,
                limit=MAX_HEADER,
            )
            writer.write(_request(target))
            await writer.drain()
            line = await reader.readline()
    except ProbeError as exc:
        return Result(target.camera_id, False, error=exc.code)
    except TimeoutError:
        return Result(target.camera_id, False, error="timeout")
    except ConnectionRefusedError:
        return Result(target.camera_id, False, error="refused")
    except (ConnectionError, ssl.SSLError):
        return Result(target.camera_id, False, error="reset")
    except (OSError, ValueError, asyncio.LimitOverrunError):
        return Result(target.camera_id, False, error="unreachable")
    finally:
        if writer is not None:
            # Drop the socket at once: a polite close could wait on a hung camera.
            writer.transport.abort()
    latency = int((time.monotonic() - started) * 1000)
    if not line:
        return Result(target.camera_id, False, latency, error="closed")
    status = parse_status(line, target.protocol)
    if status is None:
        return Result(target.camera_id, False, latency, error="not_a_camera")
    if status in (401, 403):
        return Result(target.camera_id, True, latency, error="credentials", degraded=True)
    if not 200 <= status < 300:
        return Result(target.camera_id, True, latency, error=f"status_{status}", degraded=True)
    if latency > slow_ms:
        return Result(target.camera_id, True, latency, error="slow", degraded=True)
    return Result(target.camera_id, True, latency)


async def probe_many(
    targets: Iterable[Target],
    *,
    concurrency: int | None = None,
    timeout: float | None = None,
    slow_ms: int | None = None,
    on_result: Callable[[Result], Any] | None = None,
    stats: dict[str, int] | None = None,
) -> list[Result]:
    """Probe every target, ``concurrency`` at a time; results in the order they finish.

    ``stats``, if given, receives ``peak``: the most probes that were in flight at once.
    """
    concurrency = concurrency or conf.probe_concurrency()
    timeout = timeout or conf.probe_timeout()
    slow_ms = conf.slow_after_ms() if slow_ms is None else slow_ms
    resolver = Resolver()
    source: Iterator[Target] = iter(targets)
    results: list[Result] = []
    counts = {"in_flight": 0, "peak": 0}

    async def worker() -> None:
        for target in source:  # a shared iterator: each target goes to one worker
            counts["in_flight"] += 1
            counts["peak"] = max(counts["peak"], counts["in_flight"])
            try:
                result = await probe_one(
                    target, timeout=timeout, resolver=resolver, slow_ms=slow_ms
                )
            finally:
                counts["in_flight"] -= 1
            results.append(result)
            if on_result is not None:
                on_result(result)

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    if stats is not None:
        stats["peak"] = counts["peak"]
    return results


def run(targets: Iterable[Target], **options: Any) -> list[Result]:
    return asyncio.run(probe_many(targets, **options))
