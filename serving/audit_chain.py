"""The audit chain's hash: how an event's fields become the sha256 that links it to the next.

Each event's `hash` is sha256 over the canonical JSON (sorted keys, no spaces, UTF-8) of
`{action, actor, after, at, before, entity_id, entity_type, prev_hash, reason}`, `at` as
ISO 8601 UTC with microseconds; `prev_hash` is the previous event's hash (64 zeros for the
first). `before` / `after` are normalised to what a JSON column reads back before hashing, so a
stored event re-hashes to the same value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import json
from typing import Any

__all__ = ["GENESIS_HASH", "event_hash"]

GENESIS_HASH = "0" * 64


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)  # exact: a float would round money
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(
        f"audit before/after values must be JSON-like; got {type(value).__name__}: "
        "convert it to a dict, list, str or number first"
    )


def _canonical(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def _normalise(value: Any) -> Any:
    """The value exactly as it will read back from a JSON column, so stored == hashed."""
    try:
        # Not sorted here: keys only become strings (comparable) on this round trip.
        return json.loads(json.dumps(value, allow_nan=False, default=_json_default))
    except ValueError as exc:  # NaN / inf
        raise ValueError(f"audit before/after values must be finite numbers: {exc}") from None


def _as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite drops the offset on the way back; every stored time is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def event_hash(
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: Any,
    after: Any,
    reason: str,
    prev_hash: str,
) -> str:
    """sha256 hex of the event's canonical JSON (see the module docstring for the exact form)."""
    fields = {
        "action": action,
        "actor": actor,
        "after": after,
        "at": _as_utc(at).isoformat(timespec="microseconds"),
        "before": before,
        "entity_id": entity_id,
        "entity_type": entity_type,
        "prev_hash": prev_hash,
        "reason": reason,
    }
    return hashlib.sha256(_canonical(fields).encode("utf-8")).hexdigest()
