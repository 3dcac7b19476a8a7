"""Verifying the audit chain: walk the events and report the first edited, deleted or moved one.

What the chain proves: rows edited, deleted or reordered with plain SQL are found by `verify`.
What it cannot prove: someone with write access who recomputes every later hash and the head.
Record `VerifyReport.head_hash` somewhere else (a ticket, a release note) to anchor it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from serving.audit_chain import GENESIS_HASH, event_hash
from serving.audit_tables import _EventRow

__all__ = ["Tampering", "VerifyReport"]

Tampering = Literal["edited", "deleted", "reordered"]


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of `AuditLog.verify`: `checked` events were intact before the first bad one."""

    ok: bool
    checked: int
    head_id: int
    head_hash: str
    first_bad_id: int | None = None
    kind: Tampering | None = None
    detail: str = ""


def _row_hash(row: _EventRow) -> str:
    return event_hash(
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        before=row.before,
        after=row.after,
        reason=row.reason,
        prev_hash=row.prev_hash,
    )


def _walk(rows: Iterable[_EventRow], head_id: int, head_hash: str) -> VerifyReport:
    def bad(event_id: int | None, kind: Tampering, detail: str) -> VerifyReport:
        return VerifyReport(False, checked, head_id, head_hash, event_id, kind, detail)

    checked, prev_hash = 0, GENESIS_HASH
    for row in rows:
        expected_id = checked + 1
        if row.id != expected_id:
            return bad(
                expected_id,
                "deleted",
                f"event {expected_id} is missing (ids jump from {checked} to {row.id}): "
                "a row was deleted",
            )
        if _row_hash(row) != row.hash:
            return bad(
                row.id,
                "edited",
                f"event {row.id} does not match its hash: a field was changed after it was "
                "recorded",
            )
        if row.prev_hash != prev_hash:
            return bad(
                row.id,
                "reordered",
                f"event {row.id} does not follow event {checked} (its prev_hash is not that "
                "event's hash): rows were reordered, or one was rewritten with a new hash",
            )
        checked, prev_hash = row.id, row.hash
    if checked < head_id:
        return bad(
            checked + 1,
            "deleted",
            f"the chain head records {head_id} events but only {checked} remain: "
            f"events {checked + 1}..{head_id} were deleted",
        )
    if head_hash != prev_hash:
        return bad(
            checked or None,
            "edited",
            f"event {checked} is not the event the chain head recorded: it was rewritten",
        )
    return VerifyReport(True, checked, head_id, head_hash)
