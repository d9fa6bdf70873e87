"""Reading the API's answers into models: by alias only, lenient per field, loud about it.

The spec allows shapes the guides never showed (fractional ``prepaidTime``, null leaves,
integers of any size), and a real answer may hold a value no field expects. One odd value
must not take a whole table down: that field becomes ``None`` (NA in a frame), its item
keeps its place, and the call warns once (``UnreadValuesWarning``) with how many values
it could not read, naming the first few. Only an item whose *required* field is
unreadable is left out (and counted). An answer that is not JSON, or not the expected
shape at all, is a ``ResponseFormatError`` naming where and what.

The fast path is one strict validation straight from bytes; the lenient repair runs only
when that fails, so well-formed answers cost nothing extra.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .config import scrub_secrets
from .errors import ResponseFormatError

M = TypeVar("M", bound=BaseModel)
MAX_REPAIRS = 4  # nested problems surface one level per validation; more means garbage
_DROP = object()
FORMAT_HINT = (
    "The API's answer does not have the shape this version expects; asking again will "
    "not change that. Please report it with the command that produced it."
)


class UnreadValuesWarning(UserWarning):
    """Some values of an answer could not be read; they are None/NA, the rest is intact."""


warnings.filterwarnings("always", category=UnreadValuesWarning)


@dataclass(frozen=True)
class Unread:
    where: str
    value: Any
    why: str
    dropped: bool = False  # a required field: its whole item was left out

    def __str__(self) -> str:
        shown = scrub_secrets(repr(self.value))  # before shortening: no key half-shown
        left = ", item left out" if self.dropped else ""
        return f"{self.where}={shown[:40]}{'…' if len(shown) > 40 else ''} ({self.why}{left})"


class Tally:
    """The values one call could not read, gathered across its page threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.items: list[Unread] = []

    def add(self, unread: list[Unread]) -> None:
        with self._lock:
            self.items += unread

    def warn(self, what: str) -> None:
        if self.items:
            first = "; ".join(str(u) for u in self.items[:3])
            more = f" and {len(self.items) - 3} more" if len(self.items) > 3 else ""
            dropped = sum(u.dropped for u in self.items)
            left = f", {dropped} item(s) left out" if dropped else ""
            warnings.warn(
                scrub_secrets(  # the values quoted are the server's: it may echo the key
                    f"{what}: {len(self.items)} value(s) could not be read (shown as NA/None"
                    f"{left}): {first}{more}"
                ),
                UnreadValuesWarning,
                stacklevel=4,
            )


@contextmanager
def tallied(what: str) -> Iterator[Tally]:
    """Collect unread values over a block, then warn once for all of them."""
    tally = Tally()
    yield tally
    tally.warn(what)


def parse(adapter: TypeAdapter[Any], data: Any, what: str, tally: Tally) -> Any:
    """Validate JSON bytes (or decoded JSON) by alias; repair per field when that fails."""
    try:
        if isinstance(data, bytes):
            return adapter.validate_json(data, by_alias=True, by_name=False)
        return adapter.validate_python(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        error = exc
    if isinstance(data, bytes):
        try:
            data = json.loads(data)
        except ValueError as bad:
            shown = _short(data[:60].decode("utf-8", "replace"))
            raise ResponseFormatError(
                f"{what}: the answer is not JSON ({bad}): {shown}", hint=FORMAT_HINT
            ) from bad
    else:
        data = json.loads(json.dumps(data))  # a private copy to repair
    unread: list[Unread] = []
    for _ in range(MAX_REPAIRS):
        if not _repair(data, error, unread):
            break
        try:
            result = adapter.validate_python(data, by_alias=True, by_name=False)
        except ValidationError as exc:
            error = exc
            continue
        tally.add(unread)
        return result
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    # A field blanked by an earlier round shows None now: name what the API really sent.
    sent = next((u.value for u in unread if u.where == where), first.get("input"))
    raise ResponseFormatError(
        f"{what}: unexpected data at {where or 'the top level'} ({_short(sent)}): {first['msg']}",
        hint=FORMAT_HINT,
    ) from error


def read(model: type[M], data: Any, what: str) -> M:
    """One object as ``model``, warning about values it could not read."""
    with tallied(what) as tally:
        result: M = parse(TypeAdapter(model), data, what, tally)
    return result


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "…"


def _repair(data: Any, error: ValidationError, unread: list[Unread]) -> bool:
    """Blank each failing field (or drop its item when the field is required); False when
    an error cannot be repaired this way."""
    dropped: list[tuple[list[Any], int]] = []
    for err in error.errors():
        loc = list(err["loc"])
        field = _deepest_field(data, loc)
        if field is None:
            return False
        container, key, depth = field
        element = _failing_element(container.get(key), loc[depth + 1 :])
        if element is not None:  # a list element of the wrong kind: leave just it out
            where = ".".join(map(str, loc))
            unread.append(Unread(where, element[0][element[1]], err["msg"], dropped=True))
            dropped.append(element)
            continue
        required = err["type"] == "missing" or container.get(key, _DROP) is None
        if not required:
            unread.append(Unread(".".join(map(str, loc[: depth + 1])), container[key], err["msg"]))
            container[key] = None
            continue
        item = _enclosing_item(data, loc[:depth])
        if item is None:
            return False
        items, index = item
        where = ".".join(map(str, loc[: depth + 1]))
        unread.append(Unread(where, container.get(key), err["msg"], dropped=True))
        dropped.append((items, index))
    for items, index in dropped:
        items[index] = _DROP
    for items, _ in dropped:
        items[:] = [x for x in items if x is not _DROP]
    return True


def _deepest_field(data: Any, loc: list[Any]) -> tuple[dict[str, Any], str, int] | None:
    """The innermost ``(dict, key, depth)`` along ``loc`` whose key is a field name."""
    found = None
    node = data
    for depth, step in enumerate(loc):
        if isinstance(node, dict) and isinstance(step, str):
            found = (node, step, depth)
            if step not in node:
                break
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            break
    return found


def _failing_element(node: Any, rest: list[Any]) -> tuple[list[Any], int] | None:
    """``(list, index)`` when ``rest`` only indexes into lists: the error is about one
    element itself (``items: [5, {...}]``), not about a field inside it."""
    found = None
    for step in rest:
        if not (isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)):
            return None
        found, node = (node, step), node[step]
    return found


def _enclosing_item(data: Any, loc: list[Any]) -> tuple[list[Any], int] | None:
    """The innermost list element containing ``loc``: what to leave out."""
    found = None
    node = data
    for step in loc:
        if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            found = (node, step)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return found
