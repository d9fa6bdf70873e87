"""Everything one running sandbox holds, passed to the routes and to `SandboxServer`.

One object instead of module globals, so several sandboxes (two seeds compared in a
determinism test, a benchmark next to a test server) live side by side in one process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .account import AccountConfig, AccountState
from .catalog import Catalog
from .config import SandboxConfig
from .faults import FaultPlan, RequestLog
from .market import Market
from .state import SandboxState

EVERYTHING = 10**9  # a page size no sandbox reaches: "all rows"


def _when(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def billed_usd(state: SandboxState) -> float:
    """USD billed so far by pods and disks, read only through the store's public JSON.

    Live pods and disks bill `priceHr` from `createdAt` to the store's own clock (so an
    injected clock moves the wallet too); ended pods bill their history's
    `totalBilledPrice`. The three reads take the lock one after another, so a pod
    terminated in between may be missed or counted twice for that one answer.
    """
    now = _when(state.clock.iso(state.clock.now()))
    live: list[dict[str, Any]] = [
        *state.list_pods(0, EVERYTHING)["data"],
        *state.list_disks(0, EVERYTHING)["data"],
    ]
    running = (
        sum(
            float(row["priceHr"] or 0.0) * max(0.0, (now - _when(row["createdAt"])).total_seconds())
            for row in live
        )
        / 3600
    )
    ended = sum(
        float(h["totalBilledPrice"] or 0.0) for h in state.pod_history(0, EVERYTHING)["data"]
    )
    # HOOK: terminated disks stop counting here (no public SandboxState method lists
    # them); replace this function with a `SandboxState.billed_usd()` that sums them too.
    return running + ended


@dataclass(frozen=True)
class SandboxContext:
    config: SandboxConfig
    catalog: Catalog
    state: SandboxState
    faults: FaultPlan
    log: RequestLog
    account: AccountState
    market: Market

    @classmethod
    def build(
        cls, config: SandboxConfig, monotonic: Callable[[], float] | None = None
    ) -> SandboxContext:
        """`monotonic` drives every lifecycle (None: `time.monotonic`); tests pass a fake."""
        catalog = Catalog(config)
        state = SandboxState(catalog, config, monotonic)
        wallet = AccountConfig(seed=config.seed, starting_balance_usd=config.wallet_usd)
        account = AccountState(wallet, lambda: billed_usd(state))
        market = Market(catalog, state.clock.now, config.seed, config.market)
        return cls(config, catalog, state, FaultPlan(), RequestLog(), account, market)

    def reset(self) -> None:
        """Back to a fresh sandbox: no pods, disks, faults or logged requests; the seeded
        account (one primary SSH key, the seeded teams, a full wallet); the seeded
        offers at their seeded prices, nothing scheduled (the market's pattern anew)."""
        self.state.reset()
        self.catalog.restore()
        self.market.reset()
        self.account.reset()
        self.faults.clear()
        self.log.clear()
