"""Benchmark: one periodic probe of 5,000 cameras (a province), half of them unreachable.

    .venv/bin/python -m bench.cameras                 # 5,000 cameras, default settings
    .venv/bin/python -m bench.cameras --cameras 5000 --concurrency 500 --timeout 3

A farm of fake cameras runs in a separate process on loopback, so that the figures below
belong to the probing process alone:

- half the cameras answer RTSP OPTIONS ("RTSP/1.0 200 OK"), spread over 50 listening ports
  (one path per camera);
- the other half do not: a fifth of them (of the unreachable) point at ports that accept and
  never answer, two fifths at ports whose accept queue is full so that the SYN is dropped
  (a blackhole: the connect hangs until the timeout), two fifths at ports nothing listens on
  (refused at once).

The cameras are rows of ``cameras_camera`` in the shared benchmark database
(``villageportal_bench``, override with ``BENCH_DATABASE_URL``), named ``bench-…`` and spread
over its villages; they are created once and kept (the farm's ports are fixed), so a second
run reuses them. The run is what the Celery task does: ``cameras.status.probe_cameras`` (load
the enabled cameras, probe with bounded concurrency, write states, changes, uptime and
alerts), timed three times: the first round (every camera new), a second one, and a third
as if eleven minutes had passed, when the unreachable half is declared offline and 2,500
"down" alerts are recorded and sent (to the e-mail backend ``dummymail://``, which drops
them; the live events go to the in-memory channel layer).

Reported: wall time of each round and of the probe alone, peak resident memory (``VmHWM``)
and the most file descriptors open at once (``/proc/self/fd`` sampled every 20 ms), against
the goal: done within one probe interval (60 s). Results go to ``bench/results/cameras-*``
(git-ignored); the figures worth keeping to ``docs/benchmarks/cameras.md``. Nothing here
asserts a timing.
"""

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

from bench.common import DEFAULT_URL, ROOT, memory_mib, save_results, setup_django

BASE_PORT = 47600  # answer: +0..49, hang: +100..109, drop: +200..209, refused: +300..399
ANSWER_PORTS = 50
HANG_PORTS = 10
DROP_PORTS = 10
REFUSED_PORTS = 100


# ---------------------------------------------------------------------------------------
# The farm (a process of its own)


async def _farm() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.read(4096):
                pass
        except OSError:
            pass
        finally:
            writer.close()

    servers = []
    for i in range(ANSWER_PORTS):
        servers.append(await asyncio.start_server(answer, "127.0.0.1", BASE_PORT + i, backlog=4096))
    for i in range(HANG_PORTS):
        servers.append(
            await asyncio.start_server(hang, "127.0.0.1", BASE_PORT + 100 + i, backlog=4096)
        )
    drops = []
    for i in range(DROP_PORTS):
        # Listening, never accepting, a queue of one: further SYNs are dropped.
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", BASE_PORT + 200 + i))
        s.listen(0)
        drops.append(s)
    print("ready", flush=True)
    await asyncio.Event().wait()


def start_farm() -> subprocess.Popen:
    farm = subprocess.Popen(
        [sys.executable, "-m", "bench.cameras", "--farm"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert farm.stdout is not None
    line = farm.stdout.readline()
    if line.strip() != "ready":
        farm.kill()
        sys.exit(f"the camera farm did not start: {line!r}")
    return farm


# ---------------------------------------------------------------------------------------
# Measuring


class FdSampler:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, len(os.listdir("/proc/self/fd")))
            time.sleep(0.02)

    def __enter__(self) -> "FdSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def camera_urls(count: int) -> list[tuple[str, str]]:
    """(name, stream address) for ``count`` cameras: half answer, half do not."""
    cameras = []
    working = count // 2
    for n in range(count):
        if n < working:
            port = BASE_PORT + n % ANSWER_PORTS
        else:
            k = n - working
            kind = k % 5
            if kind == 0:
                port = BASE_PORT + 100 + k % HANG_PORTS
            elif kind in (1, 2):
                port = BASE_PORT + 200 + k % DROP_PORTS
            else:
                port = BASE_PORT + 300 + k % REFUSED_PORTS
        cameras.append((f"bench-{n:05d}", f"rtsp://127.0.0.1:{port}/cam/{n}"))
    return cameras


def ensure_cameras(count: int) -> int:
    from cameras import addresses
    from cameras.models import Camera, CameraState
    from households.models import Village

    existing = Camera.objects.filter(name__startswith="bench-").count()
    if existing == count:
        return 0
    Camera.objects.filter(name__startswith="bench-").delete()
    villages = list(Village.objects.order_by("pk").values_list("pk", flat=True)[:1000])
    rows = []
    for i, (name, url) in enumerate(camera_urls(count)):
        address, _c = addresses.parse(url, schemes=addresses.STREAM_SCHEMES)
        rows.append(
            Camera(
                village_id=villages[i % len(villages)],
                name=name,
                stream_url=address.url,
                address_key=address.key,
            )
        )
    Camera.objects.bulk_create(rows, batch_size=1000)
    ids = Camera.objects.filter(name__startswith="bench-").values_list("pk", flat=True)
    CameraState.objects.bulk_create([CameraState(camera_id=i) for i in ids], batch_size=1000)
    return count


def reset_states() -> None:
    from cameras.models import Alert, CameraState, StatusChange, UptimeDay

    bench = {"camera__name__startswith": "bench-"}
    StatusChange.objects.filter(**bench).delete()
    UptimeDay.objects.filter(**bench).delete()
    Alert.objects.filter(**bench).delete()
    CameraState.objects.filter(**bench).update(
        status="unknown", failing_since=None, recent="", down_alerted_at=None
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--farm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.farm:
        asyncio.run(_farm())
        return

    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["CAMERA_NETWORKS"] = "127.0.0.0/8"
    os.environ["CAMERA_PROBE_CONCURRENCY"] = str(args.concurrency)
    os.environ["CAMERA_PROBE_TIMEOUT"] = str(args.timeout)
    os.environ["EMAIL_URL"] = "dummymail://"
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from cameras import probe, status
    from cameras.models import Camera, CameraState

    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("Refusing to run outside a benchmark database.")
    farm = start_farm()
    try:
        created = ensure_cameras(args.cameras)
        reset_states()
        bench_cameras = Camera.objects.filter(name__startswith="bench-")
        base_rss = memory_mib()["rss"]
        figures: dict[str, Any] = {
            "cameras": args.cameras,
            "concurrency": args.concurrency,
            "timeout_s": args.timeout,
            "created_rows": created,
            "rss_before_mib": base_rss,
        }

        # The probe alone (no database writes), to separate network time from bookkeeping.
        targets, _failed = status.targets(
            bench_cameras.only("pk", "stream_url", "snapshot_url", "credentials")
        )
        stats: dict[str, int] = {}
        with FdSampler() as fds:
            started = time.perf_counter()
            results = probe.run(targets, stats=stats)
            figures["probe_only_s"] = round(time.perf_counter() - started, 2)
        figures["probe_only_max_fds"] = fds.peak
        figures["probe_only_peak_in_flight"] = stats["peak"]
        errors: dict[str, int] = {}
        for result in results:
            key = "ok" if result.ok else result.error
            errors[key] = errors.get(key, 0) + 1
        figures["outcomes"] = errors
        del results, targets

        rounds = (
            ("round_1", None),
            ("round_2", None),
            # Eleven minutes on, the unreachable half is declared offline: 2,500 alerts.
            ("round_3_declared_offline", timedelta(minutes=11)),
        )
        for round_name, later in rounds:
            # What ``status.probe_cameras`` does, phase by phase.
            with FdSampler() as fds:
                started = time.perf_counter()
                loaded = bench_cameras.filter(enabled=True).only(
                    "pk", "stream_url", "snapshot_url", "credentials"
                )
                ready, failed = status.targets(loaded.iterator(chunk_size=2000))
                t_load = time.perf_counter()
                results = probe.run(ready) + failed
                t_probe = time.perf_counter()
                now = timezone.now() + later if later else None
                summary = status.record_results(results, now=now)
                t_write = time.perf_counter()
            figures[round_name] = {
                "seconds": round(t_write - started, 2),
                "load_s": round(t_load - started, 2),
                "probe_s": round(t_probe - t_load, 2),
                "record_s": round(t_write - t_probe, 2),
                "max_open_fds": fds.peak,
                "summary": summary,
            }
            del results, ready, failed
        states = CameraState.objects.filter(camera__name__startswith="bench-")
        figures["statuses_after"] = {
            s: states.filter(status=s).count() for s in ("online", "degraded", "offline", "unknown")
        }
        figures["peak_rss_mib"] = memory_mib()["peak"]
        figures["fd_limit"] = os.sysconf("SC_OPEN_MAX")
    finally:
        farm.kill()
        farm.wait()

    save_results(figures, None, prefix="cameras-")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
