"""Error bodies: the spec's 422 envelope, or FastAPI's, and the plain `detail` for the rest.

compute.yml declares every 422 as `ErrorResponse` (`{"errors": [{"param", "details"}]}`),
so that is what the sandbox sends by default, for FastAPI's own request validation and
for the sandbox's checks against the catalogue alike. The official CLI reads FastAPI's
`{"detail": [{loc, msg, type}]}` instead, and clients are told to accept both, so
`SandboxConfig(validation_errors="fastapi")` serves that shape to test the other path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

JSON = dict[str, Any]
STYLES = ("spec", "fastapi")
_SOURCES = ("body", "query", "path", "header", "cookie")


def param_name(loc: Sequence[Any], kind: str = "") -> str:
    """`["body", "pod", "diskSize"]` -> `"pod.diskSize"`; `["query", "regions", 0]` ->
    `"regions.0"`; a body that is not JSON at all -> `"body"`."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        if kind == "json_invalid" or not parts:
            return source
    return ".".join(parts) or "body"


def validation_body(entries: Sequence[Mapping[str, Any]], style: str) -> JSON:
    """The 422 body for pydantic-shaped entries (`loc`, `msg`, `type`, `input`)."""
    if style == "fastapi":
        return {
            "detail": [
                {
                    "type": e.get("type", "value_error"),
                    "loc": list(e.get("loc", ())),
                    "msg": e.get("msg", ""),
                    "input": e.get("input"),
                }
                for e in entries
            ]
        }
    return {
        "errors": [
            {"param": param_name(e.get("loc", ()), str(e.get("type", ""))), "details": e["msg"]}
            for e in entries
        ]
    }
