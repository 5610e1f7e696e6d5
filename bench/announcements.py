"""Benchmarks of the announcements outbox, on the shared PostgreSQL benchmark database.

    .venv/bin/python -m bench.announcements
    .venv/bin/python -m bench.announcements --recipients 1000000 --batch 20000 --naive 5000

(a) The outbox of a province-wide emergency alert: one SMS row per resident with a phone in
    the largest provinces until at least ``--recipients`` people, written by the service's
    INSERT ... SELECT (``deliveries_create``) in one transaction: wall time, rows per second.
    The rows are removed afterwards (they are this app's own table; no registry row changes).
(b) Delivery to a local fake SMS gateway (``bench.announcements_gateway``: a separate
    process, an asyncio server with keep-alive, honouring idempotency keys) by two real
    Celery worker processes over Redis: the chunked outbox drain (SKIP LOCKED, one
    transaction per chunk of ``--chunk`` rows, its messages sent by ``--threads`` threads per
    worker over pooled keep-alive connections) against the naive design of one Celery task
    per recipient, on samples of ``--batch`` and ``--naive`` recipients, in the same run:
    messages per second, the load average around each, and the ratio.
(c) Speech synthesis of a one-page notice with the configured engine (espeak-ng by default):
    seconds of audio per second of work.

Results are printed as Markdown and saved in ``bench/results/announcements-<date>.{json,md}``
(git-ignored); the figures worth keeping go to ``docs/benchmarks/announcements.md``. Nothing
asserts a time.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import wave
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import DEFAULT_URL, ROOT, command_line, machine, save_results, setup_django

DEFAULT_REDIS = "redis://127.0.0.1:6379/9"

NOTICE = """THÔNG BÁO
Về việc tổ chức tiêm chủng mở rộng và phun thuốc phòng dịch tháng 12 năm 2026

Thực hiện kế hoạch số 215/KH-UBND ngày 10/11/2026 của Ủy ban nhân dân xã về công tác phòng,
chống dịch bệnh mùa đông xuân, Ban điều hành thôn thông báo tới toàn thể bà con nhân dân như sau.

Thứ nhất, Trạm y tế xã tổ chức tiêm chủng mở rộng cho trẻ em dưới 5 tuổi vào lúc 7h30 ngày
05/12/2026 tại nhà văn hóa thôn. Các gia đình có con em trong độ tuổi mang theo sổ tiêm chủng và
căn cước công dân của bố hoặc mẹ. Dự kiến có khoảng 120 cháu được tiêm trong buổi sáng.

Thứ hai, từ 6h00 đến 10h00 ngày 07/12/2026, tổ vệ sinh môi trường phun thuốc khử khuẩn tại 13 ngõ
xóm, khu chợ và các điểm tập kết rác. Bà con đóng cửa, cất giữ thực phẩm, không cho trẻ em và vật
nuôi ra đường trong thời gian phun. Kinh phí 15.500.000 đồng do xã hỗ trợ 70%, thôn đóng góp 30%.

Thứ ba, các hộ gia đình chủ động vệ sinh nhà cửa, khơi thông cống rãnh, diệt bọ gậy, thả cá vào
bể nước. Tổ tự quản các ngõ kiểm tra việc thực hiện và báo cáo về Ban điều hành thôn trước ngày
10/12/2026.

Mọi thắc mắc xin liên hệ trưởng thôn hoặc y tế thôn. Đề nghị bà con thực hiện nghiêm túc.
Ban điều hành thôn trân trọng thông báo.
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000, help="sample for the drain")
    parser.add_argument("--naive", type=int, default=5_000, help="sample for one task each")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=200, help="rows per drain transaction")
    parser.add_argument("--threads", type=int, default=16, help="sending threads per worker")
    parser.add_argument(
        "--parts", default="speech,outbox,delivery", help="which parts to run, comma-separated"
    )
    return parser.parse_args()


def environment(url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "villageportal.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "benchmark-only-not-a-secret",
            "CACHE_KEY_PREFIX": "vp-bench-announcements",
            "CHANNEL_LAYER_PREFIX": "vp-bench-announcements",
            "LOG_LEVEL": "WARNING",
            "ANNOUNCEMENTS_RATE_SMS": "0",
            "ANNOUNCEMENTS_RATE_ZALO": "0",
        }
    )
    return env


def bench_announcement(title: str) -> Any:
    from announcements.models import Announcement
    from households.models import Village

    village = Village.objects.order_by("pk").first()
    return Announcement.objects.create(
        village=village,
        title=title,
        body="Mưa lớn diện rộng, nguy cơ lũ quét và sạt lở đất; người dân chủ động phòng tránh.",
        kind=Announcement.Kind.EMERGENCY,
        cap_urgency="Immediate",
        cap_severity="Severe",
        channels=["sms"],
        is_public=False,
    )


def remove(announcement: Any) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM announcements_delivery WHERE announcement_id = %s", [announcement.pk]
        )
    announcement.delete()


def outbox_write(recipients: int) -> dict[str, Any]:
    from django.db import transaction
    from django.db.models import Count, Q

    from announcements.services import deliveries_create
    from households.models import Household, Province, Resident

    provinces = Province.objects.annotate(
        phones=Count(
            "communes__villages__households__residents",
            filter=~Q(communes__villages__households__residents__phone=""),
        )
    ).order_by("-phones")
    chosen, total = [], 0
    for province in provinces:
        if total >= recipients:
            break
        chosen.append(province.pk)
        total += province.phones
    residents = Resident.objects.current().filter(
        household__village__commune__province__in=chosen,
        household__status=Household.Status.ACTIVE,
        household__deleted_at__isnull=True,
    )
    announcement = bench_announcement("Bench: province-wide emergency alert")
    try:
        start = time.perf_counter()
        with transaction.atomic():
            written = deliveries_create(
                announcement=announcement, residents=residents, channels=["sms"]
            )
        seconds = time.perf_counter() - start
    finally:
        remove(announcement)
    return {
        "provinces": len(chosen),
        "rows": written,
        "seconds": round(seconds, 2),
        "rows_per_second": round(written / seconds),
    }


def start_workers(
    count: int,
    env: dict[str, str],
    queue: str,
    log_dir: Path,
    pool: str = "solo",
    concurrency: int = 1,
) -> list[Any]:
    processes = []
    for n in range(count):
        log = (log_dir / f"worker-{queue}-{n}.log").open("w")
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "villageportal",
                    "worker",
                    "--pool",
                    pool,
                    "--concurrency",
                    str(concurrency),
                    "--prefetch-multiplier",
                    "1",
                    "--queues",
                    queue,
                    "--include",
                    "bench.announcements_naive",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--hostname",
                    f"bench{n}-{queue}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    time.sleep(6)  # both workers connected to the broker before the clock starts
    return processes


def stop_workers(processes: list[Any]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def sample_outbox(size: int, title: str) -> Any:
    from announcements.services import deliveries_create
    from households.models import Resident

    ids = list(
        Resident.objects.exclude(phone="").order_by("pk").values_list("pk", flat=True)[:size]
    )
    announcement = bench_announcement(title)
    deliveries_create(
        announcement=announcement, residents=Resident.objects.filter(pk__in=ids), channels=["sms"]
    )
    vacuum()
    return announcement


def vacuum() -> None:
    """Clear the outbox table of the rows earlier runs removed, as autovacuum would in time.

    Without it, every chunk's index scan walks past the dead entries of the removed rows (a
    million after the outbox part) and the drain measures the benchmark's leftovers.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE announcements_delivery")


def wait_sent(announcement: Any, start: float, timeout: float = 1800) -> float:
    """Seconds from ``start`` (before the first task was queued) until no row is queued."""
    from announcements.models import Delivery

    while time.perf_counter() - start < timeout:
        if not Delivery.objects.filter(announcement=announcement, status="queued").exists():
            break
        time.sleep(0.2)
    return time.perf_counter() - start


class GatewayProcess:
    """The fake gateway (``bench.announcements_gateway``) in a process of its own."""

    token = "gateway-token"  # noqa: S105 - the fake gateway's, on loopback

    def __enter__(self) -> "GatewayProcess":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.announcements_gateway"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline().split()  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{line[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def env(self) -> dict[str, str]:
        return {
            "ANNOUNCEMENTS_SMS_URL": self.url,
            "ANNOUNCEMENTS_SMS_API_KEY": self.token,
            "ANNOUNCEMENTS_SMS_SECRET_KEY": "bench",
            "ANNOUNCEMENTS_SMS_BRANDNAME": "BENCH",
            "ANNOUNCEMENTS_ZALO_URL": self.url,
            "ANNOUNCEMENTS_ZALO_OAUTH_URL": self.url,
            "ANNOUNCEMENTS_ZALO_APP_ID": "bench",
            "ANNOUNCEMENTS_ZALO_APP_SECRET": "bench",
            "ANNOUNCEMENTS_ZALO_REFRESH_TOKEN": "bench",
            "ANNOUNCEMENTS_ZALO_TEMPLATE_ID": "tb-001",
        }

    def stats(self) -> dict[str, int]:
        import urllib.request

        with urllib.request.urlopen(f"{self.url}/stats", timeout=10) as response:  # noqa: S310
            return json.loads(response.read())


def delivery(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    from announcements.models import Delivery
    from announcements.tasks import deliveries_drain_task
    from bench.announcements_naive import naive_send_task

    log_dir = Path(tempfile.mkdtemp(prefix="bench-announcements-"))
    results: dict[str, Any] = {}
    with GatewayProcess() as gateway:
        worker_env = {
            **env,
            **gateway.env(),
            "ANNOUNCEMENTS_CHUNK": str(args.chunk),
            "ANNOUNCEMENTS_SEND_THREADS": str(args.threads),
        }
        os.environ.update(gateway.env())
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        processes = start_workers(args.workers, worker_env, queue, log_dir)
        try:
            # The chunked drain: a drain task per worker, sharing rows through SKIP LOCKED.
            batch = sample_outbox(args.batch, "Bench: chunked drain")
            load = os.getloadavg()[0]
            start = time.perf_counter()
            for _ in range(args.workers):
                deliveries_drain_task.apply_async(args=["sms", 1800], queue=queue)
            seconds = wait_sent(batch, start)
            sent = Delivery.objects.filter(announcement=batch, status="sent").count()
            results["drain"] = {
                "messages": sent,
                "seconds": round(seconds, 2),
                "per_second": round(sent / seconds),
                "load_start": round(load, 1),
                "load_end": round(os.getloadavg()[0], 1),
                "chunk": args.chunk,
                "threads": args.threads,
            }
            remove(batch)
            # Fresh workers for the other design: a warm shutdown lets a drain task still in
            # its last loop end first, so it cannot send any of the naive design's rows.
            stop_workers(processes)
            processes = start_workers(args.workers, worker_env, queue, log_dir)

            # The naive design: one task per recipient, each its own transaction.
            naive = sample_outbox(args.naive, "Bench: one task per recipient")
            ids = list(Delivery.objects.filter(announcement=naive).values_list("pk", flat=True))
            load = os.getloadavg()[0]
            start = time.perf_counter()
            for pk in ids:
                naive_send_task.apply_async(args=[pk], queue=queue)
            seconds = wait_sent(naive, start)
            sent = Delivery.objects.filter(announcement=naive, status="sent").count()
            results["naive"] = {
                "messages": sent,
                "seconds": round(seconds, 2),
                "per_second": round(sent / seconds),
                "load_start": round(load, 1),
                "load_end": round(os.getloadavg()[0], 1),
            }
            remove(naive)
        finally:
            stop_workers(processes)
        results["gateway"] = gateway.stats()
    results["ratio"] = round(results["drain"]["per_second"] / results["naive"]["per_second"], 1)
    return results


def speech() -> dict[str, Any]:
    from announcements import tts

    start = time.perf_counter()
    try:
        audio = tts.synthesize(NOTICE)
    except tts.EngineUnavailable as exc:
        return {"skipped": str(exc)}
    seconds = time.perf_counter() - start
    with wave.open(io.BytesIO(audio)) as wav:
        audio_seconds = wav.getnframes() / wav.getframerate()
    return {
        "words": len(NOTICE.split()),
        "audio_seconds": round(audio_seconds, 1),
        "work_seconds": round(seconds, 2),
        "audio_per_work_second": round(audio_seconds / seconds, 1),
    }


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Run {results['date']} with `{results['command']}`",
        f"(Python {m['python']}, PostgreSQL {m['postgresql']}, {m['cores']} CPUs, "
        f"load average {m['load']:.1f} at the start).",
        "",
        "| measure | figure |",
        "|---|---|",
    ]
    if "outbox" in results:
        o = results["outbox"]
        lines.append(
            f"| outbox of a province-wide alert ({o['provinces']} provinces) | {o['rows']:,} rows "
            f"in {o['seconds']} s ({o['rows_per_second']:,} rows/s) |"
        )
    if "delivery" in results:
        d = results["delivery"]
        lines += [
            f"| delivery, chunked drain, {results['workers']} workers, chunks of "
            f"{d['drain']['chunk']}, {d['drain']['threads']} sending threads each "
            f"(load {d['drain']['load_start']} to {d['drain']['load_end']}) | "
            f"{d['drain']['messages']:,} messages in {d['drain']['seconds']} s "
            f"({d['drain']['per_second']:,} messages/s) |",
            f"| delivery, one task per recipient, {results['workers']} workers "
            f"(load {d['naive']['load_start']} to {d['naive']['load_end']}) | "
            f"{d['naive']['messages']:,} messages in {d['naive']['seconds']} s "
            f"({d['naive']['per_second']:,} messages/s) |",
            f"| ratio drain / naive | {d['ratio']}x |",
            f"| gateway | {d['gateway']['messages']:,} messages to "
            f"{d['gateway']['recipients']:,} recipients, {d['gateway']['requests']:,} "
            f"requests, {d['gateway']['duplicates']} duplicates |",
        ]
    s = results.get("speech", {"skipped": "not run"})
    if "skipped" in s:
        lines.append(f"| speech synthesis | skipped: {s['skipped']} |")
    else:
        lines.append(
            f"| speech synthesis, one-page notice ({s['words']} words) | {s['audio_seconds']} s "
            f"of audio in {s['work_seconds']} s ({s['audio_per_work_second']}x real time) |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env = environment(url, os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    setup_django(env)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command_line("bench.announcements"),
        "machine": machine(),
        "workers": args.workers,
    }
    parts = set(args.parts.split(","))
    if "speech" in parts:
        results["speech"] = speech()
        print("speech", results["speech"], flush=True)
    if "outbox" in parts:
        results["outbox"] = outbox_write(args.recipients)
        print("outbox", results["outbox"], flush=True)
    if "delivery" in parts:
        results["delivery"] = delivery(args, env)
        print("delivery", results["delivery"], flush=True)
    text = markdown(results)
    save_results(results, text, prefix="announcements-", latest=False)
    print(text)


if __name__ == "__main__":
    main()
