"""What the queue's pages share: the approval policy of the settings, as a page error when it
is misconfigured, and the idempotency key each decision form carries."""

from __future__ import annotations

import secrets

from orders.thresholds import ApprovalThresholds
from serving.queue_service import approval_policy
from serving.state import AppState
from serving.web.errors import PageError

__all__ = ["REASON_MAX", "new_key", "policy"]

REASON_MAX = 2000  # characters of a reason or note, as in the API


def policy(state: AppState) -> ApprovalThresholds:
    """The approval thresholds in force; a 503 page when the settings' two contradict."""
    try:
        return approval_policy(state.queue, state.settings).current()
    except ValueError as e:
        raise PageError(503, f"The approval thresholds are misconfigured: {e}") from None


def new_key() -> str:
    """A fresh idempotency key for one form: submitted twice, it acts once."""
    return secrets.token_urlsafe(16)
