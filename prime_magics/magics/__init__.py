"""%prime — rent GPUs from the notebook (the same commands as the ``prime`` CLI).

Synopsis::

    %prime COMMAND [SUBCOMMAND] [OPTIONS]      # %prime --help, %prime pods --help, …
    df = %prime availability list --gpu-type H100_80GB --gpu-count 8

Availability (each returns a DataFrame; assign it with ``df = %prime …``)::

    %prime availability list [--gpu-type T] [--gpu-count N] [--regions R ...]
                             [--socket S] [--security S] [--data-center D]
                             [--cloud-id C] [--provider P] [--disks ID ...] [--refresh]
        GPU offers, cheapest first, every cost column computed (total_hr,
        price_per_gpu_hr, …). --disks keeps offers that can attach those disks;
        --provider is filtered here, as the prime CLI does.
    %prime availability disks [--regions R ...] [--data-center D] [--cloud-id C]
                              [--size GB] [--refresh]
        Network disk offers; with --size, adds size_gb and cost_hr.
    %prime availability gpu-types [--refresh]
        The GPU types the API knows, as a list.
    %prime availability explore [--gpu-type T] [--gpu-count N] [--regions R ...]
                                [--socket S] [--security S] [--provider P ...]
                                [--max-price USD] [--max-rows N]
        An AvailabilityExplorer widget, starting from those filters: the offers in a
        grid (sort, page, filter per column), a click on a row opens its ProvisionForm.
        --max-rows: rows per page. df.prime.explore() starts one from a frame. Needs
        Jupyter widgets (elsewhere: a UsageError).
    %prime availability watch [--gpu-type T] [--gpu-count N] [--regions R ...]
                              [--data-center D] [--socket S] [--security S] [--provider P]
                              [--max-price-per-gpu P] [--max-total P] [--min-stock LEVEL]
                              [--every S] [--for DURATION]
                              [--rent-first --max-hours H [--name N]]
        Polls in the background (one query per --every seconds, 60 by default, never
        under 15 against the real API) and returns at once: a WatchPanel (matches
        cheapest first, how long each was visible, a notice on a new match, Configure
        and Rent now with one confirmation at the quoted cap), else the pm.Watch.
        --rent-first rents the first match at or under the caps exactly once (armed
        in the panel, can be disarmed); it needs --max-hours. --for 2h ends it.
    %prime availability history [--gpu-type T] [--gpu-count N] [--clear]
        What watches saw, one row per poll and shape (offers, best $/GPU-hour, where),
        from ~/.prime/prime_magics.sqlite3; --clear empties it.

Pods::

    %prime pods list                    your pods (DataFrame, with cost so far and deadline;
                                        one past its deadline is said, with how to end it)
    %prime pods get ID                  one pod's summary (``t = …`` then ``t["status"]``)
    %prime pods status ID [ID ...]      status, installation progress, SSH (DataFrame)
    %prime pods history                 terminated pods and what each was billed
    %prime pods ssh ID                  the ssh command line for a pod
    %prime pods create [OFFER] [--offer VAR[ROW]] [--cloud-id C] [--data-center D]
                       [--gpu-type T] [--gpu-count N] [--name N] [--image I]
                       [--disk-size GB] [--vcpus N] [--memory GB] [--disks ID ...]
                       [--max-price P|none] [--max-hours H] [--idle-stop MINUTES]
                       [--forecast H ...]
                       [--custom-template-id T]
                       [--team-id T] [--share-with-team] [--env KEY=VALUE ...] [--yes]
        The offer is the row labelled ROW (the number at the left of the table) of an
        availability DataFrame in your namespace (``--offer df[0]``), or the single
        offer matching --cloud-id/--data-center (narrowed by --gpu-type/--gpu-count).
        Without --yes it shows the quote, the JSON body and a curl line, and sends
        nothing; with widgets it also returns a ProvisionForm preset to the same
        choices, whose Provision → Confirm rents the pod (once). With --yes it rents
        the pod (exactly one request).
        maxPrice is the quote by default (never billed above the price shown);
        --max-price P sets another cap, --max-price none sends none. Right before the
        create the offer is re-read: gone, or above the cap, and nothing is sent.
        --max-hours H: terminate the pod H hours after it is ready, or after it was
        created if it never becomes ready (kept by the guard process, also when no
        kernel runs; see %prime guard).
        The preview (and the form) forecast 1, 8, 24 h and a month (--forecast 2 12
        month: those instead) with the attached disks and prepaid hours, and how long
        the wallet pays for it; a wallet that cannot pay the first hour stops --yes
        unless --despite-balance is added (the form asks a second time instead).
        --team-id none: no team, even when one is configured; --share-with-team or
        --add-members USER_ID ...: share it; --ssh-key-id ID: which key.
    %prime pods extend ID HOURS
        Move the pod's deadline HOURS later (a pod without one gets one, HOURS from
        now). Deadlines live in ~/.prime/prime_magics.sqlite3 (mode 0600).
    %prime pods idle-stop POD MINUTES|none
        Terminate the pod once no remote cell ran on it for MINUTES (kept by the guard
        process, also when no kernel runs; warned 5 min before, or MINUTES/5 when
        shorter); none lifts it. Also --idle-stop MINUTES on pods create.
    %prime pods terminate ID [--yes]
        Without --yes says what would be lost (with widgets: "Terminate pod ID?" over
        a Terminate button that terminates once); with --yes terminates.

Work on the pod (SSH with your key: ~/.ssh, --identity, or one added with ssh-keys)::

    %%prime run [POD] [--push NAME ...] [--pull NAME ...] [--timeout S] [--identity PATH]
        Runs the cell's code in a fresh Python process on the pod and streams its
        stdout and stderr into the cell as they come. --push sends kernel variables
        (pickled: numpy arrays and DataFrames too), --pull brings the named ones back
        into the notebook. A remote exception fails the cell with the pod's traceback;
        interrupting the kernel kills the remote process. The last line says how long
        it ran and what that cost at the pod's price ("ran 4.2 s on pod abc123
        (1× H100_80GB): $0.0022"). POD is an id, $VAR or a variable's name; without
        it, your only live pod. pm.remote(POD) does the same from plain Python.
    %prime files put LOCAL [REMOTE] [--pod POD] [--identity PATH]
    %prime files get REMOTE [LOCAL] [--pod POD] [--identity PATH]
        One file over SFTP with a progress bar, all or nothing: written under a
        temporary name, its sha256 checked, then renamed. Says the path and size.

Disks::

    %prime disks list                   your network disks (DataFrame)
    %prime disks get ID                 one disk's summary
    %prime disks create --size GB --data-center D [--name N] [--provider P]
                        [--team-id T] [--yes]
        Without --yes shows the cost, body and curl line and sends nothing; with
        widgets it also returns a DiskForm preset to the same place, size and name,
        whose Create disk → Confirm creates it. With widgets, --size and
        --data-center may be left out: the form asks (``%prime disks create`` alone
        opens an empty one). Elsewhere both are required.
    %prime disks rename ID NAME
    %prime disks delete ID [--yes]
        Deleting a disk destroys its data for good; without --yes nothing happens
        (with widgets: "Delete disk ID?" over a Delete button that deletes once).

Account::

    %prime ssh-keys list                your SSH public keys (DataFrame)
    %prime ssh-keys add PATH [--name N] upload a public key: the .pub file, never the private one
    %prime ssh-keys primary ID          the key new pods get (--ssh-key-id picks another)
    %prime ssh-keys delete ID
    %prime teams list                   your teams (DataFrame)
    %prime teams members [TEAM]         a team's members (default: the configured team): the
                                        ids that pods create --add-members takes
    %prime wallet
        Your balance (or the configured team's), what bills now and its burn rate ($/h
        of every pod and disk billing now), the runway (the hours the balance covers at
        that rate) and the past charges in the wallet's billing history.

Spend::

    %prime sweep
        Everything billing now (DataFrame: kind, id, name, status, price_hr,
        cost_so_far, hours_running, deadline, attached_to, unattached_disk,
        past_deadline), including pods whose deadline passed while the guard
        could not end them. With widgets, a SweepPanel: per row a Terminate…/Delete… button that
        says what is lost, then asks (Cancel withdraws), and reads the sweep again after
        each act; "Terminate all shown" only after typing the
        phrase it shows.

    %prime budget [USD] [--day] [--hard] [--off]
        Spend at most USD on the pods and disks created from this kernel (--day: on
        everything ~/.prime/prime_magics.sqlite3 knows, over a rolling 24 h, and kept
        for every later kernel until --off): spent so far, $/h still billing and when
        the budget is reached at that rate. A warning at 80 % and a notice at 100 %
        (after the next cell that runs; with widgets, a BudgetPanel whose one button
        ends what it counts); from then on creates are refused. --hard: at 100 % the
        guard terminates those pods and deletes those disks itself, after a final
        warning 5 minutes before, also when no kernel runs. The budget is kept in the
        store: another client in this kernel (%prime simulator restart, %prime login)
        keeps it. Alone: the state; --off lifts it. Rentals made in the web app or the
        prime CLI are not counted.

    %prime guard [status|stop|start]
        The guard process that keeps deadlines, hard budgets and lost creates when no
        kernel runs (one per machine and API, started with the first of them, gone
        when nothing is left): what it guards, its last round, its last error and what
        it did lately. stop ends it (deadlines are then not enforced until the next
        create or start starts it again).

Settings::

    %prime config [--base-url URL] [--team-id ID]
        The settings in use and where each came from (argument, environment,
        ~/.prime/config.json, default); the key only ever redacted. With options,
        saves them to ~/.prime/config.json (shared with the prime CLI).
    %prime login
        Asks for the API key without echoing it and saves it (mode 0600).
    %prime simulator [start|restart|stop] [--market]
        Point this kernel at an embedded simulated API: no account, no money.
        Everything it returns is labelled [simulator]. --market: a fresh one where an
        8×H100, a 1×H100 and an 8×A100 change price, stock or sell out every 1-2 minutes
        (to try availability watch). %prime sandbox, its old name, still works for now
        (the official CLI's prime sandbox is Prime's Sandboxes product).

Widgets: ``%config PrimeMagics.widgets = "auto"`` (default) returns them only in a
Jupyter kernel (``ZMQInteractiveShell``), never in terminal IPython or a script; ``True``
or ``False`` forces them on or off. The text preview is shown either way, and a widget
acts only when its button is clicked.

``$var`` and ``{expr}`` are expanded as in every line magic. Expected failures (bad
arguments, 401, 402, 404, 422, network down…) show one message without a traceback and
fail the cell; ``%config PrimeMagics.short_errors = False`` brings tracebacks back.
The plain Python API (``import prime_magics as pm``) does everything shown here.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any, TypeVar, cast

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.display import display
from traitlets import Bool, Enum, observe
from traitlets.config import Configurable

from ..errors import PrimeError
from ._context import Context, HelpShown

_F = TypeVar("_F", bound=Callable[..., Any])


def _line_magic(name: str) -> Callable[[_F], _F]:
    """IPython's ``line_magic(name)``, typed so mypy keeps the method's signature."""
    return cast("Callable[[_F], _F]", line_magic(name))


def _cell_magic(name: str) -> Callable[[_F], _F]:
    """IPython's ``cell_magic(name)``, typed the same way."""
    return cast("Callable[[_F], _F]", cell_magic(name))


@magics_class
class PrimeMagics(Magics, Configurable):
    """Registers ``%prime``; configure with ``%config PrimeMagics``."""

    short_errors = Bool(
        True,
        config=True,
        help="Show expected failures (PrimeError) as one message without a traceback. "
        "False re-raises them with their traceback, for debugging.",
    )

    @observe("short_errors")
    def _short_errors_changed(self, change: Any) -> None:
        PrimeError.short_traceback = bool(change["new"])

    widgets = Enum(
        ("auto", True, False),
        default_value="auto",
        config=True,
        help="Return ipywidgets panels (forms, confirm buttons, the explorer) next to the "
        "text previews. 'auto': only in a kernel with a front end (ZMQInteractiveShell), "
        "never in terminal IPython or a script. Display only: without --yes nothing is "
        "sent either way.",
    )

    def widgets_enabled(self) -> bool:
        """Whether ``%prime`` returns widgets in this shell (the ``widgets`` trait resolved)."""
        if self.widgets == "auto":
            return has_front_end(self.shell)
        return bool(self.widgets)

    @_line_magic("prime")
    def prime(self, line: str) -> Any:
        # The command tree is imported at the first %prime, not at %load_ext: it brings
        # the models, pydantic and the rest (~95 ms of CPU); every command needs them, so
        # the first command pays once what loading the extension would have.
        from . import _cli

        return self._answer(lambda context: _cli.run(line, context))

    @_cell_magic("prime")
    def prime_cell(self, line: str, cell: str) -> None:
        """``%%prime run [POD] [--push NAME …] [--pull NAME …] [--timeout S]``: the cell
        on the pod (see ``%prime?``). The SSH engine is imported at the first run."""
        command, _, rest = line.strip().partition(" ")
        if command != "run":
            raise UsageError(
                f"%%prime {command or '(nothing)'}: the cell magic has one command, run "
                "(%%prime run [POD] [--push NAME ...] [--pull NAME ...] [--timeout S])"
            )
        from . import _remote

        self._answer(lambda context: _remote.run_cell(rest, cell, context))

    def _answer(self, command: Callable[[Context], Any]) -> Any:
        """Run one command in this shell's context: the one place where an expected
        failure (``PrimeError``) becomes a one-line ``UsageError``."""
        context = Context(
            user_ns=self.shell.user_ns if self.shell else {},
            show=display,
            widgets=self.widgets_enabled(),
        )
        try:
            return one_label(command(context), context)
        except HelpShown:
            return None
        except PrimeError as exc:
            if not self.short_errors:
                raise
            raise UsageError(str(exc)) from exc

    def after_cell(self, _result: object = None) -> None:
        """After each cell: what the guard did or found meanwhile (an end at a deadline
        or a budget, a lost create found, a threshold), said once each. One read of the
        local store, and none until the rentals were ever used in this kernel."""
        if "prime_magics.rentals.store" in sys.modules:
            from ._spend import show_findings

            show_findings(Context(user_ns={}, show=display, widgets=self.widgets_enabled()))


PrimeMagics.prime.__doc__ = __doc__


def one_label(result: Any, context: Context) -> Any:
    """One sandbox label per output: a panel the command returns under the banner it
    already showed does not say it again in its heading."""
    if context.labelled and isinstance(getattr(result, "sandbox_label", None), bool):
        result.sandbox_label = False
    return result


def has_front_end(shell: object) -> bool:
    """A Jupyter kernel's shell (``ZMQInteractiveShell`` or a subclass), where a widget can
    render; checked by name so that ipykernel is never imported here."""
    return any(cls.__name__ == "ZMQInteractiveShell" for cls in type(shell).__mro__)


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%prime`` and ``%%prime`` (``Magics.__init__`` also adds them to
    ``%config``), and the after-cell hook that says what the guard did or found."""
    magics = PrimeMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.events.register("post_run_cell", magics.after_cell)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove ``%prime`` so ``%reload_ext prime_magics`` starts afresh."""
    manager = ipython.magics_manager
    manager.magics["line"].pop("prime", None)
    manager.magics["cell"].pop("prime", None)
    magics = manager.registry.pop(PrimeMagics.__name__, None)
    if magics is not None:
        with contextlib.suppress(ValueError):  # registered by an older load
            ipython.events.unregister("post_run_cell", magics.after_cell)
    if magics in ipython.configurables:
        ipython.configurables.remove(magics)


__all__ = ["PrimeMagics", "load_ipython_extension", "unload_ipython_extension"]
