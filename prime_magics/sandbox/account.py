"""The sandbox user's account: SSH keys, teams, identity and wallet, as plain Python.

Kept apart from `SandboxState` (pods and disks) so the two stores change independently;
the only link is `spent_so_far`, a callable the context wires to the pod and disk store,
so the wallet falls as resources bill without this module knowing how they are priced.

Everything seeded comes from `AccountConfig.seed` (re-seeded by `reset`): two runs of a
notebook against fresh sandboxes see the same key ids, team ids and member lists.
Timestamps are RFC 3339 with an offset, as the spec's `date-time` fields are.
"""

from __future__ import annotations

import base64
import binascii
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import ApiError, BodyError, NotFound, field_error
from .views import SANDBOX_USER, SANDBOX_WALLET

JSON = dict[str, Any]

# The key types `ssh-keygen -l` accepts in an authorized_keys line.
KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ssh-dss",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)

SANDBOX_NAME = "Sandbox User"
SANDBOX_EMAIL = "sandbox-user@example.com"
# A fixed past instant the seeded records date from, so their timestamps never move.
EPOCH = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _listing(data: list[JSON], total: int, offset: int, limit: int) -> JSON:
    """The spec's `GenericPaginationResponse`."""
    return {"total_count": total, "offset": offset, "limit": limit, "data": data, "status": None}


def _page(items: list[JSON], offset: int, limit: int) -> JSON:
    # The spec leaves the query unconstrained but its response has offset, limit >= 0:
    # accept any integer, answer with the clamped values actually used.
    offset, limit = max(0, offset), max(0, limit)
    return _listing(items[offset : offset + limit], len(items), offset, limit)


def _invalid(field: str, message: str, value: object) -> BodyError:
    """A 422 at `body.<field>`, in whichever envelope the app serves for body errors."""
    return BodyError([field_error((field,), message, value)])


def public_key_problem(text: str) -> str | None:
    """Why `text` is not an OpenSSH public key line (`<type> <base64> [comment]`), or None.

    Checks what a server can without parsing key maths: a known type, valid base64, and a
    blob whose embedded type name matches the declared one (which catches a key pasted
    with the wrong prefix or truncated). A private key gets its own message, since that
    is the mistake worth stopping loudly.
    """
    stripped = text.strip()
    if "PRIVATE KEY" in stripped:
        return "this is a private key; upload the public key (the .pub file) instead"
    parts = stripped.split()
    if len(parts) < 2:
        return "expected an OpenSSH public key: '<type> <base64 key> [comment]'"
    kind, encoded = parts[0], parts[1]
    if kind not in KEY_TYPES:
        return f"unsupported key type {kind!r}; expected one of {', '.join(sorted(KEY_TYPES))}"
    try:
        blob = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return "the key data is not valid base64"
    length = int.from_bytes(blob[:4], "big") if len(blob) >= 4 else -1
    if length < 0 or blob[4 : 4 + length] != kind.encode():
        return f"the key data is not a {kind} key"
    if len(blob) <= 4 + length:
        return "the key data is truncated"
    return None


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def make_ed25519_line(rng: random.Random, comment: str) -> str:
    """A well-formed (but made-up) ed25519 public key line from `rng`."""
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(rng.randbytes(32))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


@dataclass(frozen=True)
class AccountConfig:
    """The account's knobs: its own dataclass so `SandboxConfig` stays untouched.

    `starting_balance_usd` is the wallet before any pod or disk bills.
    """

    seed: int = 7
    starting_balance_usd: float = 100.0
    currency: str = "USD"


@dataclass
class SshKey:
    id: str
    name: str
    public_key: str
    is_primary: bool
    is_user_key: bool
    created: datetime
    updated: datetime

    def json(self) -> JSON:
        return {
            "id": self.id,
            "userId": SANDBOX_USER,
            "name": self.name,
            "publicKey": self.public_key,
            "isPrimary": self.is_primary,
            "isUserKey": self.is_user_key,
            "createdAt": rfc3339(self.created),
            "updatedAt": rfc3339(self.updated),
        }


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str | None
    email: str | None
    role: str  # TeamRoleEnum: ADMIN | MEMBER
    joined: datetime

    def json(self) -> JSON:
        return {
            "userId": self.user_id,
            "userName": self.name,
            "userEmail": self.email,
            "role": self.role,
            "joinedAt": rfc3339(self.joined),
        }


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    slug: str | None
    created: datetime
    members: tuple[Member, ...]
    balance_usd: float

    def role_of(self, user_id: str) -> str:
        return next(m.role for m in self.members if m.user_id == user_id)

    def summary(self, user_id: str) -> JSON:
        return {
            "teamId": self.id,
            "name": self.name,
            "slug": self.slug,
            "role": self.role_of(user_id),
            "createdAt": rfc3339(self.created),
        }


# Who is seeded besides the sandbox user: (name, email, role) of each other member.
_People = tuple[tuple[str | None, str | None, str], ...]
# (team name, slug, the sandbox user's role, the other members).
_TEAMS: tuple[tuple[str, str | None, str, _People], ...] = (
    (
        "Sandbox Lab",
        "sandbox-lab",
        "ADMIN",
        (("Ada Example", "ada@example.com", "MEMBER"), ("Grace Example", None, "MEMBER")),
    ),
    ("Shared Research", None, "MEMBER", (("Alan Example", "alan@example.org", "ADMIN"),)),
)


class AccountState:
    """SSH keys (mutable), teams and identity (seeded, read-only) and the wallet.

    Invariant kept by every SSH key operation: when there are keys, exactly one is
    primary. Adding the first key makes it primary; the primary key can be deleted only
    when it is the last one, so no operation silently changes which key new pods get.
    """

    def __init__(
        self,
        config: AccountConfig,
        spent_so_far: Callable[[], float],
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.config = config
        self.spent_so_far = spent_so_far
        self._now = now
        self._lock = threading.RLock()
        self._keys: dict[str, SshKey] = {}
        self._teams: dict[str, Team] = {}
        self._rng = random.Random()
        self.reset()

    def reset(self) -> None:
        """Back to the seeded account: one primary key, the seeded teams."""
        with self._lock:
            self._rng = random.Random(self.config.seed * 104729 + 3)
            self._keys.clear()
            seeded = SshKey(
                id=self._new_id(),
                name="sandbox-default",
                public_key=make_ed25519_line(self._rng, "sandbox@prime-sandbox"),
                is_primary=True,
                is_user_key=False,
                created=EPOCH,
                updated=EPOCH,
            )
            self._keys[seeded.id] = seeded
            self._teams = {t.id: t for t in self._seed_teams()}

    # ---- helpers (call with the lock held) -------------------------------------------

    def _new_id(self) -> str:
        return f"{self._rng.getrandbits(96):024x}"

    def _seed_teams(self) -> list[Team]:
        teams = []
        for i, (name, slug, my_role, others) in enumerate(_TEAMS):
            created = EPOCH + timedelta(days=10 * i)
            me = Member(SANDBOX_USER, SANDBOX_NAME, SANDBOX_EMAIL, my_role, created)
            members = [me]
            for j, (person, email, role) in enumerate(others, start=1):
                joined = created + timedelta(days=j, hours=j)
                members.append(Member(f"user-{self._new_id()}", person, email, role, joined))
            balance = round(250.0 * (i + 1), 2)
            teams.append(
                Team(f"team-{self._new_id()}", name, slug, created, tuple(members), balance)
            )
        return teams

    def _key(self, key_id: str) -> SshKey:
        key = self._keys.get(key_id)
        if key is None:
            raise NotFound("SSH key", key_id)
        return key

    def _team(self, team_id: str) -> Team:
        team = self._teams.get(team_id)
        if team is None:
            raise NotFound("Team", team_id)
        return team

    # ---- SSH keys ---------------------------------------------------------------------

    def list_ssh_keys(self, offset: int = 0, limit: int = 100) -> JSON:
        """Keys in the order they were added (the seeded one first)."""
        with self._lock:
            return _page([k.json() for k in self._keys.values()], offset, limit)

    def add_ssh_key(self, name: str, public_key: str) -> JSON:
        """Upload a key; 422 unless it is named and an OpenSSH public key line."""
        if not name.strip():
            raise _invalid("name", "the key needs a name", name)
        problem = public_key_problem(public_key)
        if problem is not None:
            raise _invalid("publicKey", problem, public_key)
        material = public_key.split()[:2]
        with self._lock:
            for key in self._keys.values():
                if key.public_key.split()[:2] == material:
                    raise ApiError(409, f"This public key is already uploaded as {key.id}")
            now = self._now()
            key = SshKey(
                id=self._new_id(),
                name=name.strip(),
                public_key=public_key.strip(),
                is_primary=not self._keys,
                is_user_key=True,
                created=now,
                updated=now,
            )
            self._keys[key.id] = key
            return key.json()

    def set_primary_key(self, key_id: str, is_primary: bool | None) -> JSON:
        """Make `key_id` the one primary key; `isPrimary` must be true when given."""
        with self._lock:
            key = self._key(key_id)
            if is_primary is None:
                return {"message": "Nothing to update", "updated_fields": {}}
            if not is_primary:
                raise _invalid("isPrimary", "must be true; make another key primary instead", False)
            now = self._now()
            for other in self._keys.values():
                if other.is_primary and other is not key:
                    other.is_primary = False
                    other.updated = now
            if not key.is_primary:
                key.is_primary = True
                key.updated = now
            return {"message": "SSH key updated", "updated_fields": {"isPrimary": True}}

    def delete_ssh_key(self, key_id: str) -> JSON:
        """Delete a key; the primary one only when no other key could take its place."""
        with self._lock:
            key = self._key(key_id)
            if key.is_primary and len(self._keys) > 1:
                raise ApiError(
                    409,
                    f"SSH key {key_id} is the primary key; make another key primary first",
                )
            del self._keys[key_id]
            return {"message": "SSH key deleted", "id": key_id}

    def primary_key_id(self) -> str | None:
        with self._lock:
            return next((k.id for k in self._keys.values() if k.is_primary), None)

    # ---- identity and teams -----------------------------------------------------------

    def whoami(self) -> JSON:
        """The spec's `GenericResponse[WhoamiResponse]` for the sandbox user."""
        full = {"read": True, "write": True}
        return {
            "data": {
                "id": SANDBOX_USER,
                "role": "USER",
                "createdAt": rfc3339(EPOCH),
                "name": SANDBOX_NAME,
                "slug": SANDBOX_USER,
                "email": SANDBOX_EMAIL,
                "image": None,
                "emailVerified": True,
                "hasBetaAccess": False,
                "isBanned": False,
                "skipPrepay": False,
                "blacklist": [],
                "scope": {name: dict(full) for name in ("availability", "instances", "disks")},
            },
            "status": "success",
        }

    def list_teams(self, offset: int = 0, limit: int = 100) -> JSON:
        with self._lock:
            summaries = [t.summary(SANDBOX_USER) for t in self._teams.values()]
            return _page(summaries, offset, limit)

    def team_members(self, team_id: str, offset: int = 0, limit: int = 100) -> JSON:
        with self._lock:
            members = [m.json() for m in self._team(team_id).members]
            return _page(members, offset, limit)

    def team_ids(self) -> list[str]:
        with self._lock:
            return list(self._teams)

    # ---- wallet -----------------------------------------------------------------------

    def balance_usd(self) -> float:
        """The personal wallet: the starting balance less what pods and disks billed."""
        return round(self.config.starting_balance_usd - self.spent_so_far(), 6)

    def wallet(self, limit: int = 20, offset: int = 0, team_id: str | None = None) -> JSON:
        """The spec's `WalletResponse`. Team wallets keep their seeded balance: the
        sandbox bills every pod and disk to the personal wallet."""
        with self._lock:
            if team_id:
                team = self._team(team_id)
                wallet_id, balance = f"wallet-{team.id}", team.balance_usd
            else:
                wallet_id, balance = SANDBOX_WALLET, self.balance_usd()
        return {
            "wallet_id": wallet_id,
            "team_id": team_id or None,
            "balance_usd": balance,
            "currency": self.config.currency,
            "total_billings": 0,
            "recent_billings": [],
        }
