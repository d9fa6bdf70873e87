"""Settings resolved once, explicitly: argument → environment → the CLI's file → default.

Sharing ``~/.prime/config.json`` with the official ``prime`` CLI means ``prime login`` and
``%prime login`` are interchangeable. The key is held in a ``Secret``, whose repr and str
are redacted, so printing a ``Settings`` (or a traceback showing one, or its key) never
reveals it; only ``Secret.reveal()`` does, where the request is authenticated.

The base URL is where the key goes, so it is checked once, here: plain ``http://`` only to
this machine (127.0.0.0/8, ::1, ``localhost``: the sandbox) unless ``PRIME_ALLOW_INSECURE=1``
(or ``Settings.resolve(allow_insecure=True)``) says it is meant, and never with
credentials in it (``https://user:pass@host``: httpx would send those as Basic auth in
place of the key), which are refused without being echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from .errors import ConfigurationError

DEFAULT_BASE_URL = "https://api.primeintellect.ai"
API_PREFIX = "/api/v1"
REDACTED = "••••••••"
INSECURE_ENV = "PRIME_ALLOW_INSECURE"


class Secret:
    """A value that must never show: repr, str and format give ``REDACTED``.

    ``reveal()`` is the one way to the value (the transport's ``httpx.Auth`` calls it as
    the header is set). Comparing with ``==`` (to a str or another ``Secret``) is allowed
    and constant-time. Every live ``Secret`` is known to ``scrub_secrets``, so text shown
    from anywhere (a warning quoting what a server echoed) can be cleaned of all of them.
    """

    __slots__ = ("__weakref__", "_value")
    _live: ClassVar[weakref.WeakValueDictionary[int, Secret]] = weakref.WeakValueDictionary()
    """Every live ``Secret`` by identity: a set would keep only one of two equal keys
    (``__eq__`` compares values), and lose both once the first one is collected."""

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds a str, not {type(value).__name__}")
        self._value = value
        Secret._live[id(self)] = self

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return format(REDACTED, spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            other = other._value
        if not isinstance(other, str):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other.encode())

    def __hash__(self) -> int:
        return hash(self._value)


SCRUB_MIN_LENGTH = 8
"""``scrub_secrets`` skips shorter secrets: no real key is that short (the API's are ~40
characters), and replacing a test's ``"k"`` everywhere would mangle every message. Where
the one key in use is known (the transport's errors), it is removed whatever its length."""


def scrub_secrets(text: str) -> str:
    """``text`` with the value of every live ``Secret`` (of ``SCRUB_MIN_LENGTH`` or more
    characters) replaced by ``REDACTED``: for text that may quote what a server echoed,
    shown where the key in use is not at hand (a warning about unreadable values)."""
    for secret in list(Secret._live.values()):
        if len(secret.reveal()) >= SCRUB_MIN_LENGTH:
            text = redact(text, secret)
    return text


def insecure_allowed(env: Mapping[str, str] | None = None) -> bool:
    """Whether ``$PRIME_ALLOW_INSECURE`` says plain http:// to another host is meant."""
    value = (os.environ if env is None else env).get(INSECURE_ENV, "")
    return value.strip().lower() in ("1", "true", "yes")


def redact_url(url: str) -> str:
    """``url`` with any ``user:password@`` before its host replaced by ``REDACTED``."""
    return re.sub(r"(?<=://)[^/?#]*@", f"{REDACTED}@", url)


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (127.0.0.0/8, ::1, ``localhost``): the
    sandbox, or any API that is not the real one. The one loopback rule: the base-URL
    check, the capacity watch's polling floor and the guard's give-up all use it."""
    return _is_loopback_host(urlsplit(url).hostname)


def _is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, *, allow_insecure: bool = False) -> str:
    """``url`` if the key may go there; ``ConfigurationError`` (``field="base_url"``) for
    credentials in it, or plain http:// to a host other than this machine unless
    ``allow_insecure``."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"base_url={redact_url(url)!r}: credentials in the base URL are not used (the "
            "API key authenticates; httpx would send them instead of it)",
            hint="Remove user:password@ from the base URL.",
            field="base_url",
        )
    if (
        parts.scheme.lower() == "http"
        and not allow_insecure
        and not _is_loopback_host(parts.hostname)
    ):
        raise ConfigurationError(
            f"base_url={url!r}: plain http:// to {parts.hostname or 'another host'} would send "
            "the API key unencrypted",
            hint=f"Use https://, or set {INSECURE_ENV}=1 (Settings.resolve(allow_insecure="
            "True)) if this network is yours. http:// to 127.0.0.1/localhost needs neither.",
            field="base_url",
        )
    return url


def default_config_path() -> Path:
    return Path.home() / ".prime" / "config.json"


def normalize_base_url(url: str) -> str:
    """Accept the URL with or without a trailing slash or ``/api/v1``."""
    url = url.strip().rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    if not re.match(r"^https?://", url):
        raise ConfigurationError(
            f"Base URL {redact_url(url)!r} must start with http:// or https://",
            hint="For example: https://api.primeintellect.ai",
        )
    return url.rstrip("/")


def read_config_file(path: Path) -> dict[str, Any]:
    """The CLI's JSON file, or {} when it is missing; a corrupt file is an error, not a shrug."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})",
            hint="Fix or delete the file, then run %prime login.",
        ) from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path} should hold a JSON object")
    return data


class Team(Enum):
    """Which team a new pod or disk belongs to, when no team id is given.

    ``Team.CONFIGURED`` (the default everywhere) is the team of ``PRIME_TEAM_ID`` or the
    official CLI's config, as the CLI does, and the personal account when none is set;
    ``team_id=None`` says "my personal account" explicitly, even when a team is
    configured. ``Settings.team_for`` is the one place this is decided.
    """

    CONFIGURED = "configured"


TeamChoice = str | None | Literal[Team.CONFIGURED]


@dataclass(frozen=True)
class Settings:
    """What a client needs to talk to the API. Build it with ``Settings.resolve``.

    ``secret`` holds the key (a str given here is wrapped in a ``Secret``); ``api_key``
    reads it as plain text for the callers that must hand the string on. ``base_url`` is
    checked (``check_base_url``): plain http:// to another host only with
    ``allow_insecure``."""

    secret: Secret | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    team_id: str | None = None
    ssh_key_path: str = "~/.ssh/id_rsa"
    share_with_team: bool = False
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    allow_insecure: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.secret, str):  # a plain key from a caller: hide it at once
            object.__setattr__(self, "secret", Secret(self.secret))
        check_base_url(self.base_url, allow_insecure=self.allow_insecure)

    @property
    def api_key(self) -> str | None:
        """The key as plain text, for a caller that must pass the string on (a child
        process's environment). Reading it puts the key in that caller's locals; the
        transport never does: its ``BearerAuth`` reveals ``secret`` into the header."""
        return self.secret.reveal() if self.secret else None

    def team_for(self, choice: TeamChoice) -> str | None:
        """The team id a create goes to for this choice (see ``Team``)."""
        return self.team_id if choice is Team.CONFIGURED else choice

    @property
    def api_root(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def redacted_key(self) -> str:
        """Enough to recognise which key is in use, never enough to use it."""
        if not self.secret:
            return "(not set)"
        key = self.secret.reveal()
        return f"{REDACTED}{key[-4:]}" if len(key) >= 12 else REDACTED

    @classmethod
    def resolve(
        cls,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        team_id: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        config_path: Path | None = None,
        allow_insecure: bool = False,
    ) -> Settings:
        """``allow_insecure`` (or ``$PRIME_ALLOW_INSECURE=1``): accept a plain http://
        base URL to another host, whose traffic (the key included) is unencrypted."""
        try:
            return cls._resolve(api_key, base_url, team_id, env, config_path, allow_insecure)
        except ConfigurationError as refused:
            # Its message says what is wrong. The frames below it hold the environment and
            # the config file's text, the key among them, which a verbose traceback
            # (``%xmode Verbose``) prints: it leaves without them.
            raise refused.with_traceback(None) from None

    @classmethod
    def _resolve(
        cls,
        api_key: str | Secret | None,
        base_url: str | None,
        team_id: str | None,
        env: Mapping[str, str] | None,
        config_path: Path | None,
        allow_insecure: bool,
    ) -> Settings:
        env = os.environ if env is None else env
        stored = read_config_file(config_path or default_config_path())
        sources: dict[str, str] = {}

        def pick(name: str, arg: str | None, env_names: tuple[str, ...], key: str) -> str | None:
            candidates = [("argument", arg)]
            candidates += [(f"${n}", env.get(n)) for n in env_names]
            candidates.append(("config file", _as_str(stored.get(key))))
            for source, value in candidates:
                if value is not None and value.strip():
                    sources[name] = source
                    return value.strip()
            sources[name] = "default"
            return None

        insecure = allow_insecure or insecure_allowed(env)
        url = pick("base_url", base_url, ("PRIME_API_BASE_URL", "PRIME_BASE_URL"), "base_url")
        url = check_base_url(normalize_base_url(url or DEFAULT_BASE_URL), allow_insecure=insecure)
        team = pick("team_id", team_id, ("PRIME_TEAM_ID",), "team_id")
        given = api_key.reveal() if isinstance(api_key, Secret) else api_key
        key = _secret(pick("api_key", given, ("PRIME_API_KEY",), "api_key"))
        return cls(
            secret=key,
            base_url=url,
            team_id=team,
            ssh_key_path=_as_str(stored.get("ssh_key_path")) or "~/.ssh/id_rsa",
            share_with_team=bool(stored.get("share_resources_with_team", False)),
            sources=sources,
            allow_insecure=insecure,
        )


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def save_settings(path: Path | None = None, **values: str | None) -> Path:
    """Write values into the CLI's file, keeping every key we don't own; mode 0600."""
    path = path or default_config_path()
    data = read_config_file(path)
    data.update({k: v for k, v in values.items() if v is not None})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def redact(text: str, secret: str | Secret | None) -> str:
    """Remove a secret from text that is about to be shown or logged."""
    value = secret.reveal() if isinstance(secret, Secret) else secret
    return text.replace(value, REDACTED) if value else text
