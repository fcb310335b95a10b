"""The cost of the Prometheus middleware per request (hemma/web/metrics.py).

Times GET /healthz (no database) through Django's whole middleware stack in-process, with
the metrics off (no HEMMA_METRICS_TOKEN: the middleware is not loaded) and on, in rounds
that alternate so a busy machine weighs on both alike; then the same with
PROMETHEUS_MULTIPROC_DIR set (what gunicorn.conf.py does), in a child process because
prometheus_client picks its mode at import. On a busy machine the difference of the two
whole-request timings drowns in noise, so the metric updates the middleware makes are also
timed on their own. Also times one scrape of /metrics.

    .venv/bin/python bench/metrics_overhead.py [--requests 3000] [--rounds 5]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "b" * 40


def measure(requests: int, rounds: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hemma.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["testserver"]  # Django's test client's host

    def per_request(token: str) -> float:
        settings.HEMMA_METRICS_TOKEN = token
        client = Client()  # loads the middleware anew with this setting
        assert client.get("/healthz").status_code == 200
        started = time.perf_counter()
        for _ in range(requests):
            client.get("/healthz")
        return (time.perf_counter() - started) / requests * 1e6

    off, on = [], []
    for _ in range(rounds):
        off.append(per_request(""))
        on.append(per_request(TOKEN))
    settings.HEMMA_METRICS_TOKEN = TOKEN
    client = Client()
    scrapes = []
    for _ in range(20):
        started = time.perf_counter()
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        scrapes.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200
    # What the middleware adds to a request besides one call frame: two label lookups, an
    # increment and an observation (in multiprocess mode: writes to memory-mapped files).
    from hemma.web.metrics import LATENCY, REQUESTS

    n = 20_000
    started = time.perf_counter()
    for _ in range(n):
        REQUESTS.labels("healthz", "GET", "2xx").inc()
        LATENCY.labels("healthz").observe(0.003)
    update_us = (time.perf_counter() - started) / n * 1e6
    return {
        "update_us": update_us,
        "off": statistics.median(off),
        "on": statistics.median(on),
        "scrape_ms": statistics.median(scrapes),
        "scrape_bytes": len(response.content),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(repr(measure(args.requests, args.rounds)))
        return
    results = {}
    for mode in ("single process", "multiprocess (mmap files)"):
        env = dict(os.environ)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        with tempfile.TemporaryDirectory() as directory:
            if mode.startswith("multi"):
                env["PROMETHEUS_MULTIPROC_DIR"] = directory
            done = subprocess.run(  # noqa: S603 - this script, fixed arguments
                [sys.executable, __file__, "--child", f"--requests={args.requests}"]
                + [f"--rounds={args.rounds}"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
        results[mode] = eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own repr
    print(f"GET /healthz in-process, {args.requests} requests × {args.rounds} rounds (median)")
    for mode, figures in results.items():
        print(
            f"{mode:28} off {figures['off']:7.1f} µs  on {figures['on']:7.1f} µs  "
            f"difference {figures['on'] - figures['off']:+6.1f} µs/request  "
            f"metric updates {figures['update_us']:.1f} µs/request  "
            f"scrape {figures['scrape_ms']:.1f} ms ({figures['scrape_bytes']:,} bytes)"
        )


if __name__ == "__main__":
    main()
