"""What does a remote cell cost over SSH, next to Debian's OpenSSH? (issue 22)

One run, on loopback, against ONE real OpenSSH server (Debian's ``sshd``, started here on
a free 127.0.0.1 port with its own config and keys in a temporary folder, as
``tests/openssh_server.py`` does for the tests, and ended by its PID at the end):

1. Per-cell overhead, the median of ``--rounds`` calls:
   - ``ssh host true`` with Debian's OpenSSH client (a new process, connection and
     authentication each time): the bare SSH round trip, the goal's yardstick;
   - the same over a multiplexed OpenSSH connection (``ControlMaster``), for reference;
   - ``Remote.run("")`` on its kept connection: what ``%%prime run`` of an empty cell
     costs after the first (a channel, a fresh Python process on the pod, its result);
   - ``Remote.run("")`` with a new ``Remote`` each time: the first cell (connect too).
2. Transfer of ``--megabytes`` (100) of random bytes, the median of ``--transfers`` rounds:
   ``Remote.put``/``Remote.get`` (SFTP, sha256 checked on both sides, written under a
   temporary name and renamed) against ``scp`` (OpenSSH 9's scp speaks SFTP too), to and
   from the same server.

Printed side by side with the ratios against the goals: per-cell overhead at most 1.5×
``ssh host true``; transfer throughput at least 0.8× scp's. Nothing is asserted.

    .venv/bin/python benchmarks/remote.py [--rounds 30] [--transfers 3] [--megabytes 100]

The pod side runs this interpreter (``python=sys.executable``), as a pod runs its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests/openssh_server.py: the one way an sshd is started

from prime_magics.ssh import Remote  # noqa: E402
from tests.openssh_server import OpenSshServer, missing_reason, openssh_client  # noqa: E402

OVERHEAD_GOAL = 1.5  # Remote.run("") at most this many times `ssh host true`
THROUGHPUT_GOAL = 0.8  # put/get at least this share of scp's throughput


def median_s(action: Callable[[], object], rounds: int) -> float:
    """Median wall seconds of ``rounds`` calls (after one untimed warm-up call)."""
    action()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(args: list[str]) -> None:
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL, capture_output=True)


def version(binary: str, flag: str = "-V") -> str:
    done = subprocess.run([binary, flag], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=30, help="calls per overhead median")
    parser.add_argument("--transfers", type=int, default=3, help="rounds per transfer median")
    parser.add_argument("--megabytes", type=int, default=100, help="size of the transfer")
    options = parser.parse_args()
    missing = missing_reason()
    ssh = openssh_client()
    if missing is not None or ssh is None:
        sys.exit(f"cannot run: {missing or 'no ssh client (apt-get install openssh-client)'}")
    scp = str(Path(ssh).with_name("scp"))
    with tempfile.TemporaryDirectory(prefix="pm-remote-bench-") as folder:
        work = Path(folder)
        with OpenSshServer(work / "sshd") as server:
            report(server, ssh, scp, work, options)


def report(
    server: OpenSshServer, ssh: str, scp: str, work: Path, options: argparse.Namespace
) -> None:
    dest = f"{server.user}@127.0.0.1"
    base = [ssh, *server.ssh_options(), "-p", str(server.port)]
    control = work / "control.sock"
    muxed = [*base, "-o", "ControlMaster=auto", "-o", f"ControlPath={control}",
             "-o", "ControlPersist=120"]  # fmt: skip
    quiet: Callable[[str, str], None] = lambda stream, text: None  # noqa: E731

    def remote() -> Remote:
        return Remote(server.ssh_connection, identity=server.client_key,
                      python=sys.executable, known_hosts=work / "known_hosts",
                      label="bench")  # fmt: skip

    def fresh_remote_run() -> None:
        with remote() as made:
            made.run("", on_output=quiet)

    kept = remote()
    try:
        rounds = options.rounds
        ssh_true = median_s(lambda: run([*base, dest, "true"]), rounds)
        muxed_true = median_s(lambda: run([*muxed, dest, "true"]), rounds)
        run_kept = median_s(lambda: kept.run("", on_output=quiet), rounds)
        run_fresh = median_s(fresh_remote_run, rounds)
        subprocess.run([*muxed, "-O", "exit", dest], capture_output=True, check=False)

        size = options.megabytes * 1_000_000
        local = work / "payload.bin"
        with local.open("wb") as out:
            for _ in range(options.megabytes):
                out.write(os.urandom(1_000_000))
        far = work / "far"
        far.mkdir()
        scp_base = [scp, *server.ssh_options(), "-P", str(server.port), "-q"]
        n = options.transfers
        scp_put = median_s(lambda: run([*scp_base, str(local), f"{dest}:{far / 'scp.bin'}"]), n)
        our_put = median_s(lambda: kept.put(local, str(far / "ours.bin")), n)
        scp_get = median_s(lambda: run([*scp_base, f"{dest}:{far / 'scp.bin'}",
                                        str(work / "scp_back.bin")]), n)  # fmt: skip
        our_get = median_s(lambda: kept.get(str(far / "ours.bin"), work / "ours_back.bin"), n)
    finally:
        kept.close()

    mb = size / 1e6
    print(f"sshd: {version(str(server_binary()))} on 127.0.0.1:{server.port} (pid {server.pid})")
    print(f"ssh:  {version(ssh)}; Python {sys.version.split()[0]} on both sides")
    print()
    print(f"Per-cell overhead, median of {options.rounds} calls (ms)")
    width = 48
    rows = [
        ("ssh host true (new connection each time)", ssh_true, ""),
        ("ssh host true (multiplexed, ControlMaster)", muxed_true, ""),
        ('Remote.run("") (kept connection: %%prime run)', run_kept,
         _ratio(run_kept / ssh_true, f"≤ {OVERHEAD_GOAL}×", run_kept / ssh_true <= OVERHEAD_GOAL)),
        ('Remote.run("") (new Remote: first cell)', run_fresh,
         _ratio(run_fresh / ssh_true, "", None)),
    ]  # fmt: skip
    for name, seconds, note in rows:
        print(f"  {name:<{width}} {seconds * 1000:8.1f}  {note}")
    print()
    print(f"Transfer of {mb:.0f} MB, median of {n} rounds (MB/s)")
    for name, ours, theirs in (("put", our_put, scp_put), ("get", our_get, scp_get)):
        share = theirs / ours  # throughput ratio = time ratio inverted
        print(f"  {'scp ' + name:<{width}} {mb / theirs:8.1f}")
        print(f"  {'Remote.' + name:<{width}} {mb / ours:8.1f}  "
              f"{_ratio(share, f'≥ {THROUGHPUT_GOAL}×', share >= THROUGHPUT_GOAL)}")  # fmt: skip


def server_binary() -> Path:
    from tests.openssh_server import SSHD

    return SSHD


def _ratio(ratio: float, goal: str, met: bool | None) -> str:
    verdict = "" if met is None else (" met" if met else " NOT met")
    return f"{ratio:.2f}× ssh true" if not goal else f"{ratio:.2f}× (goal {goal}{verdict})"


if __name__ == "__main__":
    main()
