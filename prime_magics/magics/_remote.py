"""``%%prime run`` and ``%prime files``: work on the rented pod from the notebook.

``%%prime run [POD] [--push NAME …] [--pull NAME …] [--timeout S] [--identity PATH]``
runs the cell in a fresh Python process on the pod (``Client.remote``): its output
streams into the cell as it comes, ``--push`` sends kernel variables, ``--pull`` brings
the named ones back, and the last line says how long it ran and what that cost at the
pod's price. ``%prime files put|get`` move one file over SFTP, all or nothing, with a
progress bar. Each use of the pod resets its idle clock (``Rentals.note_activity``).

POD is a pod id, ``$VAR`` or a variable's name in the notebook (holding an id or a
``Pod``); without it, the only live pod.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from IPython.core.error import UsageError

from .. import api
from ..display.primitives import Notice, usd
from ..errors import ConfigurationError
from ..pricing import billed
from ._context import Context, HelpShown, positive_float

if TYPE_CHECKING:
    from ..client import Client
    from ..models import Pod
    from ..ssh import Remote

RUN_PROG = "%%prime run"


class _RunParser(argparse.ArgumentParser):
    """``%%prime run``'s options; a bad one is a one-line ``UsageError``."""

    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")

    def exit(self, status: int = 0, message: str | None = None) -> Any:
        if message:
            print(message)
        raise HelpShown


def add_pod_argument(parser: argparse.ArgumentParser, *, flag: bool) -> None:
    help_text = "a pod id, $VAR or a variable's name (default: the only live pod)"
    if flag:
        parser.add_argument("--pod", metavar="POD", help=help_text)
    else:
        parser.add_argument("pod", nargs="?", metavar="POD", help=help_text)
    parser.add_argument("--identity", metavar="PATH", help="the private key to log in with")


def run_parser() -> argparse.ArgumentParser:
    parser = _RunParser(
        prog=RUN_PROG,
        description="Run the cell's code in a fresh Python process on the pod, streaming "
        "its output; the last line says how long it ran and what it cost.",
        allow_abbrev=False,
    )
    add_pod_argument(parser, flag=False)
    add = parser.add_argument
    add("--push", nargs="+", action="extend", default=[], metavar="NAME",
        help="kernel variables to send (pickled)")  # fmt: skip
    add("--pull", nargs="+", action="extend", default=[], metavar="NAME",
        help="variables to bring back into the kernel")  # fmt: skip
    add("--timeout", type=positive_float, metavar="S", help="kill the run after S seconds")
    return parser


def pod_reference(text: str | None, user_ns: Mapping[str, Any]) -> str | None:
    """The pod id POD means: ``$VAR`` or a variable (its str, or a ``Pod``'s id), else
    the text itself; None for the only live pod."""
    if text is None:
        return None
    name = text[1:] if text.startswith("$") else text
    if name.isidentifier() and name in user_ns:
        value = user_ns[name]
        pod_id = value if isinstance(value, str) else getattr(value, "id", None)
        if not isinstance(pod_id, str):
            raise ConfigurationError(
                f"{name} holds a {type(value).__name__}, not a pod id or a Pod"
            )
        return pod_id
    if text.startswith("$"):
        raise ConfigurationError(f"there is no variable {name} in the notebook for the pod")
    return text


@contextmanager
def active(client: Client, pod_id: str) -> Iterator[None]:
    """The pod is in use meanwhile: its idle clock starts again now and at the end."""
    client.rentals.note_activity(pod_id)
    try:
        yield
    finally:
        client.rentals.note_activity(pod_id)


def _target(
    client: Client, pod_text: str | None, identity: str | None, ctx: Context
) -> tuple[Pod, Remote]:
    """The pod POD means, and its ``Remote`` (kept by the client)."""
    pod = client.remote_pod(pod_reference(pod_text, ctx.user_ns))
    return pod, client.remote(pod.id, identity=identity)


def cost_line(remote: Remote, price_hr: float | None) -> str:
    """``ran 4.2 s on pod abc123 (1× H100_80GB): $0.0022``: the run's time on the pod
    (the whole call: push, code, pull) at the pod's price."""
    stats = remote.last_run
    seconds = 0.0 if stats is None else stats.wall_seconds
    cost = None if price_hr is None else billed(price_hr, seconds / 3600)
    return f"ran {seconds:.1f} s on {remote.label}: {usd(cost, '')}"


def run_cell(line: str, cell: str, ctx: Context) -> None:
    """``%%prime run …``: the cell on the pod; pulled values land in the notebook."""
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"{RUN_PROG}: cannot split the line: {exc}") from None
    args = run_parser().parse_args(argv)
    missing = [name for name in args.push if name not in ctx.user_ns]
    if missing:
        raise ConfigurationError(
            f"--push {' '.join(missing)}: no such variable in the notebook; nothing was sent"
        )
    push = {name: ctx.user_ns[name] for name in args.push}
    client = api.get_client()
    pod, remote = _target(client, args.pod, args.identity, ctx)
    before = remote.last_run
    with active(client, pod.id):
        try:
            values = remote.run(cell, push=push, pull=args.pull, timeout=args.timeout)
        finally:  # also when the code raised: it ran, and the pod billed for it
            if remote.last_run is not before:
                print(cost_line(remote, pod.price_hr))
    cast("MutableMapping[str, Any]", ctx.user_ns).update(values)


def size_text(size: int) -> str:
    """``1.5 MB``: a file's size in decimal units."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{value:,.1f} GB"  # pragma: no cover (the loop returns)


@contextmanager
def progress_bar(
    description: str, total: int | None = None
) -> Iterator[Callable[[int, int], None]]:
    """A tqdm bar (as ``wait_for_pod`` shows) fed by ``progress(done, total)``."""
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=description, unit="B", unit_scale=True, leave=True) as bar:

        def progress(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
            bar.n = done
            bar.refresh()

        yield progress


def add_put_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("local", metavar="LOCAL", help="the file here")
    parser.add_argument(
        "remote", nargs="?", metavar="REMOTE", help="where on the pod (default: its home)"
    )
    add_pod_argument(parser, flag=True)


def add_get_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("remote", metavar="REMOTE", help="the file on the pod")
    parser.add_argument(
        "local", nargs="?", metavar="LOCAL", help="where here (default: this directory)"
    )
    add_pod_argument(parser, flag=True)


def put(args: argparse.Namespace, ctx: Context) -> str:
    """``%prime files put LOCAL [REMOTE] --pod POD``: the path written on the pod."""
    client = api.get_client()
    pod, remote = _target(client, args.pod, args.identity, ctx)
    local = Path(args.local).expanduser()
    if not local.is_file():
        raise ConfigurationError(f"{local} is not a file; nothing was sent")
    with (
        active(client, pod.id),
        progress_bar(f"put {local.name}", local.stat().st_size) as progress,
    ):
        written = remote.put(local, args.remote, progress=progress)
    ctx.label(client)
    size = size_text(local.stat().st_size)
    ctx.show(Notice(f"put {local} → {remote.label}:{written} ({size})", "success"))
    return written


def get(args: argparse.Namespace, ctx: Context) -> Path:
    """``%prime files get REMOTE [LOCAL] --pod POD``: the path written here."""
    client = api.get_client()
    pod, remote = _target(client, args.pod, args.identity, ctx)
    with active(client, pod.id), progress_bar(f"get {Path(args.remote).name}") as progress:
        written = remote.get(args.remote, args.local, progress=progress)
    ctx.label(client)
    size = size_text(written.stat().st_size)
    ctx.show(Notice(f"get {remote.label}:{args.remote} → {written} ({size})", "success"))
    return written
