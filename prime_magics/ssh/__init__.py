"""Work on a rented pod over SSH: run code, move files (issue 22's engine).

`Remote` runs Python code on the pod in a fresh process (values pushed and pulled as
pickles, output streamed as it comes) and moves files over SFTP, all or nothing. The
connection is asyncssh on one background loop per process (`loop.py`), so the calls are
plain synchronous ones, also inside a Jupyter kernel. Host keys are trusted on first use
into ``~/.prime/known_hosts``; the user's key comes from ``~/.ssh`` or ``identity``.

This package knows nothing of the API: a `Remote` is made from the pod's
``sshConnection`` (`parse_ssh_connection`).
"""

from .errors import (
    HostKeyChangedError,
    PullError,
    PushError,
    RemoteError,
    RemoteTimeoutError,
    SshConnectionError,
    TransferError,
)
from .handle import Remote, RemotePythonWarning, RunStats
from .known_hosts import KnownHosts, default_known_hosts
from .target import SshTarget, parse_ssh_connection

__all__ = [
    "HostKeyChangedError",
    "KnownHosts",
    "PullError",
    "PushError",
    "Remote",
    "RemoteError",
    "RemotePythonWarning",
    "RemoteTimeoutError",
    "RunStats",
    "SshConnectionError",
    "SshTarget",
    "TransferError",
    "default_known_hosts",
    "parse_ssh_connection",
]
