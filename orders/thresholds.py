"""Value thresholds of the approval policy (DESIGN.md section 6); pure.

Below `auto_approve_below` with no flagged line a PO needs nobody (still audited); above
`dual_approval_above` it needs two distinct approvers; in between, one. None turns a threshold
off. Both compare exactly: money is `Decimal` with 4 places (`orders.domain.money`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from orders.domain import POStatus, initial_status

__all__ = ["ApprovalThresholds"]


@dataclass(frozen=True)
class ApprovalThresholds:
    """How many people a PO of a given value needs: 0 (auto), 1, or 2 distinct approvers."""

    auto_approve_below: Decimal | None = None
    dual_approval_above: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("auto_approve_below", "dual_approval_above"):
            amount = getattr(self, name)
            if amount is not None and (
                not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0
            ):
                raise ValueError(
                    f"{name} {amount!r} must be a finite Decimal >= 0 (use orders.domain.money) "
                    "or None to turn it off"
                )
        low, high = self.auto_approve_below, self.dual_approval_above
        if low is not None and high is not None and low > high:
            raise ValueError(
                f"auto_approve_below {low} is above dual_approval_above {high}: a PO cannot be "
                "both auto-approved and need two approvers; lower the first or raise the second"
            )

    def approvals_required(self, value: Decimal) -> int:
        """People who must approve a PO of `value`: 2 strictly above the dual threshold, else 1."""
        high = self.dual_approval_above
        return 2 if high is not None and value > high else 1

    def submitted_status(self, *, value: Decimal, flagged: bool) -> POStatus:
        """Where a submitted PO goes: `auto_approved` strictly below the threshold with no flag,
        else `pending_approval` (the same rule a plan's new POs start by)."""
        return initial_status(
            value=value, flagged=flagged, auto_approve_below=self.auto_approve_below
        )
