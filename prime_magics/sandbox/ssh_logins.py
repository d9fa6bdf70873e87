"""The login a sandbox pod's `sshConnection` carries, and the pod (and node) it names.

Every pod of one sandbox shares one SSH endpoint (one port on 127.0.0.1), so the string
`<login>@127.0.0.1 -p <port>` tells pods apart by its login: the pod id for a pod's
first node, `<pod id>-node<N>` for node N of a multi-node pod. Kept apart from the
endpoint itself so rendering a pod's JSON never imports the SSH library.
"""

from __future__ import annotations

import re

NODE_MARK = "-node"
_LOGIN = re.compile(r"([0-9a-f]{32})(?:-node([1-9][0-9]*))?")


def login_for(pod_id: str, node: int = 0) -> str:
    """`pod_id` for node 0, `pod_id-nodeN` for node N."""
    return pod_id if node == 0 else f"{pod_id}{NODE_MARK}{node}"


def parse_login(login: str) -> tuple[str, int] | None:
    """(pod id, node) a login names, or None when it names no pod."""
    found = _LOGIN.fullmatch(login)
    if found is None:
        return None
    return found.group(1), int(found.group(2) or 0)
