"""The HTTP status of each `orders.errors` domain error, shared by `/api/queue` and the buyer's
web pages (`serving.web.pages_queue`, `serving.web.pages_order`)."""

from __future__ import annotations

from fastapi import HTTPException, status

from orders.errors import (
    IdempotencyConflict,
    InvalidPlan,
    InvalidRequest,
    InvalidTransition,
    LineNotFound,
    OrderNotFound,
    OrdersError,
    PlanNotFound,
    SegregationOfDuties,
    StaleVersion,
)

__all__ = ["status_of"]

# Checked in order: the first matching class wins (subclasses sit before their bases).
_STATUS: tuple[tuple[type[OrdersError], int], ...] = (
    (OrderNotFound, status.HTTP_404_NOT_FOUND),
    (PlanNotFound, status.HTTP_404_NOT_FOUND),
    (LineNotFound, status.HTTP_404_NOT_FOUND),
    (InvalidRequest, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (InvalidPlan, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (SegregationOfDuties, status.HTTP_403_FORBIDDEN),  # DuplicateApprover too
    (InvalidTransition, status.HTTP_409_CONFLICT),  # AlreadyDecided too
    (StaleVersion, status.HTTP_409_CONFLICT),
    (IdempotencyConflict, status.HTTP_409_CONFLICT),
)


def status_of(error: OrdersError) -> int:
    """The HTTP status of a domain error (`orders.errors`); 409 for any other conflict."""
    return next((code for kind, code in _STATUS if isinstance(error, kind)), 409)


def _http(error: OrdersError) -> HTTPException:
    return HTTPException(status_of(error), str(error))
