"""Capacity: say when the GPUs you want appear at your price (``pm.watch``).

- ``watcher``: the ``Watch`` (polls, events, its thread) and ``watch()``;
- ``match``: what a watch asks (``WatchQuery``), which offers match, poll-to-poll events;
- ``share``: identical queries in one process share one answer;
- ``state``: what a watch remembers between polls, and its frames;
- ``history``: what every watch saw, in the local store;
- ``rent_first``: rent the first match once, once per query on the machine.

It may import the domain (``models``, ``offers``, ``pricing``, ``provisioning``,
``errors``, ``inputs``), ``frames``, ``rentals`` (the store and rent-first's claim) and
the display's primitives; the client only for type hints.
"""
