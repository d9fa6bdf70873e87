"""One place that talks HTTP: auth, error mapping, retries for reads, none for writes.

Reads (GET) are retried with exponential backoff and jitter on 429 (honouring
``Retry-After``), 502/503/504 and connection failures, bounded both in attempts and in
total time. Writes are sent exactly once: a create that times out after leaving, or is
answered 500/502/503/504 (a gateway's error says nothing about what the API behind it
did), might have rented a pod, so it surfaces as ``OutcomeUnknownError`` for the caller
to reconcile.

The key is attached by ``BearerAuth`` (an ``httpx.Auth``) inside httpx, as the request
leaves: no header dict, request or local variable of ours holds it, so a verbose
traceback (``%xmode Verbose`` prints every frame's locals) cannot show it.
"""

from __future__ import annotations

import email.utils
import functools
import json
import random
import ssl
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx

from .. import errors
from ..config import REDACTED, Secret, Settings, redact

Params = Mapping[str, str | int | float | Sequence[str] | None]
SANDBOX_HEADER = "x-prime-sandbox"
UNKNOWN_AFTER = frozenset({500, 502, 503, 504})
"""Statuses that, answering a create, do not say whether it happened: the API failing
midway, or a gateway in front of it failing after it may have acted."""


class BearerAuth(httpx.Auth):
    """Sets ``Authorization: Bearer …`` as httpx sends the request; its repr is redacted."""

    def __init__(self, key: Secret) -> None:
        self._key = key

    def __repr__(self) -> str:
        return f"BearerAuth({REDACTED!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # No local holds the plain key: it goes straight from the Secret into the header.
        request.headers["Authorization"] = "Bearer " + self._key.reveal()
        yield request


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a read tries. Defaults keep a notebook responsive: ≤ 4 attempts, ≤ 30 s."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 20.0
    total_budget: float = 30.0
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        backoff: float = min(self.base_delay * 2.0 ** (attempt - 1), self.max_delay)
        return backoff * (0.5 + random.random() / 2)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given as seconds or as an HTTP date."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return (when - datetime.now(timezone.utc)).total_seconds()


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """httpx's default verification (certifi, SSL_CERT_FILE…), built once per process:
    building it costs ~20 ms, which every new client would otherwise pay again."""
    return httpx.create_ssl_context()


@functools.cache
def _package_version() -> str:
    """Read once per process: ``importlib.metadata`` scans ``sys.path`` (~0.3 ms), which
    every page's request paid again (a third of the client's CPU at 0 ms latency)."""
    try:
        return version("prime_magics")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def _detail_of(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:200] if text and not text.lstrip().startswith("<") else None
    return body.get("detail", body) if isinstance(body, dict) else body


def _scrub(value: Any, secret: str | Secret | None) -> Any:
    """``value`` with the secret removed from every string in it (servers may echo it)."""
    if not secret:
        return value
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, list):
        return [_scrub(item, secret) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, secret) for key, item in value.items()}
    return value


def _validation_lines(detail: Any) -> list[str]:
    """One ``field: message`` line per error, from either 422 shape: FastAPI's
    ``{"detail": [{loc, msg}]}`` (what the official CLI reads) or the spec's
    ``{"errors": [{param, details}]}``."""
    items = detail.get("errors") if isinstance(detail, dict) else detail
    lines = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            lines.append(str(item))
            continue
        where = item.get("loc", item.get("param"))
        parts = where if isinstance(where, list) else str(where or "").split(".")
        loc = [str(p) for p in parts if p not in ("body", "query", "path", "")]
        message = item.get("msg", item.get("details", item.get("detail")))
        lines.append(f"{'.'.join(loc) or '(request)'}: {message if message else item}")
    return lines or [str(detail)]


def error_from_response(
    response: httpx.Response, what: str, secret: str | Secret | None = None
) -> errors.APIStatusError:
    """Turn an error status into the exception a person can act on (``secret`` redacted)."""
    status = response.status_code
    detail = _scrub(_detail_of(response), secret)
    said = f": {detail}" if isinstance(detail, str) and detail else ""
    if isinstance(detail, dict) and isinstance(detail.get("errors"), list):
        said = ": " + "; ".join(_validation_lines(detail))
    if status == 422:
        lines = _validation_lines(detail)
        return errors.UnprocessableEntityError(
            f"The API rejected {what}:\n" + "\n".join(f"  - {line}" for line in lines),
            status_code=status,
            detail=detail,
            errors=lines,
        )
    kinds: dict[int, tuple[type[errors.APIStatusError], str]] = {
        400: (errors.BadRequestError, f"The API refused {what}{said}"),
        401: (errors.AuthenticationError, f"Not authenticated for {what}{said}"),
        402: (errors.PaymentRequiredError, f"Payment required for {what}{said}"),
        403: (errors.PermissionDeniedError, f"Permission denied for {what}{said}"),
        404: (errors.NotFoundError, f"Not found: {what}{said}"),
        409: (errors.ConflictError, f"Conflict on {what}{said}"),
        429: (errors.RateLimitError, f"Rate limited on {what}{said}"),
    }
    if status in kinds:
        cls, message = kinds[status]
    elif status >= 500:
        cls, message = errors.ServerError, f"Server error {status} on {what}{said}"
    else:
        cls, message = errors.APIStatusError, f"Unexpected status {status} on {what}{said}"
    error = cls(message, status_code=status, detail=detail)
    error.retry_after = parse_retry_after(response.headers.get("retry-after"))
    return error


class Transport:
    """Authenticated JSON over one pooled ``httpx.Client``; safe to share across threads."""

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``transport`` replaces only the wire (tests, proxies): timeout, limits and the
        shared SSL context stay this client's own."""
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._http = httpx.Client(
            auth=BearerAuth(settings.secret) if settings.secret else None,
            transport=transport,
            verify=shared_ssl_context(),
            timeout=timeout,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        self._sandbox = threading.Event()

    def mark_sandbox(self) -> None:
        self._sandbox.set()

    @property
    def is_sandbox(self) -> bool:
        """True once any answer said it came from the embedded sandbox."""
        return self._sandbox.is_set()

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"Transport(base_url={self.settings.base_url!r})"

    def _headers(self) -> dict[str, str]:
        """Every header but the key, which ``BearerAuth`` sets as the request leaves."""
        if not self.settings.secret:
            raise errors.ConfigurationError(
                "No Prime Intellect API key is configured.",
                hint="Run %prime login, set PRIME_API_KEY, or try %prime simulator for a "
                "simulated API with no account.",
            )
        return {
            "User-Agent": f"prime_magics/{_package_version()}",
            "Accept": "application/json",
        }

    def _url(self, path: str) -> str:
        return self.settings.api_root + path

    def _checked(self, response: httpx.Response, what: str) -> httpx.Response:
        if response.headers.get(SANDBOX_HEADER):
            self._sandbox.set()
        if response.status_code >= 400:
            raise error_from_response(response, what, self.settings.secret)
        return response

    def _decode(self, response: httpx.Response, what: str) -> Any:
        self._checked(response, what)
        if not response.content:
            return None
        try:
            return json.loads(response.content)
        except ValueError as exc:
            snippet = redact(response.text[:80], self.settings.secret)
            raise errors.ResponseFormatError(
                f"{what}: the API answered {response.status_code} with a body that is not "
                f"JSON ({snippet!r}…)"
            ) from exc

    def get(self, path: str, params: Params | None = None, *, what: str | None = None) -> Any:
        """GET with retries; returns decoded JSON or raises a ``PrimeError``."""
        what = what or f"GET {path}"
        return self._decode(self._get_with_retries(path, params, what), what)

    def get_bytes(self, path: str, params: Params | None = None, *, what: str) -> bytes:
        """GET with retries; the body undecoded, for callers that validate JSON bytes
        straight into models (faster than decoding to dicts first)."""
        return self._checked(self._get_with_retries(path, params, what), what).content

    def _read_url(self, path: str, params: Params | None) -> str:
        """The URL with its query, encoded as ``httpx`` encodes ``params=``, so the request
        is built from one parse of one string (``Client.get(params=…)`` parses the URL
        twice: a tenth of the client's CPU per page when the catalogue is large)."""
        url = self._url(path)
        if params:
            url += ("&" if "?" in url else "?") + str(httpx.QueryParams(params))
        return url

    def _get_with_retries(self, path: str, params: Params | None, what: str) -> httpx.Response:
        # Built once, sent as many times as it is tried: the client's timeout, headers and
        # cookies (``build_request``), its transport, proxies and redirects (``send``).
        request = self._http.build_request(
            "GET", self._read_url(path, params), headers=self._headers()
        )
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = self._http.send(request)
            except httpx.TimeoutException as exc:
                failure: errors.PrimeError = errors.APITimeoutError(f"{what} timed out")
                cause: Exception = exc
            except httpx.TransportError as exc:
                failure = errors.APIConnectionError(f"{what} failed: {type(exc).__name__}")
                cause = exc
            else:
                if response.status_code not in self.retry.retry_statuses:
                    return response
                failure = error_from_response(response, what, self.settings.secret)
                cause = failure
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            delay = self.retry.delay(attempt, retry_after)
            spent = time.monotonic() - started
            if attempt >= self.retry.max_attempts or spent + delay > self.retry.total_budget:
                if attempt > 1:
                    failure.message += f" (after {attempt} attempts)"
                raise failure from cause
            self._sleep(delay)

    def send_once(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        what: str,
        creates: tuple[str, str | None] | None = None,
    ) -> Any:
        """A write, sent exactly once. ``creates=(kind, name)`` marks a create request: one
        whose answer is lost, or is 500/502/503/504, raises ``OutcomeUnknownError``."""
        headers = self._headers()
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        try:
            response = self._http.request(method, self._url(path), json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never left this machine: nothing can have happened.
            raise errors.APIConnectionError(
                f"{what} was not sent: could not connect ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            if creates is None:
                raise errors.APIConnectionError(
                    f"{what}: no answer ({type(exc).__name__}); it may or may not have happened"
                ) from exc
            kind, name = creates
            raise errors.OutcomeUnknownError(
                f"{what}: the request was sent but no answer came back "
                f"({type(exc).__name__}); it was NOT retried.",
                kind=kind,
                name=name,
                since=since,
            ) from exc
        if creates is not None and response.status_code in UNKNOWN_AFTER:
            failed = error_from_response(response, what, self.settings.secret)
            said = f" ({failed.detail})" if isinstance(failed.detail, str) and failed.detail else ""
            kind, name = creates
            unknown = errors.OutcomeUnknownError(
                f"{what}: the API answered {response.status_code}{said}, which does not say "
                "whether it acted (a gateway can fail after the API did); it was NOT retried.",
                kind=kind,
                name=name,
                since=since,
                status_code=response.status_code,
            )
            # Not chained: the ServerError's hint ("try again in a minute") is the one
            # thing this must never say; its status and detail are in the message.
            raise unknown from None
        return self._decode(response, what)
