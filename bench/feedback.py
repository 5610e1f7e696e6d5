"""Benchmark of residents' feedback: photo processing and a submission with a 12 MP photo.

    .venv/bin/python -m bench.feedback                      # everything (about 2 minutes)
    .venv/bin/python -m bench.feedback --requests 20 --concurrency 1

1. Photo processing (``feedback.photos.process``) of a 12-megapixel (4000 x 3000) camera-like
   JPEG with EXIF and GPS, and of the same picture as HEIC, each in a fresh Python process:
   median and 95th percentile per photo, and the process's peak resident set (``VmHWM``)
   against its size after Django's setup. Goal from the issue: under 0.5 s per photo.
2. End to end: the portal served by uvicorn (the production command, one process) on
   loopback, against the shared PostgreSQL database ``villageportal_bench`` (override with
   ``BENCH_DATABASE_URL``; this app's migrations are applied to it first) and Redis
   (``BENCH_REDIS_URL``, default DB 8) as the cache. ``--concurrency`` client threads each
   fetch the form once (CSRF cookie), then POST reports with one 12 MP JPEG (multipart, about
   4 MB) until ``--requests`` are done. Reported: requests per second, latency median and
   p95, and the web process's peak resident set (``VmHWM``) against its size after warm-up.
   The rate limits are lifted for this run by ``bench.feedback_settings``; photos go to a
   scratch folder; the benchmark's reports are deleted at the end.

Results are printed as Markdown and saved in ``bench/results/feedback-<date>.json|md``
(git-ignored); the figures worth keeping are in ``docs/benchmarks/feedback.md``. Nothing here
asserts a timing.
"""

import argparse
import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    free_port,
    machine,
    memory_mib,
    percentile,
    report,
    run_worker,
    save_results,
    setup_django,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/villageportal_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/8"
MARK = "[bench] "


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="photos processed per format")
    parser.add_argument("--requests", type=int, default=40, help="timed submissions")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--worker", nargs=2, metavar=("PHOTO", "RUNS"), help=argparse.SUPPRESS)
    return parser.parse_args()


def camera_photo(fmt: str = "JPEG") -> bytes:
    """A 12 MP picture that compresses like a phone photo (gradients and sensor noise)."""
    from PIL import Image

    size = (4000, 3000)
    gradient = Image.linear_gradient("L").resize(size)
    radial = Image.radial_gradient("L").resize(size)
    noise = Image.effect_noise(size, 40)
    image = Image.merge("RGB", (gradient, radial, Image.blend(gradient, noise, 0.5)))
    image = Image.blend(image, Image.merge("RGB", (noise, noise, noise)), 0.15)
    out = io.BytesIO()
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        exif[0x8825] = {1: "N", 2: (18.0, 20.0, 10.5), 3: "E", 4: (105.0, 54.0, 2.25)}
        image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    else:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        # Phones write 12 MP HEIC at 1.5-3 MB; quality 50 gives that size here. iPhones (and
        # most Android phones that write HEIC) store the picture as a grid of 512-pixel tiles,
        # which the decoder decodes in parallel; "HEIF-single" is one frame, the slow case.
        image.save(out, "HEIF", quality=50, tile_size=0 if fmt == "HEIF-single" else 512)
    return out.getvalue()


# ---------------------------------------------------------------------------------------
# 1. Photo processing, in a fresh process per format


def photo_worker(path: str, runs: int) -> None:
    setup_django()
    from feedback import photos

    data = Path(path).read_bytes()
    base_rss = memory_mib()["rss"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = photos.process(data)
        times.append(time.perf_counter() - start)
    report(
        {
            "times": times,
            "base_rss_mib": base_rss,
            "peak_mib": memory_mib()["peak"],
            "out_bytes": len(result.content),
            "out_size": [result.width, result.height],
        }
    )


def bench_photos(runs: int, scratch: Path) -> dict[str, Any]:
    results = {}
    for fmt in ("JPEG", "HEIF", "HEIF-single"):
        data = camera_photo(fmt)
        path = scratch / f"photo.{fmt.lower()}"
        path.write_bytes(data)
        measured = run_worker("bench.feedback", "--worker", str(path), str(runs))
        times = measured["times"]
        results[fmt] = {
            "input_mib": round(len(data) / 2**20, 2),
            "median_s": round(statistics.median(times), 3),
            "p95_s": round(percentile(times, 0.95), 3),
            "base_rss_mib": round(measured["base_rss_mib"], 1),
            "peak_mib": round(measured["peak_mib"], 1),
            "out_kib": round(measured["out_bytes"] / 1024, 1),
            "out_size": measured["out_size"],
        }
    return results


# ---------------------------------------------------------------------------------------
# 2. End to end through uvicorn


def _environment(media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-for-loopback-0123456789",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_STATIC_MANIFEST": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_SETTINGS_MODULE": "bench.feedback_settings",
        "PYTHONPATH": str(ROOT),
        "BENCH_MEDIA_ROOT": str(media),
        "LOG_LEVEL": "WARNING",
    }


def _village_id(env: dict[str, str]) -> str:
    code = (
        "import django;django.setup();"
        "from households.models import Village;"
        "print(Village.objects.current().order_by('name').values_list('pk',flat=True)[0])"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def bench_http(requests_total: int, concurrency: int, scratch: Path) -> dict[str, Any]:
    import requests

    media = scratch / "media"
    media.mkdir()
    env = _environment(media)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "feedback", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    village = _village_id(env)
    photo = camera_photo("JPEG")
    port = free_port()
    log = (scratch / "uvicorn.log").open("w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "villageportal.asgi:application",
            "--lifespan",
            "off",
            "--no-access-log",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/feedback/{village}/new/"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        form = requests.get(url, timeout=30)
        category = re.search(r'name="category"[^>]*>\s*<option value="(\d+)"', form.text)
        if category is None:
            raise SystemExit("the report form has no category:\n" + form.text[:2000])
        category_id = category.group(1)
        warm_rss = memory_mib(server.pid)["rss"]
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        remaining = [requests_total]

        def client() -> None:
            session = requests.Session()
            page = session.get(url, timeout=30)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                start = time.perf_counter()
                response = session.post(
                    url,
                    data={
                        "csrfmiddlewaretoken": token,
                        "category": category_id,
                        "description": MARK + "Đèn đường đầu ngõ không sáng",
                    },
                    files={"photos": ("IMG_0001.jpg", photo, "image/jpeg")},
                    headers={"Referer": url},
                    allow_redirects=False,
                    timeout=120,
                )
                elapsed = time.perf_counter() - start
                with lock:
                    if response.status_code == 302:
                        latencies.append(elapsed)
                    else:
                        errors.append(f"{response.status_code}: {response.text[:300]}")

        # The transport alone: the same multipart body to a GET-only page, which answers 405
        # once the server and Django's ASGI handler have read the whole body.
        transport = []
        with requests.Session() as session:
            for _ in range(10):
                start = time.perf_counter()
                session.post(
                    f"{base}/feedback/track/",
                    files={"photos": ("IMG_0001.jpg", photo, "image/jpeg")},
                    timeout=120,
                )
                transport.append(time.perf_counter() - start)
        transport_peak = memory_mib(server.pid)["peak"]
        # One untimed submission first: imports and connections are warm for the timed ones.
        remaining[0] = 1
        client()
        latencies.clear()
        remaining[0] = requests_total
        threads = [threading.Thread(target=client) for _ in range(concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        peak = memory_mib(server.pid)["peak"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
    cleanup = (
        "import django;django.setup();"
        "from feedback.models import Report;"
        f"print(Report.objects.filter(description__startswith={MARK!r}).delete()[0])"
    )
    subprocess.run([sys.executable, "-c", cleanup], env=env, cwd=ROOT, check=True)
    if errors:
        print("errors:", errors[:3], file=sys.stderr)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "concurrency": concurrency,
        "photo_mib": round(len(photo) / 2**20, 2),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(latencies) / wall, 2) if wall else None,
        "median_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
        "web_rss_after_warmup_mib": round(warm_rss, 1),
        "transport_median_s": round(statistics.median(transport), 3),
        "web_peak_after_transport_mib": round(transport_peak, 1),
        "web_peak_mib": round(peak, 1),
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Feedback benchmark, {result['when']}",
        "",
        f"Machine: {result['machine']}",
        "",
        "## Photo processing (12 MP, 4000 x 3000), one fresh process per format",
        "",
        "| format | input MiB | median s | p95 s | RSS after setup MiB | peak MiB | output |",
        "|---|---|---|---|---|---|---|",
    ]
    for fmt, r in result["photos"].items():
        lines.append(
            f"| {fmt} | {r['input_mib']} | {r['median_s']} | {r['p95_s']} | "
            f"{r['base_rss_mib']} | {r['peak_mib']} | {r['out_size'][0]}x{r['out_size'][1]}, "
            f"{r['out_kib']} KiB |"
        )
    h = result["http"]
    lines += [
        "",
        "## Submission with one 12 MP photo, end to end (uvicorn on loopback, PostgreSQL, Redis)",
        "",
        "| requests | errors | concurrency | photo MiB | req/s | median s | p95 s | "
        "web RSS after warm-up MiB | web peak MiB |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {h['requests']} | {h['errors']} | {h['concurrency']} | {h['photo_mib']} | "
        f"{h['requests_per_s']} | {h['median_s']} | {h['p95_s']} | "
        f"{h['web_rss_after_warmup_mib']} | {h['web_peak_mib']} |",
        "",
        f"Transport alone (the same 12 MP multipart body POSTed to a GET-only page, 405): "
        f"median {h['transport_median_s']} s; web peak after it "
        f"{h['web_peak_after_transport_mib']} MiB.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    if args.worker:
        photo_worker(args.worker[0], int(args.worker[1]))
        return
    m = machine()
    scratch = Path(tempfile.mkdtemp(prefix="bench-feedback-"))
    try:
        result = {
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{m['cpu']}, {m['cores']} CPUs, Python {m['python']}",
            "photos": bench_photos(args.runs, scratch),
            "http": bench_http(args.requests, args.concurrency, scratch),
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = markdown(result)
    save_results(result, text, prefix="feedback-", latest=False)
    print(text)


if __name__ == "__main__":
    main()
