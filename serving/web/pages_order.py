"""A PO's page: its lines with the numbers behind each quantity, stockout risk and the live
model's top drivers, the decisions a buyer takes (approve, reject with a reason, edit a
quantity with a reason, release) and its audit trail.

Decisions call the same `orders.workflow` functions as the JSON API. Each form carries the PO
version the buyer read, so a decision someone else took meanwhile comes back as a conflict
that names who did what, and an idempotency key, so a form submitted twice acts once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from orders import workflow
from orders.decisions import Decision
from orders.domain import Order, OrderLine
from orders.errors import OrderNotFound, OrdersError
from serving.api_types import DB_INT_MAX, RowId, parse_db_int
from serving.audit import AuditEvent
from serving.deps import StateDep
from serving.forecasting import ForecastError, UnknownSeries
from serving.queue_service import AuditLogRecorder, order_history, standing
from serving.roles import Principal, Role
from serving.routers.queue import status_of
from serving.state import AppState
from serving.web.access import Buyer, BuyerOrPlanner, can
from serving.web.csrf import CsrfChecked
from serving.web.errors import PageError
from serving.web.forecast_view import explain_next, headline
from serving.web.queue_shared import REASON_MAX, new_key, policy
from serving.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

EXPLAINED_LINES = 50  # lines of one PO whose forecast drivers are computed for the page
_DONE = {
    "approve": "Approved.",
    "approve-partial": "Your approval is recorded; this PO needs one more approver.",
    "reject": "Rejected.",
    "edit": "Quantity changed. The PO now needs an approval from someone other than you.",
    "release": "Released to the supplier.",
    "replayed": "This form was already submitted: nothing was done a second time.",
}
_VERBS = {"po.approve": "approved", "po.reject": "rejected", "po.edit": "edited"}


@dataclass(frozen=True)
class LineView:
    line: OrderLine
    drivers: tuple[tuple[str, float, str], ...]  # group, units, words
    drivers_note: str


def _line_views(state: AppState, order: Order) -> list[LineView]:
    """Each line with the live model's top drivers of its series (business words); a series
    the model does not forecast (a DC's line) shows the drivers the plan stored instead."""
    views = []
    for i, line in enumerate(order.lines):
        drivers: tuple[tuple[str, float, str], ...] = ()
        note = ""
        if i < EXPLAINED_LINES:
            try:
                why = explain_next(state, line.sku, line.location, top=3)
            except UnknownSeries:
                note = f"{line.location} has no sales history of {line.sku} to explain"
            except ForecastError as e:
                note = str(e)
            else:
                drivers = tuple((d.group, d.impact, d.text) for d in why.drivers)
                note = headline(why) if drivers else why.summary
        if not drivers and line.explanation.drivers:
            drivers = tuple(
                (d.feature, d.contribution, f"{d.feature} {d.contribution:+.2f} units")
                for d in line.explanation.drivers
            )
            note = "the model features the plan recorded for this line"
        views.append(LineView(line=line, drivers=drivers, drivers_note=note))
    return views


def _latest_other(events: list[AuditEvent], me: str) -> AuditEvent | None:
    return next((e for e in reversed(events) if e.actor != me), None)


def _conflict_text(error: OrdersError, events: list[AuditEvent], me: str) -> str:
    """What happened meanwhile, in words: who decided what and when, then the error itself."""
    other = _latest_other(events, me)
    if other is None:
        return str(error)
    verb = _VERBS.get(other.action, other.action.removeprefix("po.").replace("_", " "))
    why = f" (reason: “{other.reason}”)" if other.reason else ""
    return (
        f"{other.actor} {verb} this PO at {other.at:%Y-%m-%d %H:%M} UTC{why} while you had it "
        f"open, so your decision was not applied. The page now shows the PO as it is; decide "
        f"again if you still need to. ({error})"
    )


def _order_page(
    request: Request,
    state: AppState,
    me: Principal,
    order_id: int,
    *,
    notice: str | None = None,
    problem: str | None = None,
    conflict: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        order = state.queue.get_order(order_id)
    except OrderNotFound:
        raise PageError(404, f"There is no PO {order_id}; go back to the queue.") from None
    now = standing(order, policy(state))
    events = order_history(state.audit, order_id)
    return render(
        request,
        state,
        "order.html",
        principal=me,
        title=f"PO {order.id}",
        status_code=status_code,
        order=order,
        standing=now,
        lines=_line_views(state, order),
        events=events,
        is_buyer=can(me, Role.BUYER),
        notice=notice,
        problem=problem,
        conflict=conflict,
        key=new_key(),
    )


@router.get("/queue/orders/{order_id}", response_class=HTMLResponse)
def order_page(
    order_id: RowId,
    request: Request,
    state: StateDep,
    me: BuyerOrPlanner,
    done: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    return _order_page(request, state, me, order_id, notice=_DONE.get(done))


def _decide(
    request: Request,
    state: AppState,
    me: Principal,
    order_id: int,
    act: Callable[..., Decision],
    **args: Any,
) -> Response:
    """Run one workflow transition; on success back to the PO (303), else the PO with the
    problem or the conflict explained, under the status the API would answer."""
    try:
        decision = act(
            queue_or_engine=state.queue,
            order_id=order_id,
            actor=me.username,
            recorder=AuditLogRecorder(state.audit),
            **args,
        )
    except OrderNotFound:
        raise PageError(404, f"There is no PO {order_id}; go back to the queue.") from None
    except OrdersError as e:
        code = status_of(e)
        if code == 409:
            events = order_history(state.audit, order_id)
            text = _conflict_text(e, events, me.username)
            return _order_page(request, state, me, order_id, conflict=text, status_code=409)
        return _order_page(request, state, me, order_id, problem=str(e), status_code=code)
    done = decision.action.value
    if decision.replayed:
        done = "replayed"
    elif done == "approve" and decision.approvals_missing:
        done = "approve-partial"
    return RedirectResponse(f"/queue/orders/{order_id}?done={done}", status_code=303)


Version = Annotated[int, Form(ge=1, le=DB_INT_MAX)]
Reason = Annotated[str, Form(max_length=REASON_MAX)]
Key = Annotated[str, Form(max_length=64)]


@router.post("/queue/orders/{order_id}/approve", response_model=None)
def approve(
    order_id: RowId,
    request: Request,
    state: StateDep,
    me: Buyer,
    _: CsrfChecked,
    expected_version: Version,
    reason: Reason = "",
    idempotency_key: Key = "",
) -> Response:
    return _decide(
        request,
        state,
        me,
        order_id,
        workflow.approve,
        expected_version=expected_version,
        thresholds=policy(state),
        reason=reason.strip() or None,
        idempotency_key=idempotency_key or None,
    )


@router.post("/queue/orders/{order_id}/reject", response_model=None)
def reject(
    order_id: RowId,
    request: Request,
    state: StateDep,
    me: Buyer,
    _: CsrfChecked,
    expected_version: Version,
    reason: Reason = "",
    idempotency_key: Key = "",
) -> Response:
    return _decide(
        request,
        state,
        me,
        order_id,
        workflow.reject,
        expected_version=expected_version,
        reason=reason,
        idempotency_key=idempotency_key or None,
    )


@router.post("/queue/orders/{order_id}/release", response_model=None)
def release(
    order_id: RowId,
    request: Request,
    state: StateDep,
    me: Buyer,
    _: CsrfChecked,
    expected_version: Version,
    reason: Reason = "",
    idempotency_key: Key = "",
) -> Response:
    return _decide(
        request,
        state,
        me,
        order_id,
        workflow.release,
        expected_version=expected_version,
        reason=reason.strip() or None,
        idempotency_key=idempotency_key or None,
    )


@router.post("/queue/orders/{order_id}/lines/{line_id}/edit", response_model=None)
def edit_line(
    order_id: RowId,
    line_id: RowId,
    request: Request,
    state: StateDep,
    me: Buyer,
    _: CsrfChecked,
    expected_version: Version,
    quantity: Annotated[str, Form(max_length=16)] = "",
    reason: Reason = "",
    idempotency_key: Key = "",
) -> Response:
    units = parse_db_int(quantity)
    if units is None:
        text = f"the new quantity must be a whole number of units; got {quantity!r}"
        return _order_page(request, state, me, order_id, problem=text, status_code=422)
    return _decide(
        request,
        state,
        me,
        order_id,
        workflow.edit_quantity,
        line_id=line_id,
        quantity=units,
        expected_version=expected_version,
        reason=reason,
        idempotency_key=idempotency_key or None,
    )
