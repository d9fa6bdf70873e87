"""Every failure a user can act on is a ``PrimeError``; anything else is a bug.

The tree, so callers can catch exactly what they can handle::

    PrimeError
    ├── ConfigurationError         a value we refuse before sending (count off-step, no key…)
    ├── SpendRefusedError          a create refused for money's sake: nothing was rented
    │   ├── PriceChangedError      the offer vanished or now costs more than the cap: not sent
    │   ├── BalanceTooLowError     the wallet cannot pay one hour and that was not accepted
    │   ├── BudgetSpentError       the kernel's budget (pm.budget) is spent: not sent
    │   └── PriceCapRefusedError   the API refused it: maxPrice below the price (also a 400)
    ├── ConfirmationRequiredError  a destructive act asked for without confirm=True
    ├── ProvisioningError          a pod we waited for went to ERROR or TERMINATED
    ├── WaitTimeoutError           a pod or disk was not ready within the wait's timeout
    ├── APIConnectionError         the request never got an answer
    │   ├── APITimeoutError        …because it took too long
    │   └── OutcomeUnknownError    …or a 5xx to a create: it may have happened (never retried)
    ├── ResponseFormatError        an answer came, but not the JSON we expected
    └── APIStatusError             the API answered with an error status
        ├── BadRequestError        400 (PriceCapRefusedError is one too: caught as before)
        ├── AuthenticationError    401
        ├── PaymentRequiredError   402
        ├── PermissionDeniedError  403
        ├── NotFoundError          404
        ├── ConflictError          409
        ├── UnprocessableEntityError 422 (``errors`` holds each ``loc: msg``)
        ├── RateLimitError         429
        └── ServerError            5xx

A ``ConfigurationError`` is also a ``ValueError`` (a bad argument is one); a
``SpendRefusedError`` is not: a price that moved, a wallet or a budget is no bad value,
and ``except ValueError`` around a create must not swallow "nothing was rented". Catch
``SpendRefusedError`` to handle every money refusal at once.

``str(error)`` is the message plus, on its own line, a hint saying what to do next: the
magic prints exactly that, so messages are written for a person, not a log file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

DASHBOARD = "https://app.primeintellect.ai/dashboard"


class PrimeError(Exception):
    """Base of every expected failure."""

    hint: str | None = None
    short_traceback: ClassVar[bool] = True
    """In IPython, a ``PrimeError`` from a plain call (``pm.quote(...)`` in a cell) shows its
    message and hint, not the library's internals; ``%config PrimeMagics.short_errors =
    False`` (or setting this to False) brings the full traceback back."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message

    def _render_traceback_(self) -> list[str]:
        """IPython's hook: the lines shown instead of a traceback. Raising makes IPython
        fall back to the full traceback."""
        if not PrimeError.short_traceback:
            raise NotImplementedError("full tracebacks were asked for")
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


class ConfigurationError(PrimeError, ValueError):
    """A choice that cannot be sent: out of range, off its step, incompatible, or missing.

    ``field`` names the argument at fault (``disk_gb``) when the message starts with
    ``field=value``, so a caller that took the value under another name (the magic's
    ``--disk-size``) can say it the way the user typed it: ``named("--disk-size")``."""

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None):
        super().__init__(message, hint=hint)
        self.field = field

    def named(self, flag: str) -> ConfigurationError:
        prefix = f"{self.field}="
        if not self.field or not self.message.startswith(prefix):
            return self
        renamed = f"{flag} {self.message[len(prefix) :]}"
        return type(self)(renamed, hint=self.hint, field=self.field)


class SpendRefusedError(PrimeError):
    """A create refused because of money: the price moved above the cap, the wallet cannot
    pay the first hour, the budget is spent, or the API refused the cap. Nothing was
    rented, so trying again (with a new cap, funds or budget) is safe.

    Not a ``ValueError``: none of these is a wrong argument, and a bare
    ``except ValueError`` must not hide that nothing was rented."""


class PriceChangedError(SpendRefusedError):
    """Re-read right before a create, the offer was gone or above the cap: nothing sent.

    ``old_hr`` is the price quoted when the request was built, ``new_hr`` the price now
    (None when the offer vanished), ``cap_hr`` the ``maxPrice`` the request carries."""

    hint = (
        "Nothing was rented. Look again (%prime availability list --refresh) and build a "
        "new request; pass max_price=P (--max-price P) to accept a higher price."
    )

    def __init__(
        self, message: str, *, old_hr: float | None, new_hr: float | None, cap_hr: float | None
    ) -> None:
        super().__init__(message)
        self.old_hr, self.new_hr, self.cap_hr = old_hr, new_hr, cap_hr


class BalanceTooLowError(SpendRefusedError):
    """A create whose first hour the wallet cannot pay, asked for without accepting that."""

    hint = (
        "Add funds, or accept it explicitly: despite_balance=True (--despite-balance), "
        "or the form's second confirmation."
    )


class BudgetSpentError(SpendRefusedError):
    """A create asked for while the budget set with ``pm.budget`` is spent: not sent."""

    hint = (
        "Raise the budget (pm.budget(USD), %prime budget USD) or lift it "
        "(pm.budget(off=True), %prime budget --off)."
    )


class ConfirmationRequiredError(PrimeError):
    """Destroying something was asked for without an explicit confirmation."""

    hint = "Pass confirm=True (or --yes in the magic) once you are sure."


class ProvisioningError(PrimeError):
    """A pod being waited for failed instead of becoming ready."""

    hint = "See %prime pods get ID for details; it may still be billed until terminated."


class WaitTimeoutError(PrimeError):
    """Waiting gave up; the pod or disk may still come up (and is billed meanwhile)."""

    hint = "Check again with %prime pods status ID, or terminate it if you no longer need it."


class APIConnectionError(PrimeError):
    """The request could not be completed: DNS, refused connection, reset, TLS…"""

    hint = "Check your network connection and the base URL (%prime config)."


class APITimeoutError(APIConnectionError):
    """No answer within the client's timeout (after the allowed retries for reads)."""

    hint = "The API may be slow right now; try again, or raise Client(timeout=…)."


class OutcomeUnknownError(APIConnectionError):
    """A create request may have reached the API, but no answer says what it did: none
    came back, it could not be read, or it was 500/502/503/504 (``status_code``).

    It is never retried, because a second POST could rent a second pod. Before raising,
    the client looks for what it may have created (same name, created since the call):
    ``found`` lists it, and the message says what was found.
    """

    hint = (
        "It may or may not have been created. Check before trying again: "
        "%prime pods list / %prime disks list (or client.find_pods(name, since))."
    )

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        name: str | None,
        since: str,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name
        self.since = since
        self.status_code = status_code
        """The status that answered the create, when one did (a 5xx); None: no answer."""
        self.found: list[Any] = []


class ResponseFormatError(PrimeError):
    """The API answered 2xx with a body that is not the JSON we expected."""

    hint = (
        "The API (or a proxy in between) sent an answer this version cannot read; if it "
        "persists, report it with the command that produced it."
    )


class APIStatusError(PrimeError):
    """The API answered with an error status; ``detail`` is its explanation."""

    status_code: int = 0
    retry_after: float | None = None
    """Seconds the API asked to wait (its ``Retry-After``), for callers that poll."""

    def __init__(
        self, message: str, *, status_code: int, detail: Any = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.detail = detail


class BadRequestError(APIStatusError):
    """400: the API refused the request as a whole (out of stock, bad combination…)."""


class PriceCapRefusedError(SpendRefusedError, BadRequestError):
    """400 on a create: the offer's current price is above the request's ``maxPrice``.

    A money refusal (``SpendRefusedError``) that is also the API's 400: ``except
    BadRequestError`` and ``except APIStatusError`` catch it as they did before."""

    hint = (
        "Nothing was rented: the price rose above your cap after the quote. Look again "
        "(%prime availability list --refresh), or raise the cap with --max-price P."
    )


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""

    hint = f"Check your API key (%prime login, or PRIME_API_KEY); create one at {DASHBOARD}/tokens"


class PaymentRequiredError(APIStatusError):
    """402: the wallet has no funds for this."""

    hint = f"Add funds at {DASHBOARD}/billing"


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but lacks this endpoint's scope."""

    hint = (
        "Your API key lacks the permission for this endpoint (Availability → Read, "
        f"Instances → Read and write, Disks → Read and write). Edit it at {DASHBOARD}/tokens"
    )


class NotFoundError(APIStatusError):
    """404: no such pod, disk or path."""


class ConflictError(APIStatusError):
    """409: the resource is busy, e.g. a disk still attached to a pod."""


class UnprocessableEntityError(APIStatusError):
    """422: validation failed; ``errors`` lists ``loc: msg`` lines, one per problem."""

    def __init__(self, message: str, *, status_code: int, detail: Any, errors: Sequence[str]):
        super().__init__(message, status_code=status_code, detail=detail)
        self.errors = list(errors)


class RateLimitError(APIStatusError):
    """429: too many requests, still after the retries allowed for reads."""

    hint = "The API is rate limiting this key; wait a minute and try again."


class ServerError(APIStatusError):
    """5xx: the API failed, still after the retries allowed for reads."""

    hint = "The API had a problem; try again in a minute."


__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BalanceTooLowError",
    "ConfigurationError",
    "ConfirmationRequiredError",
    "ConflictError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PriceCapRefusedError",
    "PriceChangedError",
    "PrimeError",
    "ProvisioningError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "SpendRefusedError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
]
