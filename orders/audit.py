"""The audit port of the workflow: every transition is recorded through it, in the same session.

`serving.audit.AuditLog` (append-only, hash-chained) implements it; orders never imports
serving, so the recorder is passed in. It must write with the `session` it is given: the event
then commits with the transition or not at all, and a recorder that raises undoes the
transition.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

__all__ = ["ENTITY_TYPE", "AuditRecorder"]

ENTITY_TYPE = "purchase_order"  # entity_id is the PO id as text


class AuditRecorder(Protocol):
    """Writes one audit event: who did what to which entity, state before and after, why."""

    def record(
        self,
        *,
        actor: str,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str | None,
        session: Session | None = None,
    ) -> object: ...
