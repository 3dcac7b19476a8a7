"""Approval thresholds changed at run time: in force at once, history kept, audited with the
change in one transaction, refused without a reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from orders.policy_store import POLICY_ENTITY, ApprovalPolicyStore
from orders.repository import PurchaseOrderQueue
from orders.thresholds import ApprovalThresholds

DEFAULT = ApprovalThresholds(Decimal("1000"), Decimal("25000"))


class Recorder:
    """A real recorder writing nothing but remembering the calls (and able to fail)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail = fail

    def record(self, *, session: Session | None = None, **event: Any) -> object:
        assert session is not None, "the event must share the change's transaction"
        if self.fail:
            raise RuntimeError("audit store down")
        self.events.append(event)
        return None


@pytest.fixture
def store(tmp_path: Path) -> ApprovalPolicyStore:
    queue = PurchaseOrderQueue(f"sqlite:///{tmp_path / 'restock.db'}")
    return ApprovalPolicyStore(queue, default=DEFAULT)


def test_the_settings_rule_until_an_admin_changes_them(store: ApprovalPolicyStore) -> None:
    assert store.current() == DEFAULT and store.history() == []
    audit = Recorder()
    new = ApprovalThresholds(Decimal("500"), None)
    store.change(new, actor="ada-admin", reason="tighter after the audit", audit=audit)
    assert store.current() == new
    (change,) = store.history()
    assert (change.actor, change.reason, change.thresholds) == (
        "ada-admin",
        "tighter after the audit",
        new,
    )
    (event,) = audit.events
    assert event["entity_type"] == POLICY_ENTITY and event["action"] == "approval_policy.change"
    assert event["before"] == {
        "auto_approve_below": "1000.0000",
        "dual_approval_above": "25000.0000",
    }
    assert event["after"] == {"auto_approve_below": "500.0000", "dual_approval_above": None}


def test_a_failed_audit_leaves_the_thresholds_unchanged(store: ApprovalPolicyStore) -> None:
    with pytest.raises(RuntimeError, match="audit store down"):
        store.change(DEFAULT, actor="ada-admin", reason="x", audit=Recorder(fail=True))
    assert store.history() == [] and store.current() == DEFAULT


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_change_needs_a_reason(store: ApprovalPolicyStore, reason: str) -> None:
    with pytest.raises(ValueError, match="reason"):
        store.change(DEFAULT, actor="ada-admin", reason=reason, audit=Recorder())
