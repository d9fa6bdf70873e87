"""Display: how things are said to a person, in text and HTML.

- ``primitives``: the leaf: ``Notice``, ``Table``, ``Code``, money (``usd``, currency
  aware), durations, colours, the sandbox label. It imports nothing of the domain, so any
  module may use it (a ``Quote``'s repr, a watch event's text).
- ``sentences``: the domain's sentences above it (forecasts, caps, deadlines, the sweep,
  pods and disks); ``guard``: the guard's status. The budget's words are the
  rentals' own (``rentals.budget_words``): the guard process says them.

The sentences may import the domain; nothing in the domain imports them back.
"""
