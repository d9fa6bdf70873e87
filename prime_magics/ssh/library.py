"""asyncssh for the client, imported once and quietly.

Importing asyncssh makes `cryptography` warn that DSA is deprecated (asyncssh still
offers DSA keys): a warning about a key type nobody here uses, which a notebook would
show on its first remote cell. It is silenced for that import only.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh

__all__ = ["asyncssh"]
