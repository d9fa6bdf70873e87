"""``--rent-first``: rent the first match a watch sees, exactly once, never unbounded.

People refuse to let a watcher deploy on its own for fear of a runaway bill, so the
opt-in is narrow: it needs a price cap on the watch (the match is at or under it) and
``max_hours`` (the pod is terminated that long after it is ready, ``deadlines``). The
request's ``maxPrice`` is the match's quote, the client re-reads the offer before the
create (``price_lock``), and at most one create is ever sent: a refusal before sending
(the offer went or got dearer) leaves it armed for the next match; anything after
sending disarms it, because the pod may exist.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .errors import ConfigurationError, PriceChangedError, PrimeError
from .models import Pod
from .provisioning import PodRequest
from .watch_match import APPEARED, SLACK_HR, WatchEvent

if TYPE_CHECKING:
    from .watch import Watch


class RentFirst:
    """Armed on a watch: the first ``appeared`` event under the caps is rented once."""

    def __init__(self, watch: Watch, max_hours: float | None, name: str | None = None) -> None:
        if not max_hours or max_hours <= 0:
            raise ConfigurationError(
                "rent-first needs max_hours (--max-hours H): a pod rented unattended must "
                "end on its own."
            )
        if not watch.query.capped:
            raise ConfigurationError(
                "rent-first needs a price cap (--max-price-per-gpu P or --max-total P)."
            )
        self.watch, self.max_hours, self.name = watch, float(max_hours), name
        self.armed = True
        self.sent = False
        self.pod: Pod | None = None
        self.error: PrimeError | None = None
        self.request: PodRequest | None = None
        self._lock = threading.Lock()
        watch.subscribe(on_event=self.consider)

    def disarm(self) -> None:
        self.armed = False

    def consider(self, event: WatchEvent) -> None:
        """Rent ``event``'s offer if armed, nothing was sent yet, and it is under the caps."""
        if event.kind != APPEARED or not self._under_caps(event):
            return
        with self._lock:
            if not self.armed or self.sent:
                return
            self.sent = True
        client = self.watch.client
        try:
            self.request = PodRequest.from_offer(
                event.offer, name=self.name, max_hours=self.max_hours
            )
            self.pod = client.create_pod(self.request)
        except (PriceChangedError, ConfigurationError) as err:  # refused before sending
            self.error, self.sent = err, False
            return
        except PrimeError as err:  # sent, or maybe: never again
            self.error = err
        self.armed = False

    def _under_caps(self, event: WatchEvent) -> bool:
        q, total, per_gpu = self.watch.query, event.total_hr, event.per_gpu_hr
        if total is None or per_gpu is None or event.currency != "USD":
            return False
        if q.max_total is not None and total > q.max_total + SLACK_HR:
            return False
        return q.max_price_per_gpu is None or per_gpu <= q.max_price_per_gpu + SLACK_HR
