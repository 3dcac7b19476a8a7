"""Value objects of the PO queue and the pure rules that turn a plan's lines into POs.

A planning run ("plan") at a review date suggests lines, one per sku-location to replenish. Lines
are grouped into POs by (source, destination): the source is a supplier, or for a store
replenished from its DC, that DC's location; the destination is the line's location. So one PO
is one truck's worth of paperwork: one sender, one receiver, many skus.

Money is `Decimal` with 4 decimal places everywhere (`Numeric(18, 4)` in the database), so PO
values and plan totals add up exactly and compare exactly to the auto-approve threshold. Use
`money(x)` to bring a float cost in. Quantities are whole units; the explanation numbers
(positions, demand, lead times in days, probabilities) are floats.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "MONEY_PLACES",
    "UNDECIDED",
    "Allocation",
    "Driver",
    "Explanation",
    "Flag",
    "LineDraft",
    "Order",
    "OrderDraft",
    "OrderLine",
    "OrderSummary",
    "POStatus",
    "PlanDraft",
    "PlanRecord",
    "PlanSummary",
    "SeriesReview",
    "ServiceKind",
    "SourceKind",
    "group_orders",
    "initial_status",
    "money",
]

MONEY_PLACES = Decimal("0.0001")


class POStatus(enum.StrEnum):
    """Where a PO is in its life (DESIGN.md section 6).

    `superseded`: a later run of the same review date replaced it before anyone decided on it;
    kept, not deleted, so the audit trail shows every suggestion ever made.
    """

    PROPOSED = "proposed"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    EDITED = "edited"
    RELEASED = "released"
    AUTO_APPROVED = "auto_approved"
    SUPERSEDED = "superseded"


# Nobody has decided on these yet, so a re-run of their review date may replace them.
UNDECIDED: frozenset[POStatus] = frozenset({POStatus.PROPOSED, POStatus.PENDING_APPROVAL})


class SourceKind(enum.StrEnum):
    SUPPLIER = "supplier"  # source is a supplier id
    DC = "dc"  # source is the location id of the DC that replenishes the destination


class ServiceKind(enum.StrEnum):
    FILL_RATE = "fill_rate"  # share of demand served from stock
    CSL = "csl"  # cycle service level: probability of no stockout in a cycle


class Flag(enum.StrEnum):
    """Why a line deserves a human look; any flag on a line stops its PO from auto-approving."""

    FORECAST_CHANGE = "forecast_change"  # expected demand moved > 15% vs the previous cycle
    NEW_ITEM = "new_item"
    DRIFT_ALERT = "drift_alert"  # a drift alert is active for this series' model
    FAR_ABOVE_HISTORY = "far_above_history"  # quantity far above what was ever ordered
    ALLOCATION_SHORTFALL = "allocation_shortfall"  # constrained supply cut the quantity


def money(value: float | int | str | Decimal) -> Decimal:
    """`value` as money: a `Decimal` rounded half-up to 4 places; refuses NaN and infinities."""
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation as e:
        raise ValueError(f"{value!r} is not an amount of money") from e
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount of money (must be finite)")
    return amount.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Driver:
    """One SHAP driver of the forecast: feature name and its contribution in demand units."""

    feature: str
    contribution: float


@dataclass(frozen=True)
class Allocation:
    """Constrained supply: what the line asked for, what it got, its priority tier (1 = first)."""

    requested: int
    allocated: int
    tier: int


@dataclass(frozen=True, kw_only=True)
class Explanation:
    """The numbers behind a suggested quantity, shown to the buyer who approves it.

    Quantities in units, times in days; `expected_demand` is over lead time + review period and
    `stockout_probability` is the risk over that horizon if this line is not ordered.
    """

    inventory_position: float  # on_hand + on_order - backorders
    on_hand: float
    on_order: float
    backorders: float
    expected_demand: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    lead_time_p50: float
    lead_time_p90: float
    review_period: float
    service_target: float
    service_kind: ServiceKind
    stockout_probability: float
    segment: str  # ABC-XYZ, e.g. "AX"
    forecast_model_version: str
    leadtime_model_version: str | None = None
    drivers: tuple[Driver, ...] = ()
    allocation: Allocation | None = None


@dataclass(frozen=True, kw_only=True)
class LineDraft:
    """One suggested line before it is stored; `value` is always quantity x unit cost.

    `pack_size` and `moq` are the units the source ships in and its minimum order (1 and 0: sold
    by the unit, no minimum); stored so a buyer's edit can be held to them.
    """

    source: str
    source_kind: SourceKind = SourceKind.SUPPLIER
    sku: str
    location: str  # the destination: where the units go
    quantity: int
    unit_cost: Decimal
    explanation: Explanation
    flags: tuple[Flag, ...] = ()
    pack_size: int = 1
    moq: int = 0

    @property
    def value(self) -> Decimal:
        return self.quantity * self.unit_cost


@dataclass(frozen=True, kw_only=True)
class SeriesReview:
    """One sku-location the plan looked at, ordered or not: kept so the next cycle can compare
    expected demand for every series (the forecast-change flag), not only the ordered ones.

    `expected_demand` is over lead time + review period, as in `Explanation`;
    `order_quantity` is the quantity of the series' line in the plan, 0 when it got none.
    """

    sku: str
    location: str
    expected_demand: float
    inventory_position: float
    order_quantity: int


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, kw_only=True)
class PlanDraft:
    """One planning run's suggestions at a review date, saved as a whole or not at all.

    `auto_approve_below`: a PO whose value is strictly below it and with no flagged line starts
    `auto_approved`; None turns auto-approval off. Recorded with the plan for the audit.
    `reviews`: every series the run reviewed, one each; when given, each line's series is among
    them with the same numbers. Empty is allowed (older callers): the lines then stand for the
    series reviewed.
    """

    review_date: dt.date
    created_by: str
    lines: tuple[LineDraft, ...]
    auto_approve_below: Decimal | None = None
    created_at: dt.datetime = field(default_factory=_utcnow)
    reviews: tuple[SeriesReview, ...] = ()


@dataclass(frozen=True, kw_only=True)
class OrderDraft:
    """One PO as grouped from a plan's lines, with the status it starts in."""

    source: str
    source_kind: SourceKind
    destination: str
    lines: tuple[LineDraft, ...]
    status: POStatus

    @property
    def value(self) -> Decimal:
        return sum((line.value for line in self.lines), Decimal(0))

    @property
    def flagged(self) -> bool:
        return any(line.flags for line in self.lines)


def initial_status(
    *, value: Decimal, flagged: bool, auto_approve_below: Decimal | None
) -> POStatus:
    """`auto_approved` when strictly below the threshold with no flag, else `pending_approval`."""
    if auto_approve_below is not None and not flagged and value < auto_approve_below:
        return POStatus.AUTO_APPROVED
    return POStatus.PENDING_APPROVAL


def group_orders(plan: PlanDraft) -> tuple[OrderDraft, ...]:
    """The plan's POs: one per (source kind, source, destination), sorted by that key; lines
    keep the plan's order within a PO."""
    groups: dict[tuple[SourceKind, str, str], list[LineDraft]] = {}
    for line in plan.lines:
        groups.setdefault((line.source_kind, line.source, line.location), []).append(line)
    orders = []
    for (kind, source, destination), lines in sorted(groups.items(), key=lambda kv: kv[0]):
        flagged = any(line.flags for line in lines)
        value = sum((line.value for line in lines), Decimal(0))
        status = initial_status(
            value=value, flagged=flagged, auto_approve_below=plan.auto_approve_below
        )
        orders.append(
            OrderDraft(
                source=source,
                source_kind=kind,
                destination=destination,
                lines=tuple(lines),
                status=status,
            )
        )
    return tuple(orders)


# Read side: what the repository returns.


@dataclass(frozen=True, kw_only=True)
class OrderLine:
    """A stored line of a PO."""

    id: int
    order_id: int
    sku: str
    location: str
    quantity: int
    unit_cost: Decimal
    value: Decimal
    explanation: Explanation
    flags: tuple[Flag, ...]
    pack_size: int = 1  # lines stored before pack sizes were kept read as 1 and 0
    moq: int = 0


@dataclass(frozen=True, kw_only=True)
class OrderSummary:
    """A PO as the queue lists it: header and totals, no lines.

    `version` counts writes to the PO (optimistic locking: an update names the version it read).
    `edited_by`: everyone who changed a quantity (none of them may approve it); `approved_by`:
    approvals since the last edit, in order (a PO above the dual threshold needs two).
    """

    id: int
    plan_id: int
    review_date: dt.date
    source: str
    source_kind: SourceKind
    destination: str
    status: POStatus
    value: Decimal
    line_count: int
    flagged: bool
    version: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    superseded_by_plan_id: int | None
    edited_by: tuple[str, ...] = ()
    approved_by: tuple[str, ...] = ()
    released_at: dt.datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Order(OrderSummary):
    """A PO with its lines, in the order the plan listed them."""

    lines: tuple[OrderLine, ...]


@dataclass(frozen=True, kw_only=True)
class PlanRecord:
    """What `save_plan` wrote: the new plan's id, its POs, and the POs it superseded."""

    plan_id: int
    review_date: dt.date
    created_at: dt.datetime
    order_ids: tuple[int, ...]
    line_count: int
    superseded_order_ids: tuple[int, ...]

    @property
    def order_count(self) -> int:
        return len(self.order_ids)


@dataclass(frozen=True, kw_only=True)
class PlanSummary:
    """A plan's POs as they stand now (statuses move as buyers decide).

    `series_reviewed`: the plan's reviews; for a plan saved without them, its line count.
    """

    plan_id: int
    review_date: dt.date
    created_by: str
    created_at: dt.datetime
    auto_approve_below: Decimal | None
    order_count: int
    line_count: int
    series_reviewed: int
    total_value: Decimal
    by_status: dict[POStatus, int]  # every status, zero included
    value_by_status: dict[POStatus, Decimal]  # every status, zero included

    @property
    def needs_approval(self) -> int:
        """POs still waiting for a person (proposed or pending approval)."""
        return sum(self.by_status[status] for status in UNDECIDED)

    @property
    def auto_approved(self) -> int:
        return self.by_status[POStatus.AUTO_APPROVED]
