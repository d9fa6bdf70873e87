"""``client.account``: SSH keys, teams, the wallet — what the official CLI calls
``prime ssh-keys``, ``prime teams`` and ``prime wallet``."""

from __future__ import annotations

from ..errors import ConfigurationError
from ..inputs import path_id
from ..models import SshKey, TeamMember, TeamSummary, Wallet
from ..responses import read
from .resource import APIResource

SSH_KEYS = "/ssh_keys/"


def _key_path(key_id: str) -> str:
    return f"{SSH_KEYS}{path_id('key_id', key_id, 'SSH key id')}"


class Account(APIResource):
    def ssh_keys(self) -> list[SshKey]:
        return self._list(SSH_KEYS, SshKey, 100)

    def add_ssh_key(self, name: str, public_key: str) -> SshKey:
        """Upload a public key (the private key never leaves this machine)."""
        key = public_key.strip()
        if not key.startswith(("ssh-", "ecdsa-", "sk-")) or len(key.split()) < 2:
            raise ConfigurationError(
                "That does not look like an OpenSSH public key (ssh-ed25519 AAAA… name); "
                "pass the .pub file, never the private key."
            )
        body = {"name": name, "publicKey": key}
        answer = self._transport.send_once("POST", SSH_KEYS, body, what=f"Adding SSH key {name!r}")
        return read(SshKey, answer, "POST /ssh_keys/")

    def set_primary_ssh_key(self, key_id: str) -> None:
        self._transport.send_once(
            "PATCH", _key_path(key_id), {"isPrimary": True}, what=f"SSH key {key_id}"
        )

    def delete_ssh_key(self, key_id: str) -> None:
        self._transport.send_once("DELETE", _key_path(key_id), what=f"Deleting SSH key {key_id}")

    def teams(self) -> list[TeamSummary]:
        return self._list("/user/teams", TeamSummary, 100)

    def team_members(self, team_id: str) -> list[TeamMember]:
        team = path_id("team_id", team_id, "team id")
        return self._list(f"/teams/{team}/members", TeamMember, 100)

    def wallet(self, team_id: str | None = None) -> Wallet:
        params = {"teamId": team_id} if team_id else None
        return self._get(Wallet, "/billing/wallet", params, what="the wallet")
