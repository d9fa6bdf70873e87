"""Frames: models in, pandas DataFrames out, with every cost column computed.

- ``offer_frames``: availability (GPU and disk offers) with the cost columns;
- ``rental_frames``: pods, disks, history, keys, teams and members;
- ``sweep``: everything billing now, with the one cost so far and its flags;
- ``view``: how a frame displays (money as money, decisions first, the caption);
- ``accessor``: ``df.prime`` (cheapest, plot, configure a row).

It may import the domain below it (``models``, ``offers``, ``pricing``, ``lifecycle``,
``provisioning``, ``errors``), the rentals' records (for deadlines) and the display's
primitives; the accessor opens a widget lazily.
"""
