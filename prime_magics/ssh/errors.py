"""What can go wrong when working on a pod, each a `PrimeError` a user can act on.

PrimeError
├── ConfigurationError
│   └── PushError              a value to push cannot be pickled: nothing was sent
├── RemoteError                the code raised on the pod (carries its traceback)
│   ├── RemoteTimeoutError     …or ran past its timeout, and was killed
│   └── PullError              …or a value to pull could not come back
├── SshConnectionError         the pod's SSH endpoint could not be reached or refused
│   └── HostKeyChangedError    …because its host key is not the one first trusted
└── TransferError              a put or get failed: nothing was written at the final name
"""

from __future__ import annotations

from ..errors import ConfigurationError, PrimeError


class PushError(ConfigurationError):
    """A value named in `push` cannot be pickled; the message names it."""


class RemoteError(PrimeError):
    """The code raised on the pod: ``remote_traceback`` is the pod's traceback text and
    ``exc_type`` the exception's class name (``"ZeroDivisionError"``)."""

    def __init__(self, message: str, *, remote_traceback: str = "", exc_type: str = "") -> None:
        super().__init__(message)
        self.remote_traceback = remote_traceback
        self.exc_type = exc_type

    def __str__(self) -> str:
        if not self.remote_traceback:
            return self.message
        return f"{self.message}\n{self.remote_traceback.rstrip()}"


class RemoteTimeoutError(RemoteError):
    """The code ran longer than the run's ``timeout``; the remote process was killed."""


class PullError(RemoteError):
    """A name in ``pull`` was not defined, could not be pickled on the pod or unpickled
    here; ``name`` is the variable."""

    def __init__(self, message: str, *, name: str, remote_traceback: str = "") -> None:
        super().__init__(message, remote_traceback=remote_traceback)
        self.name = name


class SshConnectionError(PrimeError):
    """The pod's SSH endpoint could not be reached, or it refused the key."""


class HostKeyChangedError(SshConnectionError):
    """The host presented a key other than the one trusted on first use: refused.

    One line, naming the host; ``host`` and ``port`` say which entry of the known hosts
    file to look at."""

    def __init__(self, message: str, *, host: str, port: int) -> None:
        super().__init__(message)
        self.host = host
        self.port = port


class TransferError(PrimeError):
    """A put or get failed; nothing was written at the final name."""
