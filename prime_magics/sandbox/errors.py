"""Errors the sandbox's logic raises, kept free of FastAPI so the store stays plain Python.

`app.py` turns them into the real API's bodies: `{"detail": "..."}` for `ApiError`, and
the 422 envelope of `envelopes.py` for `BodyError` (the spec's `{"errors": [...]}` by
default).
"""

from __future__ import annotations

from typing import Any

from .offers import JSON


class ApiError(Exception):
    """A request refused with an HTTP status and a one-line detail (400/404/409)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class NotFound(ApiError):
    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(404, f"{kind} {ident} not found")


class BodyError(Exception):
    """A body that parsed but does not fit the catalogue: served as a 422."""

    def __init__(self, errors: list[JSON]) -> None:
        super().__init__("; ".join(str(e["msg"]) for e in errors))
        self.errors = errors


def field_error(loc: tuple[str | int, ...], msg: str, value: Any) -> JSON:
    """One pydantic-shaped entry (`envelopes.validation_body` renders it either way)."""
    return {"type": "value_error", "loc": ["body", *loc], "msg": msg, "input": value}
