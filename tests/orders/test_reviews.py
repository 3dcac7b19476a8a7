"""Series reviews: every sku-location a plan looked at, ordered or not (the forecast-change flag
compares expected demand with the previous cycle's for all of them). Validation is pure; the
storage tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

import orders.repository as repository
from orders.domain import PlanDraft, SeriesReview
from orders.errors import InvalidPlan, PlanNotFound
from orders.repository import PurchaseOrderQueue
from orders.validation import plan_problems, validate_plan
from tests.orders.factories import (
    explanation,
    four_order_plan,
    line,
    plan,
    review,
    review_of,
    reviewed_plan,
)

BASE = reviewed_plan()
LINED = BASE.reviews[:5]  # the reviews of the five ordered series, in line order
DEMAND = 1 / 3 + 40  # every factory line's expected demand: 40.333333333333336


def _with(*reviews: SeriesReview) -> PlanDraft:
    return replace(BASE, reviews=reviews)


def _counts(engine: sa.Engine) -> list[int]:
    """Rows in po_plans, purchase_orders, po_lines, po_plan_reviews."""
    with engine.connect() as conn:
        return [
            conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("po_plans", "purchase_orders", "po_lines", "po_plan_reviews")
        ]


def test_agreeing_reviews_have_no_problems() -> None:
    assert plan_problems(BASE) == []
    assert plan_problems(four_order_plan()) == []  # no reviews: older callers still valid
    # A review a float hair off its line (relative 1e-9) agrees with it.
    nudged = replace(LINED[0], expected_demand=DEMAND * (1 + 1e-9))
    assert plan_problems(_with(nudged, *LINED[1:])) == []
    # Reviews only, nothing to order.
    assert plan_problems(plan(reviews=(review(), review(sku="Z2", expected_demand=0)))) == []


@pytest.mark.parametrize(
    ("reviews", "problem"),
    [
        (
            (*LINED, review(expected_demand=-0.5)),
            "review 5 (sku 'Z1', location 'DC1'): expected_demand -0.5 must be >= 0",
        ),
        (
            (*LINED, review(expected_demand=math.nan)),
            "review 5 (sku 'Z1', location 'DC1'): expected_demand nan must be finite",
        ),
        (
            (*LINED, review(expected_demand="12")),
            "review 5 (sku 'Z1', location 'DC1'): expected_demand '12' must be a number",
        ),
        (
            (*LINED, review(inventory_position=-math.inf)),
            "review 5 (sku 'Z1', location 'DC1'): inventory_position -inf must be finite",
        ),
        (
            (*LINED, review(order_quantity=-1)),
            "review 5 (sku 'Z1', location 'DC1'): order_quantity -1 must be a whole number >= 0",
        ),
        (
            (*LINED, review(order_quantity=True)),
            "review 5 (sku 'Z1', location 'DC1'): order_quantity True must be a whole number >= 0",
        ),
        (
            (*LINED, review(location="")),
            "review 5 (sku 'Z1', location ''): sku and location must not be empty",
        ),
        (
            (*LINED, review(order_quantity=4)),
            "review 5 (sku 'Z1', location 'DC1'): order_quantity 4 but the plan has no line for "
            "this series (use 0 for a series reviewed and not ordered)",
        ),
        (
            (*LINED, review(), review(expected_demand=1.0)),
            "review 6 (sku 'Z1', location 'DC1'): same sku and location as review 5",
        ),
        (
            (replace(LINED[0], order_quantity=0), *LINED[1:]),
            "review 0 (sku 'A1', location 'DC1'): order_quantity 0 differs from its line's "
            "quantity 120",
        ),
        (
            (LINED[0], replace(LINED[1], expected_demand=40.0), *LINED[2:]),
            "review 1 (sku 'A2', location 'DC1'): expected_demand 40.0 differs from its line's "
            "40.333333333333336",
        ),
        (
            (*LINED[:2], replace(LINED[2], inventory_position=12.5), *LINED[3:]),
            "review 2 (sku 'B1', location 'DC2'): inventory_position 12.5 differs from its "
            "line's 12.75",
        ),
        (
            LINED[1:],
            "line 0 (sku 'A1', location 'DC1'): no review of this series; when a plan lists "
            "reviews, every ordered series must be among them",
        ),
    ],
    ids=[
        "negative-demand",
        "nan-demand",
        "text-demand",
        "infinite-position",
        "negative-quantity",
        "bool-quantity",
        "empty-location",
        "ordered-without-line",
        "duplicate",
        "quantity-differs",
        "demand-differs",
        "position-differs",
        "ordered-series-not-reviewed",
    ],
)
def test_review_problems_name_the_review(reviews: tuple[Any, ...], problem: str) -> None:
    assert plan_problems(_with(*reviews)) == [problem]


def test_validate_plan_reports_every_review_problem_at_once() -> None:
    bad = replace(
        BASE,
        lines=(*BASE.lines[:4], line(source="BOLT", sku="C1", quantity=0)),
        reviews=(*LINED[1:4], review(expected_demand=math.nan), review(), LINED[4]),
    )
    with pytest.raises(InvalidPlan) as caught:
        validate_plan(bad)
    message = str(caught.value)
    for part in (
        "line 4 (sku 'C1', location 'DC1'): quantity 0 must be a whole number >= 1",
        "review 3 (sku 'Z1', location 'DC1'): expected_demand nan must be finite",
        "review 4 (sku 'Z1', location 'DC1'): same sku and location as review 3",
        "review 5 (sku 'C1', location 'DC1'): order_quantity 3 differs from its line's quantity 0",
        "line 0 (sku 'A1', location 'DC1'): no review of this series",
    ):
        assert part in message
    assert len(plan_problems(bad)) == 5  # those, nothing else


def test_reviews_round_trip(queue: PurchaseOrderQueue) -> None:
    record = queue.save_plan(BASE)
    assert (record.order_count, record.line_count) == (4, 5)
    # Every float bit for bit (1/3, 2/3 + 17, -2.0, 0.0), in the plan's order.
    assert queue.plan_reviews(record.plan_id) == list(BASE.reviews)
    summary = queue.plan_summary(record.plan_id)
    assert (summary.order_count, summary.line_count, summary.series_reviewed) == (4, 5, 7)


def test_a_plan_saved_without_reviews_reads_its_lines_as_reviews(
    queue: PurchaseOrderQueue,
) -> None:
    record = queue.save_plan(four_order_plan())
    # Storage order: the POs' order (dc first, then by source), the plan's order within a PO.
    assert queue.plan_reviews(record.plan_id) == [
        SeriesReview(
            sku=sku,
            location=location,
            expected_demand=DEMAND,
            inventory_position=12.75,
            order_quantity=quantity,
        )
        for sku, location, quantity in [
            ("A1", "S1", 24),
            ("A1", "DC1", 120),
            ("A2", "DC1", 7),
            ("B1", "DC2", 10),
            ("C1", "DC1", 3),
        ]
    ]
    with pytest.raises(PlanNotFound, match="no plan with id 999"):
        queue.plan_reviews(999)


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (reviewed_plan(), (4, 5, 7)),
        (four_order_plan(), (4, 5, 5)),  # no reviews stored: its lines stand for them
        (plan(reviews=(review(), review(sku="Z2"))), (0, 0, 2)),  # nothing needed ordering
        (plan(), (0, 0, 0)),
    ],
    ids=["reviewed", "lines-only", "reviews-only", "empty"],
)
def test_plan_summary_counts_series_reviewed(
    queue: PurchaseOrderQueue, draft: PlanDraft, expected: tuple[int, int, int]
) -> None:
    summary = queue.plan_summary(queue.save_plan(draft).plan_id)
    assert (summary.order_count, summary.line_count, summary.series_reviewed) == expected


@pytest.mark.parametrize(
    ("reviews", "match"),
    [
        ((*LINED, review(expected_demand=math.nan)), r"review 5 .*expected_demand nan"),
        ((*LINED, review(), review()), r"review 6 .*same sku and location as review 5"),
        (LINED[:4], r"line 4 \(sku 'C1', location 'DC1'\): no review of this series"),
    ],
    ids=["nan-demand", "duplicate", "line-not-reviewed"],
)
def test_a_bad_review_writes_nothing(
    queue: PurchaseOrderQueue, engine: sa.Engine, reviews: tuple[Any, ...], match: str
) -> None:
    earlier = queue.save_plan(BASE)
    before = _counts(engine)
    assert before == [1, 4, 5, 7]
    with pytest.raises(InvalidPlan, match=match):
        queue.save_plan(_with(*reviews))  # same date: would supersede the earlier POs
    assert _counts(engine) == before
    assert queue.plan_summary(earlier.plan_id).needs_approval == 3  # nothing superseded


def test_a_review_the_database_refuses_rolls_back_the_plan(
    queue: PurchaseOrderQueue, engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past validation (switched off here), the unique constraint still holds and the review
    insert, the last write, takes the plan, its POs and the supersede update down with it."""
    queue.save_plan(BASE)
    before = _counts(engine)
    monkeypatch.setattr(repository, "validate_plan", lambda draft: None)
    with pytest.raises(sa.exc.IntegrityError):
        queue.save_plan(_with(*BASE.reviews, review()))  # Z1 at DC1 twice
    assert _counts(engine) == before
    latest = queue.latest_plan()
    assert latest is not None and latest.needs_approval == 3


def test_previous_expected_demand_prefers_reviews(queue: PurchaseOrderQueue) -> None:
    week1, week2, week3 = dt.date(2026, 10, 26), dt.date(2026, 11, 2), dt.date(2026, 11, 9)

    def ordered(sku: str, demand: float) -> Any:
        return line(sku=sku, explanation=explanation(expected_demand=demand))

    # An older plan, saved without reviews: only its lines are known.
    queue.save_plan(plan(ordered("A1", 20.0), ordered("B1", 7.5), review_date=week1))
    a1 = ordered("A1", 30.0)
    queue.save_plan(
        plan(
            a1,
            review_date=week2,
            reviews=(
                review_of(a1),
                review(sku="B1", expected_demand=6.0, inventory_position=50.0),
                review(sku="Z1", expected_demand=0.0),
            ),
        )
    )
    assert queue.previous_expected_demand(before=week2) == {
        ("A1", "DC1"): 20.0,
        ("B1", "DC1"): 7.5,
    }
    # B1 and Z1 were reviewed in week 2 without an order: still there.
    assert queue.previous_expected_demand(before=week3) == {
        ("A1", "DC1"): 30.0,
        ("B1", "DC1"): 6.0,
        ("Z1", "DC1"): 0.0,
    }
    # A re-run of week 2 replaces it whole: its lines, since it has no reviews.
    queue.save_plan(plan(ordered("A1", 33.0), review_date=week2))
    assert queue.previous_expected_demand(before=week3) == {("A1", "DC1"): 33.0}
