"""The PO state machine as data: which action may move a PO from which status to which.

DESIGN.md section 6: `proposed -> pending_approval -> approved | rejected | edited -> released`.
A PO starts `pending_approval`, or `auto_approved` when the plan's policy allows it
(`orders.domain.initial_status`); `proposed` is a PO not yet submitted for approval.

- approve: a person approves a pending or edited PO. Above the dual threshold the first approval
  leaves the status as it was (1 of 2) and the second, by someone else, approves it.
- edit: a quantity changes before anyone decided; the PO is `edited` and needs a (new) approval
  from someone other than the editor. An `auto_approved` PO may be edited too: it then needs a
  person, like any edited PO.
- reject: stops a PO before release, auto-approved ones included (a person overrides policy).
- release: sends an approved PO to the supplier (or DC); final.
- supersede: a re-run of the review date replaces an undecided PO (`save_plan` does it).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from orders.domain import UNDECIDED, POStatus
from orders.errors import AlreadyDecided, InvalidTransition

__all__ = ["DECIDED", "TRANSITIONS", "Action", "Transition", "allowed_actions", "check_transition"]

S = POStatus


class Action(enum.StrEnum):
    """What a person (or the planner) does to a PO; the audit action is `po.<value>`."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    EDIT = "edit"
    RELEASE = "release"
    SUPERSEDE = "supersede"


@dataclass(frozen=True)
class Transition:
    """The statuses an action applies to and the statuses it may leave the PO in."""

    sources: frozenset[POStatus]
    targets: frozenset[POStatus]


TRANSITIONS: Mapping[Action, Transition] = MappingProxyType(
    {
        # The plan's policy decides between a person and auto-approval (orders.thresholds).
        Action.SUBMIT: Transition(
            frozenset({S.PROPOSED}), frozenset({S.PENDING_APPROVAL, S.AUTO_APPROVED})
        ),
        # A first of two approvals leaves the status where it was.
        Action.APPROVE: Transition(
            frozenset({S.PENDING_APPROVAL, S.EDITED}),
            frozenset({S.APPROVED, S.PENDING_APPROVAL, S.EDITED}),
        ),
        Action.REJECT: Transition(
            frozenset({S.PROPOSED, S.PENDING_APPROVAL, S.EDITED, S.AUTO_APPROVED}),
            frozenset({S.REJECTED}),
        ),
        Action.EDIT: Transition(
            frozenset({S.PROPOSED, S.PENDING_APPROVAL, S.EDITED, S.AUTO_APPROVED}),
            frozenset({S.EDITED}),
        ),
        Action.RELEASE: Transition(
            frozenset({S.APPROVED, S.AUTO_APPROVED}), frozenset({S.RELEASED})
        ),
        Action.SUPERSEDE: Transition(UNDECIDED, frozenset({S.SUPERSEDED})),
    }
)

# Someone (or the policy) has decided: asking again is "already decided", not a wrong button.
DECIDED: frozenset[POStatus] = frozenset(
    {S.APPROVED, S.AUTO_APPROVED, S.REJECTED, S.RELEASED, S.SUPERSEDED}
)


def allowed_actions(status: POStatus) -> frozenset[Action]:
    """The actions a PO in `status` accepts (the buttons a queue screen shows)."""
    return frozenset(a for a, t in TRANSITIONS.items() if POStatus(status) in t.sources)


def check_transition(action: Action, status: POStatus, *, order_id: int) -> None:
    """Raise `AlreadyDecided` or `InvalidTransition` unless `action` applies to `status`."""
    transition = TRANSITIONS[action]
    if status in transition.sources:
        return
    error = AlreadyDecided if status in DECIDED else InvalidTransition
    raise error(
        order_id,
        action=action.value,
        status=POStatus(status).value,
        allowed_from=[s.value for s in transition.sources],
    )
