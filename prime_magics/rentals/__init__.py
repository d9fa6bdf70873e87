"""Rentals: the one owner of everything that bills, and the guard that keeps its rules.

What it holds, each a module with one job:

- ``store``: the local SQLite file, its schema version and migrations, the one way to
  open it (0600, a write lock taken before a write reads);
- ``records``: a rental's row from intent to end, every transition one statement;
- ``budgets``: the budget rule, its arithmetic and the table that keeps it;
- ``findings``: what was done or found, kept until a kernel has said it;
- ``owner``: ``Rentals``, the only code that creates, records, extends and ends;
- ``guard``: one round of enforcement (deadlines, budgets, unknown outcomes);
- ``daemon``: the detached guard process that takes those rounds when no kernel runs;
- ``claims``: rent-first's once-per-shape claim.

It may import the API's resources (``pods``, ``disks``), the models, ``lifecycle``,
``pricing``, ``errors`` and ``config``; never the ``Client`` facade, the magics or the
widgets, which all come to it.
"""
