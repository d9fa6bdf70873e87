"""Settings resolved once, explicitly: argument → environment → the CLI's file → default.

Sharing ``~/.prime/config.json`` with the official ``prime`` CLI means ``prime login`` and
``%prime login`` are interchangeable. The key lives in a field whose repr is redacted, so
printing a ``Settings`` (or a traceback showing one) never reveals it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigurationError

DEFAULT_BASE_URL = "https://api.primeintellect.ai"
API_PREFIX = "/api/v1"
REDACTED = "••••••••"


def default_config_path() -> Path:
    return Path.home() / ".prime" / "config.json"


def normalize_base_url(url: str) -> str:
    """Accept the URL with or without a trailing slash or ``/api/v1``."""
    url = url.strip().rstrip("/")
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    if not re.match(r"^https?://", url):
        raise ConfigurationError(
            f"Base URL {url!r} must start with http:// or https://",
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
    """What a client needs to talk to the API. Build it with ``Settings.resolve``."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    team_id: str | None = None
    ssh_key_path: str = "~/.ssh/id_rsa"
    share_with_team: bool = False
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def team_for(self, choice: TeamChoice) -> str | None:
        """The team id a create goes to for this choice (see ``Team``)."""
        return self.team_id if choice is Team.CONFIGURED else choice

    @property
    def api_root(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def redacted_key(self) -> str:
        """Enough to recognise which key is in use, never enough to use it."""
        if not self.api_key:
            return "(not set)"
        return f"{REDACTED}{self.api_key[-4:]}" if len(self.api_key) >= 12 else REDACTED

    @classmethod
    def resolve(
        cls,
        api_key: str | None = None,
        base_url: str | None = None,
        team_id: str | None = None,
        *,
        env: Mapping[str, str] | None = None,
        config_path: Path | None = None,
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

        key = pick("api_key", api_key, ("PRIME_API_KEY",), "api_key")
        url = pick("base_url", base_url, ("PRIME_API_BASE_URL", "PRIME_BASE_URL"), "base_url")
        team = pick("team_id", team_id, ("PRIME_TEAM_ID",), "team_id")
        return cls(
            api_key=key,
            base_url=normalize_base_url(url or DEFAULT_BASE_URL),
            team_id=team,
            ssh_key_path=_as_str(stored.get("ssh_key_path")) or "~/.ssh/id_rsa",
            share_with_team=bool(stored.get("share_resources_with_team", False)),
            sources=sources,
        )


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


def redact(text: str, secret: str | None) -> str:
    """Remove a secret from text that is about to be shown or logged."""
    return text.replace(secret, REDACTED) if secret else text
