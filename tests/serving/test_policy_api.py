"""Approval thresholds over HTTP: readers see them, only an admin changes them, with a reason,
audited. Runs on a copy of the trained home: once changed, the thresholds no longer follow the
settings, which other tests of the session rely on."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from serving.audit import AuditLog
from tests.serving.conftest import auth, served_settings


@pytest.fixture(scope="module")
def client(
    trained_home: Path, tokens: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("policy") / "home"
    shutil.copytree(trained_home, home)  # after the users exist: their tokens work in the copy
    with TestClient(create_app(served_settings(home))) as c:
        yield c


def test_an_admin_changes_the_thresholds_and_the_audit_says_why(
    client: TestClient, tokens: dict[str, str]
) -> None:
    before = client.get("/api/approval-policy", headers=auth(tokens, "buyer"))
    assert before.status_code == 200
    body = {"auto_approve_below": "250", "dual_approval_above": "5000", "reason": "Q4 controls"}
    refused = client.put("/api/approval-policy", json=body, headers=auth(tokens, "buyer"))
    assert refused.status_code == 403
    done = client.put("/api/approval-policy", json=body, headers=auth(tokens, "admin"))
    assert done.status_code == 200, done.text
    assert done.json()["actor"] == "ann-admin" and done.json()["reason"] == "Q4 controls"
    now = client.get("/api/approval-policy", headers=auth(tokens, "planner")).json()
    assert float(now["auto_approve_below"]) == 250 and float(now["dual_approval_above"]) == 5000
    history = client.get("/api/approval-policy/history", headers=auth(tokens, "buyer")).json()
    assert history[-1]["reason"] == "Q4 controls"
    state = client.app.state.restock  # type: ignore[attr-defined]
    events = [
        e
        for e in AuditLog(state.settings.database).events()
        if e.action.startswith("approval_policy")
    ]
    assert events and events[-1].after == {
        "auto_approve_below": "250.0000",
        "dual_approval_above": "5000.0000",
    }
    # Put the settings' thresholds back for the other tests of the session.
    restore = {**before.json(), "reason": "back to the settings"}
    assert (
        client.put("/api/approval-policy", json=restore, headers=auth(tokens, "admin")).status_code
        == 200
    )


def test_contradicting_or_unexplained_thresholds_are_refused(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = auth(tokens, "admin")
    crossed = {"auto_approve_below": "9000", "dual_approval_above": "100", "reason": "oops"}
    answer = client.put("/api/approval-policy", json=crossed, headers=admin)
    assert answer.status_code == 422 and "auto_approve_below" in answer.json()["detail"]
    negative = {"auto_approve_below": "-1", "dual_approval_above": None, "reason": "why not"}
    assert client.put("/api/approval-policy", json=negative, headers=admin).status_code == 422
    silent = {"auto_approve_below": "10", "dual_approval_above": "100"}
    assert client.put("/api/approval-policy", json=silent, headers=admin).status_code == 422
