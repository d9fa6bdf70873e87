"""``Client``: the contract's methods, each delegating to a resource over one transport.

The resources (``offers``, ``pods``, ``disks`` and ``account``, each a small module)
return models; the facade keeps the contract's explicit signatures and turns lists into
DataFrames; everything that bills (create, extend, end, budgets) goes through the one
owner of rentals, ``rentals.owner.Rentals``, over the machine's store. It never touches
asyncio: concurrency comes from a small thread pool over one pooled ``httpx.Client``, so
it works the same in a script, a kernel with a running event loop, or a widget callback.
The configured team is decided in one place, ``prepare``.

Naming: a method named for the thing returns a DataFrame (``availability``,
``disk_availability``, ``pods``, ``disks``: the contract's names); its ``…_models``
twin returns the same as a list of models (``offer_models``, ``disk_offer_models``,
``pod_models``, ``disk_models``). One of a kind is a model (``pod``, ``disk``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pandas as pd

from .config import Settings
from .errors import BadRequestError, ConfigurationError, PrimeError
from .filters import GpuFilters
from .frames import offer_frames, rental_frames
from .frames.sweep import Burn, burn, deadlines_due, prepaid_hours, sweep_frame
from .frames.view import SOURCE
from .lifecycle import Follow, Phase, pod_state
from .models import Disk, DiskOffer, GpuOffer, GpuSummary, Pod, SshKey, Wallet
from .price_lock import cap_refusal, check_balance, check_still_priced
from .pricing import plus_attached_disks
from .provisioning import DiskRequest, PodRequest, check_attachable
from .rentals import daemon
from .rentals.budgets import Budget, BudgetState
from .rentals.guard import Guard, Round, guarded
from .rentals.owner import Rentals
from .rentals.records import Rental
from .rentals.store import Store, StoreError
from .transport.account_api import Account
from .transport.disks_api import Disks
from .transport.http import RetryPolicy, Transport
from .transport.offers_api import Offers
from .transport.page_counts import PageCounts
from .transport.paging import PageFetcher, cyclic_gc_paused
from .transport.pods_api import Pods

if TYPE_CHECKING:  # asyncssh (~190 ms) is imported at the first remote call, not here
    from .ssh import Remote


class Client:
    """Talks to the Prime Intellect API (or the sandbox) with resolved settings.

    ``api_key``/``base_url``/``team_id`` default to the environment, then the official
    CLI's ``~/.prime/config.json``. ``transport`` (an ``httpx`` transport) is the seam for
    tests and proxies; the client's timeout, limits and SSL context still apply.
    ``store`` is the machine's store of rentals and budgets (``~/.prime/…`` by default),
    ``clock`` the epoch clock rentals are timed by (tests inject one).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        *,
        team_id: str | None = None,
        settings: Settings | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        max_concurrency: int = 24,
        cache_ttl: float = 60.0,
        store: Store | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or Settings.resolve(api_key, base_url, team_id)
        self.timeout = timeout
        self._transport = Transport(
            self.settings, timeout=timeout, retry=retry, transport=transport
        )
        self._executor = ThreadPoolExecutor(max_concurrency, thread_name_prefix="prime-pages")
        memory = PageCounts(self.settings.base_url)  # a new kernel's first call: one wave
        pages: PageFetcher[Any] = PageFetcher(self._executor, memory)
        parts = (self._transport, self.settings, pages)
        self._offers = Offers(*parts, cache_ttl=cache_ttl)
        self._cache_ttl = cache_ttl
        self._frames: dict[GpuFilters, tuple[float, pd.DataFrame]] = {}
        self._frames_lock = threading.Lock()
        self._pods = Pods(*parts)
        self._disks = Disks(*parts)
        self._account = Account(*parts)
        self._remotes: dict[str, tuple[Remote, str | None, Pod]] = {}  # pod id → its Remote
        self._remotes_lock = threading.Lock()
        self._sandbox_hosts: tempfile.TemporaryDirectory[str] | None = None
        self._closed = False
        self._on_close: list[Callable[[], None]] = []
        self.store = store or Store()
        """The machine's rentals, budgets and findings (``~/.prime/prime_magics.sqlite3``)."""
        self.rentals = Rentals(
            self._pods, self._disks, self.settings.base_url, self.store, clock=clock,
            on_open=self.ensure_guard,
        )  # fmt: skip
        """The one owner of what bills: every create, extend and end goes through it."""
        with contextlib.suppress(StoreError):  # a broken store must not stop reading offers
            if guarded(
                self.rentals.book.open(self.settings.base_url),
                self.rentals.budgets.all(self.settings.base_url),
            ):
                self.ensure_guard()  # what an earlier kernel left is guarded again

    def __repr__(self) -> str:
        settings = self.__dict__.get("settings")  # a half-built client is shown in tracebacks
        if settings is None:
            return "Client(<not built>)"
        return f"Client(base_url={settings.base_url!r}, api_key={settings.redacted_key})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the page threads and close the connection pool; call it (or use ``with
        Client() as client:``) when a script is done. Budgets and deadlines stay in force."""
        # Wait for pages still in flight (e.g. after another page failed): closing the
        # connection pool under a thread blocked in a read leaves it hanging until timeout.
        # deadlines and budgets stay in force: they are the store's and the guard's
        self._closed, on_close, self._on_close = True, self._on_close, []
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._transport.close()
        with self._remotes_lock:
            remotes, self._remotes = [kept[0] for kept in self._remotes.values()], {}
            hosts, self._sandbox_hosts = self._sandbox_hosts, None
        for remote in remotes:
            with contextlib.suppress(Exception):  # a pod gone meanwhile: nothing to close
                remote.close()
        if hosts is not None:
            hosts.cleanup()
        for told in on_close:  # a panel on it disables what would use it, at once
            with contextlib.suppress(Exception):
                told()

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called (e.g. ``set_client`` replaced it): it sends nothing
        more, and a watch on it follows the kernel's new default client or stops."""
        return self.__dict__.get("_closed", False) is True

    def when_closed(self, told: Callable[[], None]) -> None:
        """Call ``told`` (once) when this client is closed; at once if it already is."""
        if self.closed:
            told()
        else:
            self._on_close.append(told)

    @property
    def is_sandbox(self) -> bool:
        """True once the API answered as the embedded sandbox: its offers are not real."""
        return self._transport.is_sandbox

    def mark_sandbox(self) -> None:
        """Label this client's output as simulated before its first answer arrives."""
        self._transport.mark_sandbox()

    def _labelled(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Say on the frame itself (its caption) that simulated rows are simulated."""
        if self.is_sandbox:
            frame.attrs[SOURCE] = "sandbox"
        return frame

    def clear_cache(self) -> None:
        """Forget the cached offers and frames, so the next call asks the API again (what
        ``refresh=True`` does for one call)."""
        self._offers.clear_cache()
        with self._frames_lock:
            self._frames.clear()

    # -- availability ------------------------------------------------------------------

    def offer_models(
        self,
        gpu_type: str | None = None,
        gpu_count: int | None = None,
        regions: str | Sequence[str] | None = None,
        socket: str | None = None,
        security: str | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        disks: str | Sequence[str] | None = None,
        refresh: bool = False,
        provider: str | None = None,
    ) -> list[GpuOffer]:
        """Every single-node and multi-node offer matching the filters, as ``GpuOffer``
        models (what ``availability`` shows as a frame): for code that wants the API's
        fields, ``pm.quote`` or ``PodRequest.from_offer`` on each. Same filters."""
        filters = GpuFilters.of(
            gpu_type, gpu_count, regions, socket, security, data_center_id, cloud_id, disks,
            provider,
        )  # fmt: skip
        offers = self._offers.gpu(filters, refresh)
        return [o for o in offers if filters.keeps(o.provider)]

    def gpu_offers(self, *args: Any, **kwargs: Any) -> list[GpuOffer]:
        """Deprecated (kept one release): ``offer_models``, the same list of models."""
        warnings.warn(
            "Client.gpu_offers is deprecated and goes in the next release; use "
            "Client.offer_models (same arguments).",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.offer_models(*args, **kwargs)

    def availability(
        self,
        gpu_type: str | None = None,
        gpu_count: int | None = None,
        regions: str | Sequence[str] | None = None,
        socket: str | None = None,
        security: str | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        disks: str | Sequence[str] | None = None,
        refresh: bool = False,
        provider: str | None = None,
    ) -> pd.DataFrame:
        """GPU offers as a DataFrame, cheapest first, with every cost column computed: what
        to look at, sort and filter before renting (``df.prime``, ``PodRequest.from_offer``
        on a row).

        ``provider`` is filtered here, as the official CLI does (the API has no such filter).
        ``offer_models`` returns the same offers as models.
        """
        filters = GpuFilters.of(
            gpu_type, gpu_count, regions, socket, security, data_center_id, cloud_id, disks,
            provider,
        )  # fmt: skip
        # The finished frame is what is cached (rebuilding it cost ~35 ms a call); each
        # caller gets its own copy to change.
        key = filters
        now = time.monotonic()
        with self._frames_lock:
            hit = self._frames.get(key)
        if hit is not None and not refresh and hit[0] > now:
            copied: pd.DataFrame = hit[1].copy()
            return copied
        offers = self._offers.gpu_rows(filters, refresh)
        if filters.provider is not None:
            offers = [o for o in offers if filters.keeps(o.provider)]
        with cyclic_gc_paused():
            frame = self._labelled(offer_frames.availability_frame(offers))
        if self._cache_ttl > 0:
            now = time.monotonic()
            with self._frames_lock:
                for old in [k for k, (until, _) in self._frames.items() if until <= now]:
                    del self._frames[old]
                self._frames[key] = (now + self._cache_ttl, frame)
            handed: pd.DataFrame = frame.copy()
            return handed
        return frame

    def disk_offer_models(
        self,
        regions: str | Sequence[str] | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        refresh: bool = False,
    ) -> list[DiskOffer]:
        """Where network disks can be created, as ``DiskOffer`` models (what
        ``disk_availability`` shows as a frame), e.g. for ``DiskRequest.from_offer``."""
        return self._offers.disk(
            regions=regions, data_center_id=data_center_id, cloud_id=cloud_id, refresh=refresh
        )

    def disk_offers(self, *args: Any, **kwargs: Any) -> list[DiskOffer]:
        """Deprecated (kept one release): ``disk_offer_models``, the same list of models."""
        warnings.warn(
            "Client.disk_offers is deprecated and goes in the next release; use "
            "Client.disk_offer_models (same arguments).",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.disk_offer_models(*args, **kwargs)

    def disk_availability(
        self,
        regions: str | Sequence[str] | None = None,
        data_center_id: str | None = None,
        cloud_id: str | None = None,
        size_gb: int | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Disk offers as a DataFrame, cheapest per GB first: where a disk can go and what
        it costs; with ``size_gb``, the hourly cost of that size (``disk_offer_models``:
        the same as models)."""
        offers = self.disk_offer_models(regions, data_center_id, cloud_id, refresh)
        return self._labelled(offer_frames.disk_availability_frame(offers, size_gb))

    def gpu_summary(self, refresh: bool = False) -> GpuSummary:
        """Cheapest prices per GPU type, count and region (the API's summary, one request):
        a quick look at the market without listing every offer."""
        return self._offers.summary(refresh)

    def gpu_types(self, refresh: bool = False) -> list[str]:
        """The GPU types the API knows, sorted: the names ``gpu_type=`` takes."""
        return sorted(self.gpu_summary(refresh))

    def did_you_mean(self, gpu_type: str | None) -> str | None:
        """A hint naming the known GPU types closest to ``gpu_type``, None if it is known."""
        return self._offers.did_you_mean(gpu_type)

    def find_offer(
        self,
        cloud_id: str,
        data_center_id: str | None = None,
        gpu_type: str | None = None,
        gpu_count: int | None = None,
    ) -> GpuOffer:
        """The one GPU offer with this cloud id; ``ConfigurationError`` listing the matches
        when there is none or more than one."""
        return self._offers.find(
            cloud_id, data_center_id=data_center_id, gpu_type=gpu_type, gpu_count=gpu_count
        )

    def find_disk_offer(self, data_center_id: str, provider: str | None = None) -> DiskOffer:
        """The one disk offer of this data centre (and provider), a ``DiskOffer``: what
        ``DiskRequest.from_offer`` takes; ``ConfigurationError`` when not exactly one."""
        return self._offers.find_disk(data_center_id, provider)

    # -- pods --------------------------------------------------------------------------

    def pod_models(self) -> list[Pod]:
        """Your live pods as ``Pod`` models (what ``pods`` shows as a frame)."""
        return self._pods.all()

    def pods(self) -> pd.DataFrame:
        """Your live pods as a DataFrame, with what each has cost so far and its deadline
        (``pod_models``: the same as models)."""
        pods = self._pods.all()
        records = self.rentals.live_pods()
        frame = rental_frames.pods_frame(
            pods, due=deadlines_due(pods, records), prepaid=prepaid_hours(records)
        )
        return self._labelled(frame)

    def pod(self, pod_id: str) -> Pod:
        """One pod as the API has it now (status, SSH line, price): a ``Pod`` model."""
        return self._pods.get(pod_id)

    def pod_status(self, pod_ids: str | Sequence[str]) -> pd.DataFrame:
        """The status of one pod or several, one row each (installation progress, SSH
        line): a light check on pods being provisioned."""
        ids = [pod_ids] if isinstance(pod_ids, str) else list(pod_ids)
        return rental_frames.status_frame(self._pods.status(ids))

    def pod_history(self) -> pd.DataFrame:
        """Terminated pods and what each was billed, as a DataFrame: what past runs cost."""
        return self._labelled(rental_frames.history_frame(self._pods.history()))

    def pod_logs(self, pod_id: str, tail: int | None = None) -> list[str]:
        """The pod's log lines (a list of strings): what a job printed; ``tail`` keeps the
        last N."""
        return self._pods.logs(pod_id, tail)

    def prepare(self, request: PodRequest) -> PodRequest:
        """``request`` as it will be sent: the configured team applied (``Team``)."""
        return request.for_settings(self.settings)

    def create_pod(self, request: PodRequest, *, despite_balance: bool = False) -> Pod:
        """Rent the pod; returns it (a ``Pod``, usually still provisioning: see
        ``wait_for_pod``). Sent once; see ``OutcomeUnknownError`` for a lost answer.

        A wallet that cannot pay the first hour (with attached disks and prepaid hours)
        stops it (``BalanceTooLowError``) unless ``despite_balance=True``.

        Right before sending, the offer is re-read (one request): gone, or above the
        request's ``maxPrice``, and nothing is sent (``PriceChangedError``, old vs new
        price). A request without a team choice goes to the configured team
        (``PRIME_TEAM_ID`` or the CLI's config), as with the official CLI;
        ``team_id=None`` means none."""
        request = self.prepare(request)
        self.rentals.check_budget()
        disks = [self.disk(disk_id) for disk_id in request.disks]
        for disk in disks:
            check_attachable(disk, request.offer)
        check_still_priced(request, self._offers.reread(request.offer))
        if not despite_balance:
            disks_hr = plus_attached_disks(0.0, [d.price_hr for d in disks])
            check_balance(request, disks_hr, self.balance())
        try:
            return self.rentals.create_pod(request)
        except BadRequestError as err:
            refusal = cap_refusal(err, request)
            if refusal is not None:
                raise refusal from err
            raise

    # -- spend control -----------------------------------------------------------------

    def balance(self) -> float | None:
        """The wallet's balance in USD; None when it cannot be read (no scope, no wallet)."""
        try:
            return self.wallet().balance_usd
        except PrimeError:
            return None

    def set_budget(
        self, usd: float | None, *, day: bool = False, hard: bool = False
    ) -> BudgetState | None:
        """Spend at most ``usd`` on the pods and disks created from this kernel (``day``:
        on everything the local store knows, over a rolling 24 h): a warning at 80 %, at
        100 % a notice and new rentals refused, and with ``hard`` the pods terminated and
        disks deleted by the guard, after a final warning. ``None`` lifts it. The budget
        is kept in the machine's store: another client, a later kernel (``day``) and the
        guard process (when no kernel runs) all keep it. See ``budget``."""
        rule = None if usd is None else Budget(usd, day, hard, self.rentals.session)
        return self.rentals.set_budget(rule)

    def budget(self) -> BudgetState | None:
        """The kernel's budget now: spent, $/h still burning, when it is reached."""
        return self.rentals.budget_state()

    def deadline(self, pod_id: str) -> Rental | None:
        """The pod's record if it has a deadline (``.due``, epoch seconds), else None."""
        return self.rentals.deadline(pod_id)

    def extend(self, pod_id: str, hours: float) -> Rental:
        """Move the pod's deadline ``hours`` later; a pod without one gets one ``hours``
        from now. Returns the record as stored (``.due``); the guard keeps it."""
        return self.rentals.extend(pod_id, hours)

    def idle_stop(self, pod_id: str, minutes: float | None) -> Rental:
        """End the pod once no remote cell has run on it for ``minutes`` (None lifts it).

        Kept by the guard process like a deadline, so it holds when the kernel is gone:
        the kernels are warned 5 minutes before (a fifth of ``minutes`` when that is
        shorter), and each remote cell starts the count again. A pod made elsewhere gets
        a record first. Returns the record as stored (``.idle_due``, epoch seconds)."""
        return self.rentals.set_idle_stop(pod_id, minutes)

    def sweep(self, now: datetime | None = None) -> pd.DataFrame:
        """Everything billing now — pods and disks — with $/h, cost so far, hours running,
        deadline, what is attached to what, and the flags ``unattached_disk`` and
        ``past_deadline`` (a deadline that passed while nothing could end it shows here)."""
        records = self.rentals.live_pods()
        pods, disks = self._pods.all(), self._disks.all()
        return sweep_frame(pods, disks, records, now, prepaid_hours(records))

    def end_items(self, items: Sequence[tuple[str, str]]) -> tuple[list[str], list[str]]:
        """End confirmed items (``Rentals.end_items``): the sweep's and the budget's acts."""
        return self.rentals.end_items(items)

    # -- the guard ---------------------------------------------------------------------

    def ensure_guard(self) -> int | None:
        """Start this API's guard process unless one runs (``rentals.daemon``); its pid."""
        return daemon.ensure(self.settings, self.store)

    def guard_round(self) -> Round:
        """One round of the guard, here and now (what the guard process does each period):
        unknown outcomes looked up, deadlines and hard budgets enforced, findings written."""
        guard = Guard(self._pods, self._disks, self.settings.base_url, self.store,
                      clock=self.rentals.clock)  # fmt: skip
        return guard.step()

    def guard_status(self) -> daemon.GuardStatus:
        """What the guard process for this API guards, its last round and its errors."""
        return daemon.status(self.store, self.settings.base_url)

    def stop_guard(self) -> int | None:
        """Stop this API's guard process; its pid, or None if none ran."""
        return daemon.stop(self.store, self.settings.base_url)

    def burn(self) -> Burn:
        """The balance, the $/h of everything billing now, and the hours it lasts."""
        return burn(self.wallet().balance_usd, self.sweep())

    def find_pods(self, name: str, since: str) -> list[Pod]:
        """Pods named ``name`` created since ``since`` (ISO time): did a lost create happen?"""
        return self._pods.find(name, since)

    def follow_pod(
        self,
        pod_id: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Follow[Pod]:
        """One poll step for this pod (``lifecycle``), for waits and panels."""
        return self._pods.follow(pod_id, clock, sleep)

    def wait_for_pod(
        self,
        pod_id: str,
        timeout: float = 900.0,
        poll_interval: float = 2.0,
        progress: bool = True,
    ) -> Pod:
        """Poll until the pod is ready (returned), fails or is gone (``ProvisioningError``,
        with the reason), or the timeout passes (``WaitTimeoutError``)."""
        follow = self.follow_pod(pod_id)
        if not progress:
            return follow.wait(timeout, poll_interval)
        from tqdm.auto import tqdm

        with tqdm(total=100, desc=f"pod {pod_id[:8]}", unit="%", leave=True) as bar:

            def show(state: Any) -> None:
                pod = follow.last
                done = state.phase is Phase.READY
                bar.n = int((pod and pod.installation_progress) or (100 if done else 0))
                bar.set_postfix_str(state.status)
                bar.refresh()

            return follow.wait(timeout, poll_interval, show)

    def ssh_command(self, pod: str | Pod) -> str | None:
        """``ssh -i KEY user@host -p PORT``, or None while the pod has no address yet."""
        return self._pods.ssh_command(self.pod(pod) if isinstance(pod, str) else pod)

    def remote_pod(self, pod_id: str | None = None) -> Pod:
        """The pod a remote call means: ``pod_id`` (read once, then kept with its
        ``Remote``: a cell's cost line costs no request), or (``None``) the only live pod,
        read now; none or several live pods raise ``ConfigurationError``."""
        if pod_id is not None:
            kept = self._remotes.get(pod_id)
            return kept[2] if kept is not None else self.pod(pod_id)
        live = [p for p in self.pod_models() if pod_state(p).phase in (Phase.READY, Phase.PENDING)]
        if len(live) == 1:
            return live[0]
        if not live:
            raise ConfigurationError(
                "no live pod to work on",
                hint="Rent one (%prime pods create … --yes, pm.create_pod) and wait until it "
                "is ready.",
            )
        ids = ", ".join(p.id for p in live)
        raise ConfigurationError(
            f"{len(live)} live pods ({ids}): say which one",
            hint="Name it: %%prime run POD, --pod POD, or pm.remote(POD).",
        )

    def remote(
        self, pod_id: str | None = None, *, identity: str | os.PathLike[str] | None = None
    ) -> Remote:
        """Run code and move files on the pod over SSH (``Remote.run``, ``put``, ``get``):
        ``pod_id``, or the only live pod when ``None``; ``identity`` a private key file
        (default: ``~/.ssh``'s keys or ssh-agent). One ``Remote`` per pod, kept by this
        client (closed with it): a later call without ``identity`` gets the same one, a
        call with another ``identity`` replaces it. A sandbox's host keys, made anew for
        each run, are trusted for this client's life only, never in
        ``~/.prime/known_hosts``."""
        wanted = None if identity is None else str(Path(identity).expanduser())
        if pod_id is not None:
            kept = self._kept_remote(pod_id, wanted)
            if kept is not None:
                return kept
        from .ssh import KnownHosts, Remote, parse_ssh_connection

        pod = self.remote_pod(pod_id)
        with self._remotes_lock:
            kept = self._kept_remote(pod.id, wanted)
            if kept is not None:
                return kept
            old = self._remotes.get(pod.id)
            target = parse_ssh_connection(pod.ssh_connection)  # says when it has none
            known = None
            if self.is_sandbox:
                if self._sandbox_hosts is None:
                    self._sandbox_hosts = tempfile.TemporaryDirectory(prefix="prime-sandbox-")
                known = KnownHosts(Path(self._sandbox_hosts.name) / "known_hosts")
            made = Remote(target, identity=wanted, label=remote_label(pod), known_hosts=known)
            self._remotes[pod.id] = (made, wanted, pod)
        if old is not None:
            with contextlib.suppress(Exception):
                old[0].close()
        return made

    def _kept_remote(self, pod_id: str, identity: str | None) -> Remote | None:
        kept = self._remotes.get(pod_id)
        if kept is not None and (identity is None or identity == kept[1]):
            return kept[0]
        return None

    def describe_pod_termination(self, pod_id: str) -> str:
        """What terminating this pod loses, in a sentence: what to show before asking."""
        return self._pods.describe_termination(pod_id)

    def terminate_pod(self, pod_id: str, *, confirm: bool = False) -> None:
        """Terminate a pod; refuses (saying what would be lost) unless ``confirm=True``."""
        self.rentals.terminate_pod(pod_id, confirm=confirm)

    # -- disks -------------------------------------------------------------------------

    def disk_models(self) -> list[Disk]:
        """Your network disks as ``Disk`` models (what ``disks`` shows as a frame)."""
        return self._disks.all()

    def disks(self) -> pd.DataFrame:
        """Your network disks as a DataFrame: size, where, status, what each is attached
        to and costs (``disk_models``: the same as models)."""
        return self._labelled(rental_frames.disks_frame(self._disks.all()))

    def disk(self, disk_id: str) -> Disk:
        """One disk as the API has it now: a ``Disk`` model."""
        return self._disks.get(disk_id)

    def create_disk(self, request: DiskRequest) -> Disk:
        """Create a network disk (billed from now until deleted); returns it, a ``Disk``.
        Sent once; the configured team applies as for pods."""
        return self.rentals.create_disk(request.for_settings(self.settings))

    def find_disks(self, name: str, since: str) -> list[Disk]:
        """Disks named ``name`` created since ``since`` (ISO time): did a lost create happen?"""
        return self._disks.find(name, since)

    def follow_disk(
        self,
        disk_id: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Follow[Disk]:
        """One poll step for this disk (``lifecycle``), for waits and panels."""
        return self._disks.follow(disk_id, clock, sleep)

    def wait_for_disk(
        self, disk_id: str, timeout: float = 300.0, poll_interval: float = 2.0
    ) -> Disk:
        """Poll until the disk is ready (returned) or the timeout passes
        (``WaitTimeoutError``): before attaching a new disk to a pod."""
        return self.follow_disk(disk_id).wait(timeout, poll_interval)

    def rename_disk(self, disk_id: str, name: str) -> None:
        """Give the disk a new name (nothing else changes; returns nothing)."""
        self._disks.rename(disk_id, name)

    def describe_disk_deletion(self, disk_id: str) -> str:
        """What deleting this disk loses, in a sentence: what to show before asking."""
        return self._disks.describe_deletion(disk_id)

    def delete_disk(self, disk_id: str, *, confirm: bool = False) -> None:
        """Delete a disk and its data for good; refuses unless ``confirm=True``."""
        self.rentals.delete_disk(disk_id, confirm=confirm)

    # -- account -----------------------------------------------------------------------

    def ssh_keys(self) -> pd.DataFrame:
        """Your SSH keys as a DataFrame (which one is primary): the keys pods accept."""
        return rental_frames.ssh_keys_frame(self._account.ssh_keys())

    def add_ssh_key(self, name: str, public_key: str) -> SshKey:
        """Upload an OpenSSH public key (the ``.pub`` file's text) so pods accept it;
        returns the stored ``SshKey``."""
        return self._account.add_ssh_key(name, public_key)

    def set_primary_ssh_key(self, key_id: str) -> None:
        """Make this key the one new pods are given (returns nothing)."""
        self._account.set_primary_ssh_key(key_id)

    def delete_ssh_key(self, key_id: str) -> None:
        """Remove this SSH key from your account (returns nothing)."""
        self._account.delete_ssh_key(key_id)

    def teams(self) -> pd.DataFrame:
        """The teams you belong to as a DataFrame: the ids ``team_id=`` takes."""
        return rental_frames.teams_frame(self._account.teams())

    def team_members(self, team_id: str | None = None) -> pd.DataFrame:
        """Members of ``team_id`` (default: the configured team) as a DataFrame."""
        team = team_id or self.settings.team_id
        if not team:
            raise ConfigurationError("Which team? Pass team_id, or configure one first.")
        return rental_frames.members_frame(self._account.team_members(team))

    def wallet(self) -> Wallet:
        """Your (or the configured team's) balance and latest billing rows, a ``Wallet``:
        what is left before renting more."""
        return self._account.wallet(self.settings.team_id)


def remote_label(pod: Pod) -> str:
    """How a remote run names its pod: ``pod abc123 (1× H100_80GB)``."""
    gpus = f" ({pod.gpu_count or 1}× {pod.gpu_name})" if pod.gpu_name else ""
    return f"pod {pod.id[:6]}{gpus}"
