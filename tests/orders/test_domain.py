"""Pure rules of the PO queue: money, the starting status, grouping lines into POs, validation."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from orders.domain import (
    Allocation,
    Driver,
    Flag,
    POStatus,
    SourceKind,
    group_orders,
    initial_status,
    money,
)
from orders.errors import InvalidPlan
from orders.validation import line_problems, plan_problems, validate_plan
from tests.orders.factories import explanation, four_order_plan, line, plan


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0.1, Decimal("0.1000")),  # via str: not 0.1000000000000000055511151231257827
        (2.00005, Decimal("2.0001")),  # half up
        (2.00004, Decimal("2.0000")),
        ("13.33", Decimal("13.3300")),
        (7, Decimal("7.0000")),
        (Decimal("-1.23456"), Decimal("-1.2346")),
    ],
)
def test_money_rounds_half_up_to_four_places(raw: float | str | Decimal, expected: Decimal) -> None:
    assert money(raw) == expected
    assert money(raw).as_tuple().exponent == -4


@pytest.mark.parametrize("raw", [math.nan, math.inf, "NaN", "twelve"])
def test_money_refuses_what_is_not_an_amount(raw: float | str) -> None:
    with pytest.raises(ValueError, match="not an amount of money"):
        money(raw)


@pytest.mark.parametrize(
    ("value", "flagged", "threshold", "expected"),
    [
        ("499.9999", False, "500", POStatus.AUTO_APPROVED),
        ("500", False, "500", POStatus.PENDING_APPROVAL),  # strictly below
        ("0", True, "500", POStatus.PENDING_APPROVAL),  # a flag always asks a person
        ("1", False, None, POStatus.PENDING_APPROVAL),  # auto-approval off
    ],
)
def test_initial_status(value: str, flagged: bool, threshold: str | None, expected: str) -> None:
    below = None if threshold is None else Decimal(threshold)
    assert initial_status(value=Decimal(value), flagged=flagged, auto_approve_below=below) == (
        expected
    )


def test_group_orders_one_po_per_source_and_destination() -> None:
    orders = group_orders(four_order_plan())
    assert [(o.source_kind, o.source, o.destination) for o in orders] == [
        (SourceKind.DC, "DC1", "S1"),
        (SourceKind.SUPPLIER, "ACME", "DC1"),
        (SourceKind.SUPPLIER, "ACME", "DC2"),
        (SourceKind.SUPPLIER, "BOLT", "DC1"),
    ]
    assert [[ln.sku for ln in o.lines] for o in orders] == [["A1"], ["A1", "A2"], ["B1"], ["C1"]]
    assert [o.value for o in orders] == [
        Decimal("60"),
        Decimal("393.31"),
        Decimal("41"),
        Decimal("2999.9997"),
    ]
    assert [o.status for o in orders] == [
        POStatus.PENDING_APPROVAL,
        POStatus.AUTO_APPROVED,
        POStatus.PENDING_APPROVAL,
        POStatus.PENDING_APPROVAL,
    ]


def test_a_valid_line_has_no_problems() -> None:
    assert line_problems(line()) == []
    assert plan_problems(four_order_plan()) == []


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"quantity": -5}, "quantity -5 must be a whole number >= 1"),
        ({"quantity": 0}, "quantity 0 must be a whole number >= 1"),
        ({"quantity": 2.5}, "quantity 2.5 must be a whole number"),
        ({"quantity": True}, "quantity True must be a whole number"),
        ({"unit_cost": Decimal("NaN")}, "unit_cost NaN must be finite"),
        ({"unit_cost": Decimal("-1")}, "unit_cost -1 must not be negative"),
        ({"unit_cost": Decimal("0.12345")}, "more than 4 decimal places"),
        ({"unit_cost": 2.5}, "must be a Decimal (use orders.domain.money)"),
        ({"sku": " "}, "source, sku and location must not be empty"),
        ({"sku": "x" * 257}, "is longer than 256 characters"),
        ({"source": "S1", "source_kind": SourceKind.DC, "location": "S1"}, "replenish itself"),
        ({"flags": ("made_up",)}, "unknown flags ['made_up']"),
        ({"flags": (Flag.NEW_ITEM, Flag.NEW_ITEM)}, "repeat"),
        ({"explanation": explanation(expected_demand=math.nan)}, "expected_demand nan must be"),
        ({"explanation": explanation(on_order=math.inf)}, "on_order inf must be finite"),
        ({"explanation": explanation(backorders=-1.0, inventory_position=14.75)}, "backorders"),
        ({"explanation": explanation(inventory_position=12.0)}, "= 12.75"),
        ({"explanation": explanation(lead_time_p90=6.0)}, "0 <= p50 <= p90"),
        ({"explanation": explanation(service_target=1.0)}, "strictly between 0 and 1"),
        ({"explanation": explanation(stockout_probability=1.5)}, "must be in [0, 1]"),
        ({"explanation": explanation(segment="")}, "segment must not be empty"),
        ({"explanation": explanation(forecast_model_version="")}, "name the model version"),
        ({"explanation": explanation(drivers=(Driver("", 1.0),))}, "needs a feature name"),
        (
            {"explanation": explanation(allocation=Allocation(10, 12, 1))},
            "allocated 12 exceeds requested 10",
        ),
        ({"explanation": explanation(allocation=Allocation(10, 5, 0))}, "tier 0 must be"),
    ],
)
def test_line_problems_name_what_is_wrong(overrides: dict[str, object], problem: str) -> None:
    problems = line_problems(line(**overrides))
    assert len(problems) == 1, problems
    assert problem in problems[0]


def test_validate_plan_lists_every_problem_with_its_line() -> None:
    bad = plan(
        line(),
        line(sku="A2", quantity=-1),
        line(quantity=3),  # same sku-location as line 0
        created_by="",
        created_at=dt.datetime(2026, 11, 2, 6, 0),
    )
    with pytest.raises(InvalidPlan) as caught:
        validate_plan(bad)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert message.startswith("plan for review date 2026-11-02 not saved, nothing was written: ")
    for part in (
        "created_by must name who or what ran the plan",
        "created_at must be timezone-aware (UTC)",
        "line 1 (sku 'A2', location 'DC1'): quantity -1 must be a whole number >= 1",
        "line 2 (sku 'A1', location 'DC1'): same sku and location as line 0",
    ):
        assert part in message


def test_validate_plan_caps_the_list() -> None:
    bad = plan(*(line(sku=f"S{i}", quantity=0) for i in range(25)))
    with pytest.raises(InvalidPlan, match="; and 5 more. Fix the planner's output"):
        validate_plan(bad)
