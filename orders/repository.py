"""`PurchaseOrderQueue`: saves planning runs as POs and reads the queue back.

One class over one database (a URL or an Engine), tables created on first use, like
`training.alias_history`: SQLite in the restock home by default, PostgreSQL in production.
Everything returned is a frozen domain object (`orders.domain`), never a row, so callers cannot
write behind the repository's back.

A plan also records every series it reviewed, ordered or not (`SeriesReview`, table
`po_plan_reviews`), so the next cycle's forecast-change flag can compare all of them.

Re-running a plan for a review date supersedes that date's earlier POs nobody has decided on yet
(status `superseded`, with the id of the plan that replaced them); decided POs are never
touched. Two plans for the same date saved at the same instant from two processes could both
stay live: run the planning flow one at a time (the flow's concurrency limit).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from orders.domain import (
    UNDECIDED,
    Order,
    OrderSummary,
    PlanDraft,
    PlanRecord,
    PlanSummary,
    POStatus,
    SeriesReview,
    group_orders,
)
from orders.errors import OrderNotFound, PlanNotFound
from orders.listing import OrderSort, orders_query
from orders.models import LineRow, OrderRow, PlanRow, ReviewRow
from orders.rows import as_utc, order_line, order_row, review_values, summary_fields
from orders.schema import ensure_schema
from orders.validation import validate_plan
from restock.engines import open_engine
from restock.home import HomePaths
from training.alias_history import default_database_url

__all__ = ["MAX_PAGE", "PurchaseOrderQueue"]

MAX_PAGE = 1000  # one page of the queue; more is a report, not a screen


def _reviews_of(session: Session, plan_id: int) -> list[SeriesReview]:
    """The plan's stored reviews; for a plan saved without any, its lines read as reviews."""
    reviews = sa.select(
        ReviewRow.sku,
        ReviewRow.location,
        ReviewRow.expected_demand,
        ReviewRow.inventory_position,
        ReviewRow.order_quantity,
    ).where(ReviewRow.plan_id == plan_id)
    rows = session.execute(reviews.order_by(ReviewRow.id)).tuples().all()
    if not rows:
        lines = sa.select(
            LineRow.sku,
            LineRow.location,
            LineRow.expected_demand,
            LineRow.inventory_position,
            LineRow.quantity,
        ).where(LineRow.plan_id == plan_id)
        rows = session.execute(lines.order_by(LineRow.id)).tuples().all()
    return [
        SeriesReview(
            sku=sku,
            location=location,
            expected_demand=demand,
            inventory_position=position,
            order_quantity=quantity,
        )
        for sku, location, demand, position, quantity in rows
    ]


class PurchaseOrderQueue:
    """The PO queue of one database: save plans, list and read POs, summarise plans."""

    def __init__(self, database: str | Engine) -> None:
        self._engine = open_engine(database)
        self._ready = False

    @classmethod
    def for_home(cls, paths: HomePaths) -> PurchaseOrderQueue:
        """The queue kept in the home's `restock.db`, beside the alias history."""
        return cls(default_database_url(paths))

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def engine(self) -> Engine:
        return self._engine

    def session(self) -> Session:
        """A new session on the queue's database, its tables made or upgraded on first use
        (`orders.schema`); the workflow runs each transition in one of these."""
        if not self._ready:
            ensure_schema(self._engine)
            self._ready = True
        return Session(self._engine)

    def save_plan(self, plan: PlanDraft) -> PlanRecord:
        """Store a plan and its POs in one transaction, superseding the review date's earlier
        undecided POs; raises `InvalidPlan` (a ValueError) before writing if a rule is broken.
        The plan's series reviews go in the same transaction."""
        validate_plan(plan)
        drafts = group_orders(plan)
        at = plan.created_at.astimezone(dt.UTC)
        with self.session() as session, session.begin():
            plan_row = PlanRow(
                review_date=plan.review_date,
                created_by=plan.created_by,
                created_at=at,
                auto_approve_below=plan.auto_approve_below,
            )
            session.add(plan_row)
            session.flush()
            earlier = sa.select(PlanRow.id).where(
                PlanRow.review_date == plan.review_date, PlanRow.id != plan_row.id
            )
            superseded = session.scalars(
                sa.update(OrderRow)
                .where(OrderRow.plan_id.in_(earlier), OrderRow.status.in_(UNDECIDED))
                .values(
                    status=POStatus.SUPERSEDED,
                    superseded_by_plan_id=plan_row.id,
                    version=OrderRow.version + 1,
                    updated_at=at,
                )
                .returning(OrderRow.id)
                .execution_options(synchronize_session=False)
            ).all()
            rows = [order_row(order, plan_id=plan_row.id, plan=plan) for order in drafts]
            session.add_all(rows)
            session.flush()
            if plan.reviews:
                # One executemany: a plan reviews every series, thousands of rows.
                session.execute(
                    sa.insert(ReviewRow),
                    [review_values(review, plan_id=plan_row.id) for review in plan.reviews],
                )
            return PlanRecord(
                plan_id=plan_row.id,
                review_date=plan.review_date,
                created_at=at,
                order_ids=tuple(row.id for row in rows),
                line_count=len(plan.lines),
                superseded_order_ids=tuple(sorted(superseded)),
            )

    def list_orders(
        self,
        *,
        status: POStatus | None = None,
        source: str | None = None,
        plan_id: int | None = None,
        flagged: bool | None = None,
        min_value: Decimal | None = None,
        max_value: Decimal | None = None,
        sort: OrderSort = "id",
        descending: bool = False,
        needs_approval_first: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[OrderSummary]:
        """POs oldest first (by id), optionally of one status, source (supplier or DC), plan,
        flagged or not, or value range (inclusive); `sort` by value, created_at or status (in
        workflow order), `descending` to reverse; `needs_approval_first` puts POs waiting for a
        person (proposed, pending, edited) before the rest, each part in the chosen order."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise ValueError(
                f"limit {limit} must be in 1..{MAX_PAGE} and offset {offset} >= 0; page through "
                "the queue with offset"
            )
        query = orders_query(
            status=status,
            source=source,
            plan_id=plan_id,
            flagged=flagged,
            min_value=min_value,
            max_value=max_value,
            sort=sort,
            descending=descending,
            needs_approval_first=needs_approval_first,
        )
        with self.session() as session:
            return [
                OrderSummary(**summary_fields(row, review_date))  # type: ignore[arg-type]
                for row, review_date in session.execute(query.limit(limit).offset(offset)).tuples()
            ]

    def get_order(self, order_id: int) -> Order:
        """One PO with its lines; raises `OrderNotFound` if there is no such id."""
        query = orders_query().where(OrderRow.id == order_id).options(selectinload(OrderRow.lines))
        with self.session() as session:
            found = session.execute(query).tuples().one_or_none()
            if found is None:
                raise OrderNotFound(order_id, database=self.url)
            row, review_date = found
            lines = tuple(order_line(line) for line in row.lines)
            return Order(**summary_fields(row, review_date), lines=lines)  # type: ignore[arg-type]

    def plan_summary(self, plan_id: int) -> PlanSummary:
        """The plan's POs counted and valued by current status; raises `PlanNotFound`."""
        with self.session() as session:
            plan = session.get(PlanRow, plan_id)
            if plan is None:
                raise PlanNotFound(plan_id, database=self.url)
            per_status = session.execute(
                sa.select(
                    OrderRow.status,
                    sa.func.count(),
                    sa.func.sum(OrderRow.line_count),
                    sa.func.sum(OrderRow.value),
                )
                .where(OrderRow.plan_id == plan_id)
                .group_by(OrderRow.status)
            ).tuples()
            by_status = dict.fromkeys(POStatus, 0)
            value_by_status = dict.fromkeys(POStatus, Decimal(0))
            line_count = 0
            for status, orders, lines, value in per_status:
                by_status[status] = orders
                value_by_status[status] = Decimal(value)
                line_count += int(lines)
            reviewed = session.scalar(
                sa.select(sa.func.count()).where(ReviewRow.plan_id == plan_id)
            )
            return PlanSummary(
                plan_id=plan.id,
                review_date=plan.review_date,
                created_by=plan.created_by,
                created_at=as_utc(plan.created_at),
                auto_approve_below=plan.auto_approve_below,
                order_count=sum(by_status.values()),
                line_count=line_count,
                series_reviewed=reviewed or line_count,
                total_value=sum(value_by_status.values(), Decimal(0)),
                by_status=by_status,
                value_by_status=value_by_status,
            )

    def latest_plan(self) -> PlanSummary | None:
        """The plan of the latest review date (its latest run); None before the first plan."""
        with self.session() as session:
            plan_id = session.scalar(
                sa.select(PlanRow.id)
                .order_by(PlanRow.review_date.desc(), PlanRow.id.desc())
                .limit(1)
            )
        return None if plan_id is None else self.plan_summary(plan_id)

    def plan_reviews(self, plan_id: int) -> list[SeriesReview]:
        """Every series the plan reviewed, in the plan's order; raises `PlanNotFound`.

        A plan saved without reviews (before they were recorded) gives its lines as reviews:
        the series it ordered, each with its line's quantity, in storage order.
        """
        with self.session() as session:
            if session.get(PlanRow, plan_id) is None:
                raise PlanNotFound(plan_id, database=self.url)
            return _reviews_of(session, plan_id)

    def previous_expected_demand(self, *, before: dt.date) -> dict[tuple[str, str], float]:
        """Expected demand per (sku, location) in the latest run of the latest review date
        strictly before `before`; empty when there is none.

        Read from that plan's reviews, so series it reviewed without ordering are there too;
        a plan saved without reviews (older plans) gives only the series it had lines for.
        """
        with self.session() as session:
            plan_id = session.scalar(
                sa.select(PlanRow.id)
                .where(PlanRow.review_date < before)
                .order_by(PlanRow.review_date.desc(), PlanRow.id.desc())
                .limit(1)
            )
            if plan_id is None:
                return {}
            return {
                (review.sku, review.location): review.expected_demand
                for review in _reviews_of(session, plan_id)
            }
