"""Rent-first's claims: one armed rent-first per API and query on the machine.

A watch armed with ``--rent-first`` writes its claim here (``arm``), replacing any earlier
one for the same query: re-running the cell, or a second kernel with the same watch, takes
the claim over, and the earlier watch sees it has lost it. Before a create, the watch
takes the claim from ``armed`` to ``renting`` in one statement (``take``): however many
kernels see the same match, one rents.
"""

from __future__ import annotations

from .store import Store


class Claims:
    """The store's ``claims`` table (see the module)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def arm(self, base_url: str, shape: str, owner: str, now: float) -> str | None:
        """Hold the claim for ``shape`` as ``owner``; the owner it was taken from, if any
        still armed."""
        with self.store.write() as db:
            row = db.execute(
                "SELECT owner FROM claims WHERE base_url = ? AND shape = ? AND state = 'armed'",
                (base_url, shape),
            ).fetchone()
            db.execute(
                "INSERT OR REPLACE INTO claims (base_url, shape, owner, state, at)"
                " VALUES (?, ?, ?, 'armed', ?)",
                (base_url, shape, owner, now),
            )
        previous = None if row is None else str(row[0])
        return previous if previous != owner else None

    def take(self, base_url: str, shape: str, owner: str, now: float) -> bool:
        """True for one caller only: ``owner`` still holds the armed claim and now rents."""
        return self.store.once(
            "UPDATE claims SET state = 'renting', at = ? WHERE base_url = ? AND shape = ?"
            " AND owner = ? AND state = 'armed'",
            (now, base_url, shape, owner),
        )

    def give_back(self, base_url: str, shape: str, owner: str, now: float) -> None:
        """Nothing was sent (refused before sending): armed again for the next match."""
        self.store.change(
            "UPDATE claims SET state = 'armed', at = ? WHERE base_url = ? AND shape = ?"
            " AND owner = ? AND state = 'renting'",
            (now, base_url, shape, owner),
        )

    def release(self, base_url: str, shape: str, owner: str) -> None:
        """The watch stopped or rented: its claim goes (a rented claim stays as a record)."""
        self.store.change(
            "DELETE FROM claims WHERE base_url = ? AND shape = ? AND owner = ? AND state = 'armed'",
            (base_url, shape, owner),
        )


__all__ = ["Claims"]
