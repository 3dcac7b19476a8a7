"""Secrets without extra dependencies: scrypt password hashes, API tokens, signed session cookies.

Every comparison of a secret-derived value uses `hmac.compare_digest`, so timing does not reveal
how much of a guess was right. Nothing here touches a database; `serving.users` stores the
results.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from restock.settings import ServingSettings

__all__ = [
    "DEFAULT_SCRYPT",
    "MIN_PASSWORD_LENGTH",
    "TOKEN_PREFIX",
    "ScryptParams",
    "check_password_rules",
    "hash_password",
    "hash_token",
    "issue_session",
    "needs_rehash",
    "new_token",
    "production_problems",
    "read_session",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 8  # NIST SP 800-63B floor for user-chosen secrets
MAX_PASSWORD_LENGTH = 1024  # a bound on the work one login request can ask for
TOKEN_PREFIX = "rk_"
_SESSION_CONTEXT = (
    b"restock.session.v1:"  # a signature for sessions is no signature for anything else
)
_SALT_BYTES = 16


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost: memory is 128 * n * r bytes per hash, work grows with n * p."""

    n: int
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if self.n < 2 or self.n & (self.n - 1):
            raise ValueError(f"scrypt n must be a power of two above 1, got {self.n}")
        if self.r < 1 or self.p < 1:
            raise ValueError(f"scrypt r and p must be positive, got r={self.r} p={self.p}")

    @property
    def maxmem(self) -> int:
        # hashlib refuses more than 32 MiB unless told; leave headroom over the exact need.
        return 2 * 128 * self.n * self.r * self.p + 2**20


# OWASP Password Storage Cheat Sheet (2024): one of the equivalent scrypt settings; 16 MiB per
# hash keeps concurrent logins cheap in memory, ~0.2 s of CPU makes guessing slow.
DEFAULT_SCRYPT = ScryptParams(n=2**14, r=8, p=5)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_password_rules(password: str) -> None:
    """Raise ValueError naming the rule a new password breaks (length only, per NIST 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(
            f"password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"password is longer than {MAX_PASSWORD_LENGTH} characters")


def _scrypt(password: str, salt: bytes, params: ScryptParams) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=params.maxmem,
        dklen=32,
    )


def hash_password(password: str, params: ScryptParams = DEFAULT_SCRYPT) -> str:
    """`scrypt$n$r$p$salt$hash` with a fresh random salt; the parameters travel with the hash."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(password, salt, params)
    return f"scrypt${params.n}${params.r}${params.p}${_b64(salt)}${_b64(digest)}"


def _parse(encoded: str) -> tuple[ScryptParams, bytes, bytes]:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        return ScryptParams(int(n), int(r), int(p)), _unb64(salt), _unb64(digest)
    except (ValueError, binascii.Error):
        raise ValueError(
            "stored password hash is not in the scrypt$n$r$p$salt$hash format; "
            "set a new password for this user"
        ) from None


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` produces `encoded` (constant-time comparison)."""
    params, salt, expected = _parse(encoded)
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    return hmac.compare_digest(_scrypt(password, salt, params), expected)


def needs_rehash(encoded: str, params: ScryptParams = DEFAULT_SCRYPT) -> bool:
    """True when the stored hash used other scrypt costs than `params` (upgrade it at login)."""
    return _parse(encoded)[0] != params


def new_token() -> str:
    """A fresh API token `rk_` + 43 url-safe chars (32 random bytes); show once, store the hash."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """sha256 hex of the token: enough for 256-bit random secrets, which need no slow hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _sign(payload: str, secret_key: str) -> str:
    mac = hmac.new(secret_key.encode("utf-8"), _SESSION_CONTEXT + payload.encode(), "sha256")
    return _b64(mac.digest())


def _now(now: dt.datetime | None) -> dt.datetime:
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        raise ValueError("`now` must be timezone-aware (UTC)")
    return moment


def issue_session(
    username: str, *, secret_key: str, lifetime: dt.timedelta, now: dt.datetime | None = None
) -> str:
    """A cookie value `<payload>.<hmac>` naming the user and when the login ends."""
    expires = int((_now(now) + lifetime).timestamp())
    body = json.dumps({"u": username, "exp": expires}, separators=(",", ":"))
    payload = _b64(body.encode("utf-8"))
    return f"{payload}.{_sign(payload, secret_key)}"


def read_session(cookie: str, *, secret_key: str, now: dt.datetime | None = None) -> str | None:
    """The username of a genuine, unexpired session cookie; None for anything else.

    Roles are not in the cookie: the caller loads them fresh, so a role change or a disabled
    account takes effect on the next request.
    """
    payload, dot, signature = cookie.rpartition(".")
    expected = _sign(payload, secret_key).encode()
    if not dot or not hmac.compare_digest(signature.encode("utf-8"), expected):
        return None
    try:
        claims = json.loads(_unb64(payload))
        username, expires = claims["u"], claims["exp"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    if not isinstance(username, str) or not isinstance(expires, int):
        return None
    if _now(now).timestamp() >= expires:
        return None
    return username


def production_problems(serving: ServingSettings) -> list[str]:
    """What makes these settings unsafe to serve in production (empty: safe to start)."""
    if not serving.production:
        return []
    problems = []
    if serving.default_secret:
        problems.append(
            "the session secret is the built-in default; set RESTOCK_SERVING__SECRET_KEY to "
            "a random value (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    elif len(serving.secret_key) < 32:
        problems.append(
            f"the session secret has {len(serving.secret_key)} characters; use at least 32 "
            "random ones in RESTOCK_SERVING__SECRET_KEY"
        )
    return problems
