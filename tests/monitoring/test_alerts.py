"""Alerts: raised with a scope, listed while active, resolved once, never deleted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from monitoring.alerts import Alert, Alerts


@pytest.fixture
def alerts(tmp_path: Path) -> Alerts:
    return Alerts(f"sqlite:///{tmp_path}/r.db")


def test_raise_list_resolve(alerts: Alerts) -> None:
    drift = alerts.raise_alert(
        Alert(kind="data_drift", severity="warning", message="price drifted", segment="AX")
    )
    other = alerts.raise_alert(Alert(kind="rollback", severity="critical", message="rolled back"))
    assert drift.id is not None and drift.raised_at is not None
    assert drift.raised_at.tzinfo is not None
    assert [a.id for a in alerts.active()] == [drift.id, other.id]
    assert [a.id for a in alerts.active(kinds=("data_drift",))] == [drift.id]
    when = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    resolved = alerts.resolve(drift.id, at=when)
    assert resolved.resolved_at == when
    assert alerts.resolve(drift.id).resolved_at == when  # the first resolution stays
    assert [a.id for a in alerts.active()] == [other.id]


@pytest.mark.parametrize(
    ("scope", "covered"),
    [
        ({}, True),
        ({"segment": "AX"}, True),
        ({"segment": "CZ"}, False),
        ({"sku": "A1", "location": "S1"}, True),
        ({"sku": "A1", "location": "S2"}, False),
    ],
)
def test_scope(scope: dict[str, str], covered: bool) -> None:
    alert = Alert(kind="data_drift", severity="warning", message="m", **scope)  # type: ignore[arg-type]
    assert alert.covers(sku="A1", location="S1", segment="AX") is covered


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "nonsense"}, "alert kind"),
        ({"severity": "loud"}, "severity"),
        ({"message": " "}, "needs a message"),
    ],
)
def test_bad_alerts_are_refused(alerts: Alerts, change: dict[str, str], message: str) -> None:
    fields = {"kind": "data_drift", "severity": "warning", "message": "m"} | change
    with pytest.raises(ValueError, match=message):
        alerts.raise_alert(Alert(**fields))  # type: ignore[arg-type]
    assert alerts.active() == []


def test_unknown_alert(alerts: Alerts) -> None:
    with pytest.raises(LookupError, match="no alert with id 7"):
        alerts.resolve(7)
