"""The user's SSH key: an explicit ``identity`` file, or the usual ones in ``~/.ssh``.

Keys are read here and handed to asyncssh; they are never printed. What a message may
show is where a key came from (``~/.ssh/id_ed25519``), never its contents. A key
protected by a passphrase is used through ``ssh-agent`` when one runs
(``SSH_AUTH_SOCK``); without an agent it is skipped, or refused when it was asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigurationError
from .library import asyncssh

DEFAULT_KEY_NAMES = ("id_ed25519", "id_ecdsa", "id_rsa")
AGENT_VARIABLE = "SSH_AUTH_SOCK"


def shown(path: Path) -> str:
    """``path`` with the home directory written ``~``."""
    home = Path.home()
    try:
        return "~/" + path.relative_to(home).as_posix()
    except ValueError:
        return str(path)


@dataclass
class Identity:
    """The keys to offer and where they came from (``sources``, for messages)."""

    keys: list[asyncssh.SSHKey] = field(repr=False)
    sources: list[str]
    use_agent: bool

    def describe(self) -> str:
        names = list(self.sources) + (["ssh-agent"] if self.use_agent else [])
        return ", ".join(names) if names else "no key"


def _read(path: Path) -> asyncssh.SSHKey | None:
    """The private key at ``path``; None when it needs a passphrase."""
    try:
        return asyncssh.read_private_key(path)
    except asyncssh.KeyEncryptionError:
        return None
    except asyncssh.KeyImportError as exc:
        if "passphrase" in str(exc).lower():
            return None
        raise ConfigurationError(f"{shown(path)} is not a private key this can read") from None


def load_identity(identity: str | os.PathLike[str] | None = None) -> Identity:
    """The key(s) to log in with; raises when there is none to offer."""
    agent = bool(os.environ.get(AGENT_VARIABLE))
    if identity is not None:
        path = Path(identity).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"the identity file {shown(path)} does not exist")
        key = _read(path)
        if key is None and not agent:
            raise ConfigurationError(
                f"{shown(path)} is protected by a passphrase",
                hint=f"Add it to ssh-agent (ssh-add {shown(path)}) and try again.",
            )
        return Identity([key] if key else [], [shown(path)], agent)
    keys, sources = [], []
    ssh_dir = Path.home() / ".ssh"
    for name in DEFAULT_KEY_NAMES:
        path = ssh_dir / name
        if path.is_file():
            key = _read(path)
            if key is not None:
                keys.append(key)
                sources.append(shown(path))
    if not keys and not agent:
        raise ConfigurationError(
            f"no SSH key in ~/.ssh ({', '.join(DEFAULT_KEY_NAMES)}) and no ssh-agent",
            hint="Create one (ssh-keygen -t ed25519), register its .pub with "
            "%prime ssh-keys, or pass identity=PATH.",
        )
    return Identity(keys, sources, agent)
