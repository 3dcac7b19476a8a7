"""Domain errors of the PO queue; the HTTP layer maps them to status codes (Dispatch style).

Suggested mapping: `OrderNotFound`, `PlanNotFound`, `LineNotFound` -> 404; `InvalidPlan`,
`InvalidRequest` (`ReasonRequired`, `InvalidQuantity`) -> 422; `SegregationOfDuties` (and
`DuplicateApprover`) -> 403; `InvalidTransition` (and `AlreadyDecided`), `StaleVersion`,
`IdempotencyConflict` -> 409.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AlreadyDecided",
    "DuplicateApprover",
    "IdempotencyConflict",
    "InvalidPlan",
    "InvalidQuantity",
    "InvalidRequest",
    "InvalidTransition",
    "LineNotFound",
    "OrderNotFound",
    "OrdersError",
    "PlanNotFound",
    "ReasonRequired",
    "SegregationOfDuties",
    "StaleVersion",
]


class OrdersError(Exception):
    """Base of every error the PO queue raises on purpose."""


class OrderNotFound(OrdersError, LookupError):
    """No purchase order with this id in the database."""

    def __init__(self, order_id: int, *, database: str) -> None:
        self.order_id = order_id
        super().__init__(
            f"no purchase order with id {order_id} in {database}; list the queue with "
            "list_orders() to find valid ids (is this the right database?)"
        )


class PlanNotFound(OrdersError, LookupError):
    """No planning run with this id in the database."""

    def __init__(self, plan_id: int, *, database: str) -> None:
        self.plan_id = plan_id
        super().__init__(
            f"no plan with id {plan_id} in {database}; latest_plan() gives the newest one "
            "(is this the right database?)"
        )


class InvalidPlan(OrdersError, ValueError):
    """A plan that breaks a rule; raised before anything is written."""


# Approval workflow (orders.workflow).


class InvalidRequest(OrdersError, ValueError):
    """A workflow call whose arguments break a rule; nothing was read or written."""


class ReasonRequired(InvalidRequest):
    """Rejecting or editing a PO needs a reason the audit trail can show."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(
            f"{action} needs a reason (non-blank text): say why, it is kept in the audit trail"
        )


class InvalidQuantity(InvalidRequest):
    """An edited quantity that breaks the line's pack size or minimum order."""

    def __init__(self, order_id: int, line_id: int, problems: Iterable[str]) -> None:
        self.order_id = order_id
        self.line_id = line_id
        super().__init__(f"PO {order_id} line {line_id} not changed: " + "; ".join(problems))


class LineNotFound(OrdersError, LookupError):
    """The PO has no line with this id."""

    def __init__(self, order_id: int, line_id: int, *, line_ids: Iterable[int]) -> None:
        self.order_id = order_id
        self.line_id = line_id
        super().__init__(
            f"PO {order_id} has no line {line_id}; its lines are {sorted(line_ids)} "
            "(get_order() lists them)"
        )


class InvalidTransition(OrdersError):
    """The action is not allowed from the PO's current status (orders.transitions)."""

    def __init__(
        self, order_id: int, *, action: str, status: str, allowed_from: Iterable[str]
    ) -> None:
        self.order_id = order_id
        self.action = action
        self.status = status
        allowed = ", ".join(sorted(allowed_from))
        super().__init__(
            f"cannot {action} PO {order_id}: it is {status}, and {action} applies only to a PO "
            f"that is {allowed}; reload it to see what happened"
        )


class AlreadyDecided(InvalidTransition):
    """The PO was already decided (approved, rejected, released, superseded): nothing to do."""


class StaleVersion(OrdersError):
    """The PO changed since the caller read it (optimistic locking): reload and decide again."""

    def __init__(
        self, order_id: int, *, expected: int, current: int | None, status: str | None
    ) -> None:
        self.order_id = order_id
        self.expected = expected
        self.current = current
        now = "it changed meanwhile" if current is None else f"it is now version {current}"
        state = "" if status is None else f" ({status})"
        super().__init__(
            f"PO {order_id} was read at version {expected} but {now}{state}; reload it, check "
            "what changed and decide again"
        )


class SegregationOfDuties(OrdersError):
    """Nobody approves a PO they created or edited (DESIGN.md section 6)."""

    def __init__(self, order_id: int, *, actor: str, role: str) -> None:
        self.order_id = order_id
        self.actor = actor
        super().__init__(
            f"{actor} {role} PO {order_id} and so cannot approve it (segregation of duties); "
            "ask another approver"
        )


class DuplicateApprover(SegregationOfDuties):
    """A PO that needs two approvals needs two different people."""

    def __init__(self, order_id: int, *, actor: str, required: int) -> None:
        self.order_id = order_id
        self.actor = actor
        OrdersError.__init__(
            self,
            f"{actor} already approved PO {order_id}, which needs {required} distinct "
            "approvers; ask another approver for the next approval",
        )


class IdempotencyConflict(OrdersError):
    """An idempotency key the actor already used for a different request."""

    def __init__(self, key: str, *, actor: str, first: str, now: str) -> None:
        self.key = key
        self.actor = actor
        super().__init__(
            f"idempotency key {key!r} of {actor} was first used for {first}, not {now}; use a "
            "new key for a new request (a retry must repeat the first request exactly)"
        )
