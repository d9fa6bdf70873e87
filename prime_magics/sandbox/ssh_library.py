"""asyncssh for the sandbox's SSH endpoint, imported once and quietly.

asyncssh still offers DSA keys, and importing it makes `cryptography` warn that DSA is
deprecated: a warning about a key type the sandbox never uses, which a notebook would
print on its first `start_sandbox()`. It is silenced here, for that import only.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh
    from asyncssh.channel import SSHChannel
    from asyncssh.stream import SSHReader, SSHServerStreamSession, SSHWriter

__all__ = ["SSHChannel", "SSHReader", "SSHServerStreamSession", "SSHWriter", "asyncssh"]
