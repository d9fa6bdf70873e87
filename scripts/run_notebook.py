"""Run a notebook headless and print what some of its cells showed.

    python scripts/run_notebook.py notebooks/quickstart.ipynb --print-tag cheapest

Every cell runs in a fresh ``python3`` kernel of this interpreter's environment, in the
notebook's folder, each within ``--timeout`` seconds. The notebook file is only read,
never written. When a cell fails, the message names it (number, tags, first line) and
the error, and the exit status is 1. The plain-text outputs of the cells tagged with
``--print-tag`` (repeatable) are printed in order.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellControlSignal, CellExecutionError
from traitlets.config import Config


class CellFailed(Exception):
    """A cell raised, timed out or lost its kernel; the message says which one."""


def describe(cell: Any, index: int) -> str:
    """``cell 7 [cheapest]: df.prime.cheapest(10)`` — enough to find it in the notebook."""
    tags = cell.get("metadata", {}).get("tags", [])
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    return f"cell {index + 1}" + (f" [{', '.join(tags)}]" if tags else "") + f": {first}"


def error_summary(cell: Any) -> str:
    """The ``ename: evalue`` of the cell's error output (no traceback, no ANSI colours)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output['ename']}: {output['evalue']}"
    return "no error output was recorded"


def execute(path: Path, timeout: int, kernel: str) -> Any:
    """Execute the notebook in memory and return it (a ``NotebookNode``) with its outputs."""
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    running: dict[str, int] = {}

    def on_cell_start(cell: Any, cell_index: int) -> None:
        running["index"] = cell_index

    # Unix sockets in a private folder: nothing listens on TCP (nor warns about it).
    with tempfile.TemporaryDirectory(prefix="run-notebook-") as sockets:
        ipc = Config({"KernelManager": {"transport": "ipc", "ip": f"{sockets}/kernel"}})
        client = NotebookClient(
            notebook,
            config=ipc,
            timeout=timeout,
            kernel_name=kernel,
            resources={"metadata": {"path": str(path.parent.resolve())}},
            on_cell_start=on_cell_start,
        )
        try:
            client.execute()
        except (CellControlSignal, RuntimeError, TimeoutError) as exc:  # DeadKernelError too
            index = running.get("index")
            if index is None:
                raise CellFailed(f"{path}: the {kernel} kernel did not start: {exc}") from exc
            cell = notebook.cells[index]
            if isinstance(exc, CellExecutionError):
                why = error_summary(cell)
            elif isinstance(exc, TimeoutError):
                why = f"it did not finish within {timeout} s (--timeout)"
            else:
                why = f"the kernel failed: {exc}"
            raise CellFailed(f"{path}: {describe(cell, index)}\n  failed: {why}") from exc
    return notebook


def plain_text(cell: Any) -> str:
    """What the cell showed as text: streams and the text/plain of displayed values."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output["text"])
        elif "text/plain" in output.get("data", {}):
            parts.append(output["data"]["text/plain"] + "\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument(
        "--print-tag",
        action="append",
        default=[],
        metavar="TAG",
        help="print the text output of the cells with this tag (repeatable)",
    )
    parser.add_argument(
        "--timeout", type=int, default=120, help="seconds each cell may take (default 120)"
    )
    parser.add_argument("--kernel", default="python3", help="kernel name (default python3)")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        parser.error(f"no such notebook: {args.notebook}")

    started = time.monotonic()
    try:
        notebook = execute(args.notebook, args.timeout, args.kernel)
    except CellFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    printed: set[str] = set()
    for index, cell in enumerate(notebook.cells):
        tags = set(cell.get("metadata", {}).get("tags", [])) & set(args.print_tag)
        if cell.cell_type == "code" and tags:
            print(f"# {describe(cell, index)}")
            print(plain_text(cell).rstrip("\n"))
            printed |= tags
    ran = sum(c.cell_type == "code" for c in notebook.cells)
    elapsed = time.monotonic() - started
    print(f"\n{args.notebook}: {ran} code cells ran in {elapsed:.1f} s", file=sys.stderr)
    missing = sorted(set(args.print_tag) - printed)
    if missing:
        print(f"error: no code cell is tagged {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
