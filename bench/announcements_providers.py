"""The outbox against realistic providers, beside the naive design at the same concurrency.

    .venv/bin/python -m bench.announcements_providers
    .venv/bin/python -m bench.announcements_providers --recipients 2000 --workers 2 --threads 16

The providers are the test suite's own fakes (``tests/announcements/fake_esms.py`` for eSMS,
``fake_zalo.py`` for Zalo ZNS), run in this process, with each answer taking a time drawn
uniformly from ``--latency`` (50-200 ms, seeded) and a rate limit per provider account
(``--sms-rate``, ``--zalo-rate`` requests per second; neither provider documents one, see the
fakes' docstrings), over which they answer 429 and store nothing.

For each channel, on the same ``--recipients`` residents with a phone:

- the outbox: ``--workers`` Celery worker processes (solo pool), one drain task each, each
  sending its chunks from ``--threads`` threads, so ``workers x threads`` calls in flight at
  most; the portal's shared per-channel limit (``ANNOUNCEMENTS_RATE_<CHANNEL>``) is set to the
  provider's rate limit, as an operator would;
- the naive design: one Celery task per recipient (``bench.announcements_naive
  .naive_deliver_task``: lock the row, call, mark sent, in one transaction; a 429 retried a
  second later), on ``--workers`` worker processes with a thread pool of ``--threads`` each:
  the same ``workers x threads`` calls in flight at most.

Messages per second count from the first task queued until no row of the sample is queued or
being sent. Correctness is checked at the fake: every row sent is one message there, none
twice, none missing. Results go to ``bench/results/announcements-providers-<date>.{json,md}``
(git-ignored); the figures kept are in ``docs/benchmarks/announcements.md``. Nothing asserts
a time.
"""

import argparse
import os
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.announcements import (
    DEFAULT_REDIS,
    bench_announcement,
    environment,
    remove,
    start_workers,
    stop_workers,
    vacuum,
)
from bench.common import DEFAULT_URL, command_line, machine, save_results, setup_django

CHANNELS = ("sms", "zalo")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=2000, help="per channel and design")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16, help="senders per worker, each side")
    parser.add_argument("--chunk", type=int, default=200, help="rows per drain transaction")
    parser.add_argument("--latency", default="0.05,0.2", help="seconds per call: low,high")
    parser.add_argument("--seed", type=int, default=20, help="seed of the latency draws")
    parser.add_argument("--sms-rate", type=int, default=200, help="eSMS requests per second")
    parser.add_argument("--zalo-rate", type=int, default=200, help="ZNS requests per second")
    return parser.parse_args()


def sample(channel: str, size: int, title: str) -> Any:
    from announcements.services import deliveries_create
    from households.models import Resident

    ids = list(
        Resident.objects.current()
        .exclude(phone="")
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    announcement = bench_announcement(title)
    announcement.channels = [channel]
    announcement.save(update_fields=["channels"])
    deliveries_create(
        announcement=announcement,
        residents=Resident.objects.filter(pk__in=ids),
        channels=[channel],
    )
    vacuum()
    return announcement


def wait_done(announcement: Any, start: float, timeout: float = 900) -> float:
    from announcements.models import Delivery

    pending = [Delivery.Status.QUEUED, Delivery.Status.SENDING]
    while time.perf_counter() - start < timeout:
        if not Delivery.objects.filter(announcement=announcement, status__in=pending).exists():
            break
        time.sleep(0.1)
    return time.perf_counter() - start


def check(announcement: Any, fake: Any, before: int) -> dict[str, Any]:
    """The sample's rows against the messages the fake provider stored during the run."""
    from announcements.models import Delivery

    rows = dict(
        Delivery.objects.filter(announcement=announcement).values_list("request_id", "status")
    )
    stored = Counter(
        m["request_id"] for m in list(fake.state.messages.values())[before:] if m["request_id"]
    )
    sent = {key for key, status in rows.items() if status == "sent"}
    others = Counter(
        f"{status}: {reason}"
        for status, reason in Delivery.objects.filter(announcement=announcement)
        .exclude(status="sent")
        .values_list("status", "reason")
    )
    return {
        "not_sent_why": dict(others),
        "rows": len(rows),
        "sent": len(sent),
        "not_sent": len(rows) - len(sent),
        "messages_at_provider": sum(stored.values()),
        "duplicates": sum(n - 1 for n in stored.values() if n > 1),
        "lost": len(sent - set(stored)),
        "strays": len(set(stored) - set(rows)),
    }


def wait_ready(queue: str, count: int, timeout: float = 180) -> None:
    """Until every worker of ``queue`` answers a ping: under load a worker takes longer than
    ``start_workers``' pause to import the portal, and its start-up is not sending time."""
    import socket

    from villageportal.celery import app

    names = [f"bench{n}-{queue}@{socket.gethostname()}" for n in range(count)]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(destination=names, timeout=1.0)
        if len(replies) >= count:
            return
    raise RuntimeError(f"workers of {queue} not ready after {timeout} s")


def run_one(
    design: str,
    channel: str,
    args: argparse.Namespace,
    env: dict[str, str],
    fake: Any,
    log_dir: Path,
) -> dict[str, Any]:
    from announcements.tasks import deliveries_drain_task
    from bench.announcements_naive import naive_deliver_task

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    if design == "outbox":
        processes = start_workers(args.workers, env, queue, log_dir)
    else:
        processes = start_workers(
            args.workers, env, queue, log_dir, pool="threads", concurrency=args.threads
        )
    try:
        wait_ready(queue, args.workers)
        announcement = sample(channel, args.recipients, f"Bench: {design} {channel}")
        from announcements.models import Delivery

        ids = list(
            Delivery.objects.filter(announcement=announcement)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        before_messages = len(fake.state.messages)
        before_limited = fake.state.rate_limited
        fake.state.max_in_flight = 0
        load = os.getloadavg()[0]
        start = time.perf_counter()
        if design == "outbox":
            for _ in range(args.workers):
                deliveries_drain_task.apply_async(args=[channel, 590], queue=queue)
        else:
            for pk in ids:
                naive_deliver_task.apply_async(args=[pk], queue=queue)
        seconds = wait_done(announcement, start)
        result = check(announcement, fake, before_messages)
        result.update(
            {
                "seconds": round(seconds, 2),
                "per_second": round(result["sent"] / seconds, 1),
                "answered_429": fake.state.rate_limited - before_limited,
                "most_in_flight": fake.state.max_in_flight,
                "load_start": round(load, 1),
                "load_end": round(os.getloadavg()[0], 1),
            }
        )
        remove(announcement)
    finally:
        stop_workers(processes)
    return result


def markdown(results: dict[str, Any]) -> str:
    m, a = results["machine"], results["args"]
    senders = a["workers"] * a["threads"]
    lines = [
        f"Run {results['date']} with `{results['command']}`",
        f"(Python {m['python']}, PostgreSQL {m['postgresql']}, {m['cores']} CPUs, "
        f"load average {m['load']:.1f} at the start).",
        "",
        f"Providers: latency {a['latency']} s per call (uniform, seed {a['seed']}); "
        f"eSMS {a['sms_rate']} requests/s, ZNS {a['zalo_rate']} requests/s. "
        f"Concurrency, both designs: {senders} calls in flight at most "
        f"({a['workers']} worker processes x {a['threads']}).",
        "",
        "| channel | design | messages | seconds | messages/s | most calls in flight "
        "| 429 answers | duplicates | lost | not sent | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for channel in CHANNELS:
        for design in ("outbox", "naive"):
            r = results["runs"][channel][design]
            lines.append(
                f"| {channel} | {design} | {r['sent']:,} | {r['seconds']} | "
                f"**{r['per_second']}** | {r['most_in_flight']} | {r['answered_429']} | "
                f"{r['duplicates']} | "
                f"{r['lost']} | {r['not_sent']} | {r['load_start']} to {r['load_end']} |"
            )
        lines.append(f"| {channel} | ratio outbox / naive | | | **{results['ratio'][channel]}x** |")
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    env = environment(url, os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    low, high = (float(x) for x in args.latency.split(","))
    from tests.announcements.fake_gateway import FakeProviders
    from tests.announcements.fake_zalo import TOKEN_KEY

    with FakeProviders() as fake:
        for provider, rate in ((fake.sms, args.sms_rate), (fake.zalo, args.zalo_rate)):
            provider.state.latency = (low, high)
            provider.state.rate_limit = rate
        fake.sms.state.rng.seed(args.seed)
        fake.zalo.state.rng.seed(args.seed + 1)
        worker_env = {
            **env,
            **fake.env(),
            "ANNOUNCEMENTS_TOKEN_KEY": TOKEN_KEY,
            "ANNOUNCEMENTS_CHUNK": str(args.chunk),
            "ANNOUNCEMENTS_SEND_THREADS": str(args.threads),
            "ANNOUNCEMENTS_RATE_SMS": str(args.sms_rate),
            "ANNOUNCEMENTS_RATE_ZALO": str(args.zalo_rate),
            "ANNOUNCEMENTS_RETRY_SECONDS": "1",
        }
        setup_django(worker_env)
        from announcements.models import Announcement, ZaloToken

        ZaloToken.objects.all().delete()  # a token of an earlier run's fake is unknown here
        for leftover in Announcement.objects.filter(title__startswith="Bench: "):
            remove(leftover)  # an interrupted run's sample would be drained with this one's
        results: dict[str, Any] = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "command": command_line("bench.announcements_providers"),
            "machine": machine(),
            "args": vars(args),
            "runs": {},
            "ratio": {},
        }
        log_dir = Path(tempfile.mkdtemp(prefix="bench-providers-"))
        for channel in CHANNELS:
            runs = results["runs"].setdefault(channel, {})
            for design in ("outbox", "naive"):  # the outbox first: it fetches the ZNS token
                provider = fake.sms if channel == "sms" else fake.zalo
                runs[design] = run_one(design, channel, args, worker_env, provider, log_dir)
                print(channel, design, runs[design], flush=True)
            naive = runs["naive"]["per_second"] or 1
            results["ratio"][channel] = round(runs["outbox"]["per_second"] / naive, 2)
    text = markdown(results)
    save_results(results, text, prefix="announcements-providers-", latest=False)
    print(text)


if __name__ == "__main__":
    main()
