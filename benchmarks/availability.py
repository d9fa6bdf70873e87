"""How long until a researcher sees every offer as a DataFrame with its costs?

Serves 2,000 single-node + 12 multi-node offers from the sandbox (in its own process,
100 ms of latency injected per request) and times, in one run, median of N rounds:

(a) ``Client.availability()``: call → DataFrame with every cost column (cold client,
    and warm: same client, ``refresh=True``, so it remembers how many pages there are);
(b) what the official CLI does: pages one after another, each parsed into models;
(c) the floor: page 1, then every other page at once, bytes only, nothing parsed.

    .venv/bin/python benchmarks/availability.py [--rounds 5] [--latency-ms 100]

Goal: (b)/(a) ≥ 8 and (a)/(c) ≤ 1.2. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from pydantic import TypeAdapter

import prime_magics as pm

PATHS = ("/api/v1/availability/gpus", "/api/v1/availability/multi-node")
KEY = "sandbox-benchmark-key"
offers_adapter = TypeAdapter(list[pm.GpuOffer])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(port: int, latency_ms: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "prime_magics.sandbox", "--port", str(port)]
    command += ["--gpu-offers", "2000", "--multinode-offers", "12"]
    command += ["--latency", str(latency_ms)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the sandbox did not start")


def ours_cold(base: str) -> int:
    with pm.Client(api_key=KEY, base_url=base, cache_ttl=0) as client:
        return len(client.availability())


def make_ours_warm(base: str) -> Callable[[str], int]:
    client = pm.Client(api_key=KEY, base_url=base, cache_ttl=0)
    client.availability()  # learn the page counts once

    def run(_: str) -> int:
        return len(client.availability(refresh=True))

    return run


def sequential_models(base: str) -> int:
    """The official CLI's loop: one page after another, each parsed into models."""
    offers: list[pm.GpuOffer] = []
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=base, headers=headers) as http:
        for path in PATHS:
            page, seen = 1, 0
            while True:
                body = http.get(path, params={"page": page, "page_size": 100}).json()
                offers += offers_adapter.validate_python(body["items"])
                seen += len(body["items"])
                if not body["items"] or seen >= body["totalCount"]:
                    break
                page += 1
    return len(offers)


def floor_bytes(base: str) -> int:
    """Page 1 of each endpoint, then all other pages at once; bytes only."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=base, headers=headers) as http, ThreadPoolExecutor(32) as pool:

        def get(path: str, page: int) -> bytes:
            return http.get(path, params={"page": page, "page_size": 100}).content

        firsts = list(pool.map(lambda p: get(p, 1), PATHS))
        totals = [int(json.loads(b)["totalCount"]) for b in firsts]  # needed to know the rest
        rest = [
            (p, n)
            for p, t in zip(PATHS, totals, strict=True)
            for n in range(2, math.ceil(t / 100) + 1)
        ]
        size = sum(len(b) for b in firsts)
        size += sum(len(b) for b in pool.map(lambda a: get(*a), rest))
        return size


def interleaved(runs: dict[str, Callable[[str], Any]], base: str, rounds: int) -> dict[str, float]:
    """Median seconds per approach; one of each per round, so drift hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run(base)
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=100)
    args = parser.parse_args()
    port = free_port()
    process = serve(port, args.latency_ms)
    base = f"http://127.0.0.1:{port}"
    try:
        rows, models, size = ours_cold(base), sequential_models(base), floor_bytes(base)
        runs = {"a": ours_cold, "a'": make_ours_warm(base), "b": sequential_models}
        runs["c"] = floor_bytes
        medians = interleaved(runs, base, args.rounds)
        a_cold, a_warm, b, c = medians["a"], medians["a'"], medians["b"], medians["c"]
    finally:
        process.terminate()
        process.wait(10)
    print(f"offers: {rows} rows (sequential parse saw {models}); {size / 1e6:.1f} MB per fetch")
    print(f"latency per request: {args.latency_ms} ms; median of {args.rounds} rounds")
    print(f"(a)  availability() → DataFrame, cold client : {a_cold * 1000:7.0f} ms")
    print(f"(a') availability() → DataFrame, warm client : {a_warm * 1000:7.0f} ms")
    print(f"(b)  sequential pages → models (official CLI): {b * 1000:7.0f} ms")
    print(f"(c)  floor: page 1, then the rest, bytes only: {c * 1000:7.0f} ms")
    print(f"(b)/(a) = {b / a_cold:.1f} cold, {b / a_warm:.1f} warm   (goal ≥ 8)")
    print(f"(a)/(c) = {a_cold / c:.2f} cold, {a_warm / c:.2f} warm   (goal ≤ 1.2)")


if __name__ == "__main__":
    main()
