"""A simulated Prime Intellect API, for tests, notebooks, benchmarks and first steps.

`start_sandbox()` serves it on 127.0.0.1 from a background thread; `create_app()` gives
the FastAPI app to mount elsewhere; `python -m prime_magics.sandbox --port 8765` serves
it in the foreground. It imports nothing from the rest of `prime_magics`, so the client
and the sandbox cannot share (and agree on) a bug.
"""

from .app import create_app
from .config import SandboxConfig
from .faults import Fault, FaultPlan, RecordedRequest
from .server import SandboxServer, start_sandbox
from .state import SandboxState

__all__ = [
    "Fault",
    "FaultPlan",
    "RecordedRequest",
    "SandboxConfig",
    "SandboxServer",
    "SandboxState",
    "create_app",
    "start_sandbox",
]
