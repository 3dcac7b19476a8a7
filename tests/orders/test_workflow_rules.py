"""Pure rules of the approval workflow: the state machine, value thresholds, pack / MOQ."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.domain import POStatus
from orders.errors import AlreadyDecided, InvalidTransition
from orders.thresholds import ApprovalThresholds
from orders.transitions import Action, allowed_actions, check_transition
from orders.validation import line_problems, minimum_order, quantity_problems
from tests.orders.factories import line

S, A = POStatus, Action


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (S.PROPOSED, {A.SUBMIT, A.REJECT, A.EDIT, A.SUPERSEDE}),
        (S.PENDING_APPROVAL, {A.APPROVE, A.REJECT, A.EDIT, A.SUPERSEDE}),
        (S.EDITED, {A.APPROVE, A.REJECT, A.EDIT}),
        (S.AUTO_APPROVED, {A.REJECT, A.EDIT, A.RELEASE}),
        (S.APPROVED, {A.RELEASE}),
        (S.REJECTED, set()),
        (S.RELEASED, set()),
        (S.SUPERSEDED, set()),
    ],
)
def test_allowed_actions_follow_design_section_6(status: POStatus, actions: set[Action]) -> None:
    assert allowed_actions(status) == actions


@pytest.mark.parametrize(
    ("action", "status", "error"),
    [
        (A.RELEASE, S.PENDING_APPROVAL, InvalidTransition),  # not decided yet: wrong button
        (A.APPROVE, S.PROPOSED, InvalidTransition),  # submit it first
        (A.SUBMIT, S.EDITED, InvalidTransition),
        (A.APPROVE, S.APPROVED, AlreadyDecided),
        (A.APPROVE, S.AUTO_APPROVED, AlreadyDecided),
        (A.REJECT, S.RELEASED, AlreadyDecided),
        (A.EDIT, S.REJECTED, AlreadyDecided),
        (A.RELEASE, S.SUPERSEDED, AlreadyDecided),
    ],
)
def test_refused_transitions_say_which(
    action: Action, status: POStatus, error: type[InvalidTransition]
) -> None:
    with pytest.raises(InvalidTransition) as caught:
        check_transition(action, status, order_id=7)
    assert type(caught.value) is error
    assert str(caught.value).startswith(f"cannot {action.value} PO 7: it is {status.value}")


def test_a_refusal_names_the_statuses_the_action_applies_to() -> None:
    check_transition(A.APPROVE, S.EDITED, order_id=1)  # allowed: no error
    with pytest.raises(InvalidTransition) as caught:
        check_transition(A.RELEASE, S.EDITED, order_id=3)
    assert str(caught.value) == (
        "cannot release PO 3: it is edited, and release applies only to a PO that is approved, "
        "auto_approved; reload it to see what happened"
    )


@pytest.mark.parametrize(
    ("value", "required"),
    [
        (Decimal("0.0000"), 1),
        (Decimal("999.9999"), 1),
        (Decimal("1000.0000"), 1),  # "above" is strict: exactly at the threshold is one person
        (Decimal("1000.0001"), 2),
        (Decimal("2999.9997"), 2),
    ],
)
def test_approvals_required_above_the_dual_threshold(value: Decimal, required: int) -> None:
    assert ApprovalThresholds(Decimal("500"), Decimal("1000")).approvals_required(value) == required
    assert ApprovalThresholds(Decimal("500"), None).approvals_required(value) == 1


@pytest.mark.parametrize(
    ("value", "flagged", "status"),
    [
        (Decimal("499.9999"), False, S.AUTO_APPROVED),
        (Decimal("500.0000"), False, S.PENDING_APPROVAL),  # "below" is strict
        (Decimal("41.0000"), True, S.PENDING_APPROVAL),  # a flag always needs a person
    ],
)
def test_submitted_status(value: Decimal, flagged: bool, status: POStatus) -> None:
    thresholds = ApprovalThresholds(Decimal("500"), Decimal("1000"))
    assert thresholds.submitted_status(value=value, flagged=flagged) == status
    assert ApprovalThresholds().submitted_status(value=value, flagged=flagged) == (
        S.PENDING_APPROVAL
    )


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (Decimal("1000"), Decimal("500"), "auto_approve_below 1000 is above dual_approval_above"),
        (Decimal("-1"), None, "auto_approve_below Decimal('-1') must be a finite Decimal >= 0"),
        (None, 1000.0, "dual_approval_above 1000.0 must be a finite Decimal"),
        (None, Decimal("NaN"), "dual_approval_above Decimal('NaN') must be a finite Decimal"),
    ],
)
def test_thresholds_refuse_nonsense(low: object, high: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ApprovalThresholds(low, high)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pack", "moq", "smallest"),
    [(1, 0, 1), (12, 0, 12), (12, 30, 36), (12, 36, 36), (5, 7, 10), (1, 7, 7)],
)
def test_minimum_order_is_the_first_whole_pack_at_or_above_moq(
    pack: int, moq: int, smallest: int
) -> None:
    assert minimum_order(pack_size=pack, moq=moq) == smallest


@pytest.mark.parametrize(
    ("quantity", "pack", "moq", "problems"),
    [
        (24, 12, 0, []),
        (36, 12, 30, []),
        (7, 1, 0, []),
        (25, 12, 0, ["quantity 25 is not a whole number of packs of 12; use 24 or 36"]),
        (40, 12, 30, ["quantity 40 is not a whole number of packs of 12; use 36 or 48"]),
        (5, 12, 0, ["quantity 5 is not a whole number of packs of 12; use 12"]),
        (5, 12, 30, ["quantity 5 is not a whole number of packs of 12; use 36"]),
        (
            24,
            12,
            30,
            ["quantity 24 is below the minimum order of 30; use at least 36 or reject the PO"],
        ),
        (0, 1, 0, ["quantity 0 must be a whole number >= 1"]),
        (True, 1, 0, ["quantity True must be a whole number >= 1"]),
        (2.0, 1, 0, ["quantity 2.0 must be a whole number >= 1"]),
    ],
)
def test_quantity_problems_name_the_valid_quantities(
    quantity: object, pack: int, moq: int, problems: list[str]
) -> None:
    assert quantity_problems(quantity, pack_size=pack, moq=moq) == problems


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"pack_size": 0}, "pack_size 0 must be a whole number >= 1"),
        ({"moq": -1}, "moq -1 must be a whole number >= 0"),
        ({"pack_size": 2.5}, "pack_size 2.5 must be a whole number >= 1"),
    ],
)
def test_line_pack_size_and_moq_ranges(fields: dict[str, object], problem: str) -> None:
    assert line_problems(line(**fields)) == [problem]
    # The planner owns rounding: a quantity off its pack is stored as the planner gave it.
    assert line_problems(line(quantity=5, pack_size=12, moq=30)) == []
