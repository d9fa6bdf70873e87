"""Where a pod's SSH is: `SshTarget`, read from the pod's `sshConnection`.

The API gives `sshConnection` as `root@1.2.3.4 -p 22` for a pod, a list of those for a
multi-node pod (one per node), and nothing (or `[None]`) while the pod is not reachable.
The sandbox gives the same shape, `<pod id>@127.0.0.1 -p <port>`. Also accepted, because
people paste them: a leading `ssh`, `-p22`, `-p 22` before the destination, `host:port`
and `[v6 address]`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ConfigurationError

DEFAULT_PORT = 22
_BRACKETED = re.compile(r"\[([^\]]+)\](?::(\d+))?")


@dataclass(frozen=True)
class SshTarget:
    """One SSH destination: ``user@host -p port``."""

    user: str
    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        return f"{self.user}@{self.host} -p {self.port}"


def _problem(text: str, why: str) -> ConfigurationError:
    return ConfigurationError(
        f"cannot read the SSH connection {text!r}: {why}",
        hint="Expected the pod's sshConnection, like 'root@1.2.3.4 -p 22'.",
    )


def _port(text: str, value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise _problem(text, f"{value!r} is not a port")
    return int(value)


def parse_ssh_connection(value: str | Sequence[str | None] | None, node: int = 0) -> SshTarget:
    """The target in a pod's ``sshConnection`` (node ``node`` of a multi-node pod)."""
    if value is not None and not isinstance(value, str):
        nodes = list(value)
        if not 0 <= node < len(nodes):
            raise ConfigurationError(f"the pod has {len(nodes)} node(s); there is no node {node}")
        value = nodes[node]
    if value is None or not value.strip():
        raise ConfigurationError(
            "the pod has no SSH connection yet",
            hint="Wait until it is ready (pm.wait_for_pod or %prime pods status ID).",
        )
    text = value
    tokens = text.split()
    if tokens and tokens[0] == "ssh":
        tokens = tokens[1:]
    port: int | None = None
    destination: str | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "-p":
            if i + 1 == len(tokens):
                raise _problem(text, "-p without a port")
            port = _port(text, tokens[i + 1])
            i += 2
            continue
        if token.startswith("-p") and len(token) > 2:
            port = _port(text, token[2:])
        elif token.startswith("-"):
            raise _problem(text, f"the option {token} is not supported")
        elif destination is not None:
            raise _problem(text, "more than one destination")
        else:
            destination = token
        i += 1
    if destination is None or "@" not in destination:
        raise _problem(text, "no user@host in it")
    user, _, host = destination.rpartition("@")
    bracketed = _BRACKETED.fullmatch(host)
    if bracketed is not None:
        host = bracketed.group(1)
        if bracketed.group(2) and port is None:
            port = _port(text, bracketed.group(2))
    elif host.count(":") == 1:
        host, _, given = host.partition(":")
        if port is None:
            port = _port(text, given)
    if not user or not host:
        raise _problem(text, "the user or the host is empty")
    return SshTarget(user, host, DEFAULT_PORT if port is None else port)
