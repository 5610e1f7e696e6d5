"""From clone to first page: how long a newcomer waits for ``make run`` on a fresh clone.

    python3.11 -m bench.first_page --baseline fb804c2 --runs 2

For each run, and for the baseline commit and this one alternately, it clones the repository
into a temporary folder, empties the package caches (pip's and uv's caches point at new empty
folders, so every package is downloaded again), starts ``make run PORT=<free port>`` and
polls ``/`` until it answers 200. It reports the time to the first page and, from the
timestamps of make's output, how much of it went to installing, migrating and the demo data.
Nothing here asserts a timing; the results go to ``docs/benchmarks.md``.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import ROOT, free_port


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def one_run(ref: str, workdir: Path) -> dict[str, float]:
    clone = workdir / f"clone-{ref}"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", ref], check=True)
    caches = workdir / f"caches-{ref}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "PIP_CACHE_DIR": str(caches / "pip"),
        "UV_CACHE_DIR": str(caches / "uv"),
        "PYTHONUNBUFFERED": "1",
    }
    port = free_port()
    log_path = workdir / f"make-run-{ref}.log"
    marks: dict[str, float] = {}
    start = time.monotonic()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=clone,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        while not _answers(port):
            if process.poll() is not None:
                raise SystemExit(f"make run stopped; see {log_path}")
            for line in iter(process.stdout.readline, ""):
                log.write(line)
                now = time.monotonic() - start
                # make echoes "touch .venv/.installed" when the install is done; the demo's
                # first line (or, before, make's echo of seed_demo) ends the migrations.
                if ".venv/.installed" in line and "install" not in marks:
                    marks["install"] = now
                if ("QR signs" in line or "seed_demo" in line) and "migrate" not in marks:
                    marks["migrate"] = now
                if "Demo ready" in line:
                    marks["demo"] = now
            time.sleep(0.2)
        marks["first_page"] = time.monotonic() - start
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    shutil.rmtree(clone, ignore_errors=True)
    shutil.rmtree(caches, ignore_errors=True)
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="the commit to compare with")
    parser.add_argument("--ref", default="HEAD", help="the commit measured (default HEAD)")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    ref = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.ref],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    results: dict[str, list[float]] = {args.baseline: [], ref: []}
    with tempfile.TemporaryDirectory(prefix="first-page-") as tmp:
        for run in range(args.runs):
            for commit in (args.baseline, ref):
                marks = one_run(commit, Path(tmp))
                results[commit].append(marks["first_page"])
                print(
                    f"run {run + 1}, {commit}: "
                    + ", ".join(f"{k} {v:.1f} s" for k, v in marks.items()),
                    flush=True,
                )
    print()
    print("| commit | first page, each run | median |")
    print("|---|---|---|")
    for commit, times in results.items():
        listed = ", ".join(f"{t:.1f} s" for t in times)
        print(f"| {commit} | {listed} | {statistics.median(times):.1f} s |")
    ratio = statistics.median(results[args.baseline]) / statistics.median(results[ref])
    print(f"\n{ref} reaches the first page {ratio:.2f}x as fast as {args.baseline}.")


if __name__ == "__main__":
    sys.exit(main())
