"""How long until a researcher sees every offer as a DataFrame with its costs? (issue 14)

Every number is the median of ``--rounds`` fresh processes (imports not timed, except in
the import section), printed side by side in one run; nothing is asserted.

1. Latency (the sandbox in its own process, 2,000 + 12 offers, 100 ms per request):
   - the official SDK (``prime==0.18.0`` in ``<repo>/.venv-prime-cli``, made by
     ``scripts/_cli_venv.sh``): ``AvailabilityClient(APIClient()).get()``;
   - ``pm.Client().availability()`` cold: a new process with no page counts on disk;
   - remembered: a new process whose ``~/.prime`` holds the counts of an earlier one;
   - warm: the same client again with ``refresh=True``;
   - cached: the same call again within the cache's lifetime (a copy of the frame);
   - the floor: page 1 of each endpoint, then every other page at once, bytes only
     (its ``httpx.Client`` made before the clock starts, as the client is in ours).
2. CPU (0 ms latency): 1,000, 10,000 and 50,000 offers (+ 12 multi-node), time and peak
   memory (max RSS growth during the call), next to the floor over the same server
   (bytes only, no decoding, no frame: the two waves of section 1 or one connection page
   after page, whichever is faster) and how each grows from size to size. The
   sandbox's catalogue holds at most 2,798 offers, so these are served by a plain
   threaded HTTP server in this script: the sandbox's own 2,000-offer pages, repeated with
   distinct cloud ids, pre-serialised (so the server's CPU does not blur the client's).
3. Import: CPU seconds of ``import prime_magics`` beyond ``import pandas``, and of the
   ``%prime`` magics module that ``%load_ext prime_magics`` imports.

    .venv/bin/python benchmarks/availability.py [--rounds 5] [--latency-ms 100]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

REPO = Path(__file__).resolve().parents[1]
SDK_PYTHON = REPO / ".venv-prime-cli" / "bin" / "python"
PATHS = ("/api/v1/availability/gpus", "/api/v1/availability/multi-node")
KEY = "sandbox-benchmark-key"

# -- what each fresh process runs; it prints one JSON line --------------------------------

OURS = """
import json, os, resource, statistics, sys, time
import pandas
import prime_magics as pm
base, repeats = sys.argv[1], int(sys.argv[2])
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
out = {}
client = pm.Client(api_key="KEY", base_url=base, cache_ttl=600)
before = rss(); start = time.perf_counter()
frame = client.availability()
out["first"] = time.perf_counter() - start
out["peak_bytes"] = rss() - before
out["rows"] = len(frame)
if repeats:
    start = time.perf_counter()
    client.availability(refresh=True)
    out["warm"] = time.perf_counter() - start
    cached, copies = [], []
    for _ in range(repeats):
        start = time.perf_counter(); client.availability()
        cached.append(time.perf_counter() - start)
        start = time.perf_counter(); frame.copy()
        copies.append(time.perf_counter() - start)
    out["cached"], out["copy"] = statistics.median(cached), statistics.median(copies)
print(json.dumps(out))
""".replace("KEY", KEY)

SDK = """
import json, resource, time
from prime_cli.api.availability import AvailabilityClient
from prime_cli.core.client import APIClient
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
before = rss(); start = time.perf_counter()
answer = AvailabilityClient(APIClient()).get()
took = time.perf_counter() - start
print(json.dumps({"first": took, "peak_bytes": rss() - before,
                  "rows": sum(len(v) for v in answer.values())}))
"""

FLOOR = """
import json, math, sys, time
from concurrent.futures import ThreadPoolExecutor
import httpx
base, paths, also_sequential = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
# made before the clock starts, as the client is in OURS (an SSL context costs ~20 ms)
http = httpx.Client(base_url=base, headers={"Authorization": "Bearer KEY"})
pool = ThreadPoolExecutor(32)
get = lambda a: http.get(a[0], params={"page": a[1], "page_size": 100}).content
def rest(firsts):
    totals = [int(json.loads(b)["totalCount"]) for b in firsts]  # needed to know the rest
    return [(p, n) for p, t in zip(paths, totals) for n in range(2, math.ceil(t / 100) + 1)]
start = time.perf_counter()
firsts = list(pool.map(get, [(p, 1) for p in paths]))
size = sum(map(len, firsts)) + sum(map(len, pool.map(get, rest(firsts))))
out = {"waves": time.perf_counter() - start, "bytes": size}
if also_sequential:  # at 0 ms latency one connection, page after page, may be cheaper
    start = time.perf_counter()
    firsts = [get((p, 1)) for p in paths]
    [get(a) for a in rest(firsts)]
    out["sequential"] = time.perf_counter() - start
out["first"] = min(out["waves"], out.get("sequential", math.inf))
print(json.dumps(out))
""".replace("KEY", KEY)

IMPORTS = """
import json, time
t0 = time.process_time(); import pandas; t1 = time.process_time()
import prime_magics; t2 = time.process_time()
import IPython; from IPython.core import magic; t3 = time.process_time()
import prime_magics.magics; t4 = time.process_time()
print(json.dumps({"pandas": t1 - t0, "package": t2 - t1, "magics": t4 - t3}))
"""


def child(python: Path | str, code: str, *args: str, home: str | None = None, **env: str) -> Any:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PRIME_")}
    environment["HOME"] = home or tempfile.mkdtemp(prefix="pm-bench-home-")
    environment["PYTHONPATH"] = str(REPO)  # this tree, not an installed copy
    environment.update(env)
    done = subprocess.run(
        [str(python), "-c", textwrap.dedent(code), *args],
        capture_output=True, text=True, env=environment, timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"a benchmark process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sdk(base: str) -> Any:
    if not SDK_PYTHON.exists():
        return None
    env = {"PRIME_API_KEY": KEY, "PRIME_API_BASE_URL": base, "PYTHONPATH": ""}
    return child(SDK_PYTHON, SDK, **env)


# -- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process is not None and process.poll() is not None:
                break
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def sandbox(port: int, offers: int, latency_ms: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "prime_magics.sandbox", "--port", str(port)]
    command += ["--gpu-offers", str(offers), "--multinode-offers", "12"]
    command += ["--latency", str(latency_ms)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    wait_for(port, process)
    return process


def all_items(base: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}) as http:
        for path in PATHS:
            items, page = [], 1
            while True:
                body = http.get(path, params={"page": page, "page_size": 100}).json()
                items += body["items"]
                if len(items) >= body["totalCount"] or not body["items"]:
                    break
                page += 1
            out[path] = items
    return out


class Catalogue(ThreadingHTTPServer):
    """Pre-serialised pages of ``n`` offers: the sandbox's, repeated, ids made distinct.

    Its listen backlog is an API's, not ``socketserver``'s default of 5: a client opening
    its connections at once would otherwise lose SYNs and wait a second to resend them."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, source: dict[str, list[Any]], n: int) -> None:
        single = source[PATHS[0]]
        grown = [
            {**single[i % len(single)], "cloudId": f"{single[i % len(single)]['cloudId']}-{i}"}
            for i in range(n)
        ]
        self.pages: dict[tuple[str, int], bytes] = {}
        for path, items in ((PATHS[0], grown), (PATHS[1], source[PATHS[1]])):
            for page in range(1, max(1, math.ceil(len(items) / 100)) + 2):
                chunk = items[(page - 1) * 100 : page * 100]
                body = {"items": chunk, "totalCount": len(items)}
                self.pages[path, page] = json.dumps(body).encode()
        super().__init__(("127.0.0.1", port), _Pages)


class _Pages(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        url = urlparse(self.path)
        page = int(parse_qs(url.query).get("page", ["1"])[0])
        server: Any = self.server
        path = url.path.rstrip("/")
        body = server.pages.get((path, page)) or b'{"items": [], "totalCount": 0}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


# -- the run ------------------------------------------------------------------------------


def median(rows: list[Any], key: str) -> float:
    return float(statistics.median(r[key] for r in rows))


def source_items(offers: int) -> dict[str, list[Any]]:
    port = free_port()
    process = sandbox(port, offers, 0)
    try:
        return all_items(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(10)


def latency_section(rounds: int, latency_ms: int, offers: int) -> dict[str, list[Any]]:
    port = free_port()
    process = sandbox(port, offers, latency_ms)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[Any]] = {"cold": [], "remembered": [], "sdk": [], "floor": []}
    try:
        for _ in range(rounds):  # one of each per round, so drift hits all alike
            home = tempfile.mkdtemp(prefix="pm-bench-home-")
            results["cold"].append(child(sys.executable, OURS, base, "50", home=home))
            results["remembered"].append(child(sys.executable, OURS, base, "0", home=home))
            if (answer := sdk(base)) is not None:
                results["sdk"].append(answer)
            results["floor"].append(child(sys.executable, FLOOR, base, json.dumps(PATHS), "0"))
    finally:
        process.terminate()
        process.wait(10)
    return results


def cpu_run(source: dict[str, list[Any]], n: int, rounds: int, with_sdk: bool) -> Any:
    port = free_port()
    server = Catalogue(port, source, n)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    ours, theirs, floors = [], [], []
    try:
        for _ in range(rounds):
            ours.append(child(sys.executable, OURS, base, "0"))
            if with_sdk and (answer := sdk(base)) is not None:
                theirs.append(answer)
            floors.append(child(sys.executable, FLOOR, base, json.dumps(PATHS), "1"))
    finally:
        server.shutdown()
        server.server_close()
    return ours, theirs, floors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--offers", type=int, default=2000)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--sdk-sizes", default="1000,10000", help="sizes the SDK also runs")
    args = parser.parse_args()
    r = args.rounds
    print(f"median of {r} fresh processes each; {os.cpu_count()} cores")
    if not SDK_PYTHON.exists():
        print(f"!! the official SDK is absent ({SDK_PYTHON}): run scripts/_cli_venv.sh")

    lat = latency_section(r, args.latency_ms, args.offers)
    cold, floor = median(lat["cold"], "first"), median(lat["floor"], "first")
    remembered, warm = median(lat["remembered"], "first"), median(lat["cold"], "warm")
    cached, copy = median(lat["cold"], "cached"), median(lat["cold"], "copy")
    rows = lat["cold"][0]["rows"]
    sdk_s = median(lat["sdk"], "first") if lat["sdk"] else math.nan
    sdk_rows = lat["sdk"][0]["rows"] if lat["sdk"] else 0
    mb = lat["floor"][0]["bytes"] / 1e6
    print(
        f"\n1. {rows} offers ({sdk_rows} by the SDK), {mb:.1f} MB, {args.latency_ms} ms a request"
    )
    print(f"   official SDK, AvailabilityClient.get()      {sdk_s * 1000:8.0f} ms")
    print(f"   availability(), cold (new process)          {cold * 1000:8.0f} ms")
    print(f"   availability(), new process, counts on disk {remembered * 1000:8.0f} ms")
    print(f"   availability(refresh=True), warm client     {warm * 1000:8.0f} ms")
    print(f"   availability() again, cached (a copy)       {cached * 1000:8.2f} ms"
          f"   (of which DataFrame.copy() {copy * 1000:.2f} ms)")  # fmt: skip
    print(f"   floor: page 1, then the rest, bytes only    {floor * 1000:8.0f} ms")
    print(f"   SDK / cold = ×{sdk_s / cold:.1f} (goal ≥ 8);  cold / floor = ×{cold / floor:.2f}"
          f" (goal ≤ 1.15);  remembered / floor = ×{remembered / floor:.2f}")  # fmt: skip

    source = source_items(args.offers)
    print("\n2. 0 ms latency (CPU-bound); peak = max RSS growth during the call;")
    print("   floor = bytes only over the same HTTP stack (httpx): the two waves of section 1 or")
    print("   one connection page after page, whichever is faster")
    print(
        "     offers |  ours ms | floor ms | ours/floor | ours peak MB | µs/offer |"
        "   SDK ms | SDK peak MB | SDK/ours | SDK/floor"
    )
    sdk_sizes = {int(s) for s in args.sdk_sizes.split(",") if s}
    grown: list[tuple[int, float, float]] = []
    for n in (int(s) for s in args.sizes.split(",")):
        ours, theirs, floors = cpu_run(source, n, r, n in sdk_sizes)
        t, peak = median(ours, "first"), median(ours, "peak_bytes") / 1e6
        bare = median(floors, "first")
        total = ours[0]["rows"]
        grown.append((total, t, peak))
        line = (
            f"   {total:8d} | {t * 1000:8.0f} | {bare * 1000:8.0f} | {t / bare:10.2f} |"
            f" {peak:12.1f} | {t / total * 1e6:8.1f} |"
        )
        if theirs:
            assert theirs[0]["rows"] == total, f"the SDK read {theirs[0]['rows']} of {total}"
            ts, ps = median(theirs, "first"), median(theirs, "peak_bytes") / 1e6
            line += f" {ts * 1000:8.0f} | {ps:11.1f} | {'×' + format(ts / t, '.1f'):>8} |"
            line += f" ×{ts / bare:.1f}"
        else:
            line += "        – |           – |        – |"
        print(line)
    steps = [
        f"{a[0]:,}→{b[0]:,} offers ×{b[0] / a[0]:.1f}: time ×{b[1] / a[1]:.1f},"
        f" peak ×{b[2] / a[2]:.1f}"
        for a, b in itertools.pairwise(grown)
    ]
    if steps:
        print("   growth: " + ";  ".join(steps))

    imports = [child(sys.executable, IMPORTS) for _ in range(r)]
    print("\n3. import, CPU ms (goal: the package < 100 beyond pandas)")
    print(f"   import pandas {median(imports, 'pandas') * 1000:.0f};"
          f"  import prime_magics beyond it {median(imports, 'package') * 1000:.0f};"
          f"  the %prime magics module (%load_ext)"
          f" {median(imports, 'magics') * 1000:.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
