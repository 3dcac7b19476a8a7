"""The audit log: every state change as an append-only, hash-chained event (DESIGN.md section 6).

What the chain proves: rows edited, deleted or reordered with plain SQL are found by `verify`.
What it cannot prove: someone with write access who recomputes every later hash and the head.
Record `VerifyReport.head_hash` somewhere else (a ticket, a release note) to anchor it.

The one import point for callers; each concept lives in its own module:

- `audit_chain`: the exact hashed form of an event, `event_hash` and `GENESIS_HASH`;
- `audit_tables`: tables `audit_events` and `audit_head` (`AuditBase`) and `AuditEvent`;
- `audit_lock`: how appenders are serialised so the chain never forks;
- `audit_verify`: walking the chain, `VerifyReport` and the kinds of `Tampering`;
- `audit_log`: `AuditLog`, which records, reads and verifies events.
"""

from __future__ import annotations

# The `x as x` imports are names outside `__all__` that this module defined before the split:
# kept importable from here so code written against the single module still finds them.
from serving.audit_chain import GENESIS_HASH, event_hash
from serving.audit_chain import _as_utc as _as_utc
from serving.audit_chain import _canonical as _canonical
from serving.audit_chain import _json_default as _json_default
from serving.audit_chain import _normalise as _normalise
from serving.audit_lock import _PG_LOCK_KEY as _PG_LOCK_KEY
from serving.audit_lock import _lock as _lock
from serving.audit_lock import _lock_head as _lock_head
from serving.audit_log import AuditLog
from serving.audit_tables import _HEAD_ID as _HEAD_ID
from serving.audit_tables import AuditBase, AuditEvent
from serving.audit_tables import _create_tables as _create_tables
from serving.audit_tables import _event as _event
from serving.audit_tables import _EventRow as _EventRow
from serving.audit_tables import _HeadRow as _HeadRow
from serving.audit_verify import Tampering, VerifyReport
from serving.audit_verify import _row_hash as _row_hash
from serving.audit_verify import _walk as _walk

__all__ = [
    "GENESIS_HASH",
    "AuditBase",
    "AuditEvent",
    "AuditLog",
    "Tampering",
    "VerifyReport",
    "event_hash",
]
