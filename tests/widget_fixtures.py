"""Helpers shared by the widget tests (tests/test_widgets_*.py).

The sandbox fixtures (``sandbox``: a fresh simulated API; ``client``: a ``pm.Client`` on
it) come from conftest.py. These helpers read the sandbox's request log and build the
guide's offers and disks the widget tests start from.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import prime_magics as pm
from prime_magics.sandbox import RecordedRequest, SandboxServer

CUSTOM_OFFER = "sandbox-H100-custom"  # hyperstack CANADA-1: disk 50–1000/10, vcpu 4–32/2
WAIT_S = 15.0  # an upper bound for background polling, never a timing assertion


def calls(sandbox: SandboxServer, method: str, path: str) -> list[RecordedRequest]:
    """Logged requests with this method whose path is ``/api/v1{path}`` (trailing / ignored)."""
    wanted = f"/api/v1{path}".rstrip("/")
    return [
        r for r in list(sandbox.requests) if r.method == method and r.path.rstrip("/") == wanted
    ]


def custom_row(client: pm.Client) -> pd.Series[Any]:
    """The guide's adjustable H100 offer, as a row of an availability frame."""
    frame = client.availability(cloud_id=CUSTOM_OFFER)
    assert len(frame) == 1
    row: pd.Series[Any] = frame.iloc[0]
    return row


def disk_row(client: pm.Client, data_center: str) -> pd.Series[Any]:
    frame = client.disk_availability()
    row: pd.Series[Any] = frame[frame["data_center"] == data_center].iloc[0]
    return row


def make_disk(client: pm.Client, data_center: str = "CANADA-1", size_gb: int = 50) -> pm.Disk:
    """An ACTIVE network disk, created through the plain API."""
    disk = client.create_disk(pm.DiskRequest.from_offer(disk_row(client, data_center), size_gb))
    return client.wait_for_disk(disk.id, timeout=WAIT_S, poll_interval=0.05)
