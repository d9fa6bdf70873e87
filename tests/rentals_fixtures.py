"""Helpers shared by the rentals tests (tests/test_spend.py, tests/test_budget.py).

They run against a sandbox on a ``StillClock`` (``tests.test_resources``): its timestamps
move only when a test moves that clock, and so does every client made here, whose
``clock`` is the sandbox's own epoch time (``sandbox_now``). A guard's round
(``client.guard_round()``) is then decided by the clock alone, never by a sleep.

- ``sandbox_now(server, clock)``: the sandbox's "now" as epoch seconds;
- ``kernel(server, clock, store, session)``: a client as one kernel would hold it, over
  ``store``, on the sandbox's clock (``session``: which kernel, for session budgets);
- ``guide_request``/``canada_disk``: the guides' H100 in CANADA-1, a hyperstack disk there;
- ``findings(client)``: the findings not yet said, taken as the after-cell hook would.
"""

from __future__ import annotations

from typing import Any

import prime_magics as pm
from prime_magics.provisioning import DiskRequest, PodRequest
from prime_magics.rentals.findings import Finding, Findings
from prime_magics.rentals.store import Store
from prime_magics.sandbox import SandboxServer
from prime_magics.timestamps import epoch
from tests.test_resources import StillClock

POD_HR = 1.9  # the guides' n3-H100x1 in CANADA-1, as the sandbox prices it
DISK_HR = 100 * 0.00015  # a 100 GB hyperstack disk there


def sandbox_now(server: SandboxServer, clock: StillClock) -> float:
    """The sandbox's wall time now (its fake clock, as its timestamps say it)."""
    stamp = epoch(server.state.clock.iso(clock.now))
    assert stamp is not None
    return stamp


def kernel(
    server: SandboxServer, clock: StillClock, store: Store, session: str | None = None
) -> pm.Client:
    """A client over ``store`` on the sandbox's clock; ``session`` names its kernel."""
    made = pm.Client(
        api_key=server.api_key,
        base_url=server.url,
        store=store,
        clock=lambda: sandbox_now(server, clock),
    )
    if session is not None:
        made.rentals.session = session
    return made


def guide_request(client: pm.Client, **options: Any) -> PodRequest:
    frame = client.availability(cloud_id="n3-H100x1", data_center_id="CANADA-1")
    return PodRequest.from_offer(frame.iloc[0], **options)


def canada_disk(client: pm.Client, name: str, size_gb: int = 100) -> pm.Disk:
    offers = client.disk_availability(data_center_id="CANADA-1", size_gb=size_gb)
    row = offers[offers["provider"] == "hyperstack"].iloc[0]
    return client.create_disk(DiskRequest.from_offer(row, size_gb=size_gb, name=name))


def findings(client: pm.Client) -> list[Finding]:
    """What the guard found and this kernel has not said yet (now said)."""
    return Findings(client.store).take(client.rentals.session)
