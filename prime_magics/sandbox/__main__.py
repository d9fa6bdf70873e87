"""`python -m prime_magics.sandbox`: serve the sandbox in the foreground until Ctrl-C.

Binds 127.0.0.1 only. Prints the URL first (a parent process can read it, which matters
with `--port 0`) and says plainly that it is a sandbox, so nobody mistakes its offers for
real ones.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType

from .config import VALIDATION_ERROR_STYLES, SandboxConfig
from .server import start_sandbox


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m prime_magics.sandbox",
        description="Serve a simulated Prime Intellect API on 127.0.0.1 (no real GPUs, no cost).",
    )
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one")
    parser.add_argument("--seed", type=int, default=SandboxConfig.seed)
    parser.add_argument("--gpu-offers", type=int, default=SandboxConfig.gpu_offers)
    parser.add_argument("--multinode-offers", type=int, default=SandboxConfig.multinode_offers)
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="MS", help="delay added to every request"
    )
    parser.add_argument(
        "--provision-seconds", type=float, default=SandboxConfig.provision_seconds, metavar="S"
    )
    parser.add_argument(
        "--disk-provision-seconds",
        type=float,
        default=SandboxConfig.disk_provision_seconds,
        metavar="S",
    )
    parser.add_argument(
        "--disk-delete-seconds",
        type=float,
        default=SandboxConfig.disk_delete_seconds,
        metavar="S",
    )
    parser.add_argument(
        "--validation-errors",
        choices=VALIDATION_ERROR_STYLES,
        default=SandboxConfig.validation_errors,
        help="422 body: the spec's {errors: [...]} or FastAPI's {detail: [...]}",
    )
    parser.add_argument(
        "--market",
        action="store_true",
        help="a moving market: an 8×H100, a 1×H100 and an 8×A100 change price (H100s "
        "below $2/GPU-h), stock level or sell out every 1-2 minutes",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> tuple[SandboxConfig, int]:
    """The config and port the command line asks for; exits with usage on bad values."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    try:
        config = SandboxConfig(
            seed=args.seed,
            gpu_offers=args.gpu_offers,
            multinode_offers=args.multinode_offers,
            latency_s=args.latency / 1000,
            provision_seconds=args.provision_seconds,
            disk_provision_seconds=args.disk_provision_seconds,
            disk_delete_seconds=args.disk_delete_seconds,
            validation_errors=args.validation_errors,
            market=args.market,
        )
    except ValueError as exc:
        parser.error(str(exc))
    return config, args.port


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    config, port = parse_args(argv)
    try:
        server = start_sandbox(config, port)
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"sandbox: cannot start: {exc}", file=sys.stderr)
        return 1
    print(server.url, flush=True)
    print(
        "SANDBOX: simulated Prime Intellect API, made-up offers, no real GPUs, no charges.\n"
        f"Use base URL {server.url} with any non-empty API key "
        f"(e.g. PRIME_BASE_URL={server.url} PRIME_API_KEY={server.api_key}). Ctrl-C stops.",
        flush=True,
    )
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
