"""What monitoring raises: one alert per decision and per threshold breach (pure builders).

| source | kind | severity | scope |
|---|---|---|---|
| feature drift trigger | data_drift | warning | model |
| prediction drift trigger | prediction_drift | warning | model |
| accuracy decay / intervals off | accuracy_decay | warning | model |
| segment below its service target N periods in a row | service_level | warning | segment |
| Rollback decision | rollback | critical | model |
| Retrain decision | retrain | warning | model |
| NoOp decision | no_action | info, stored resolved (a record) | model |

A drift alert scoped to the model covers every series, so planning flags every PO line while it
is active (`planning.flags.under_drift_alert`): drift means the forecasts behind the orders
are less trustworthy, and a human should look before they go out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from monitoring.alerts import Alert
from monitoring.decision import Decision, Retrain, Rollback
from monitoring.service_level import ServiceBreach

__all__ = ["alert_payload", "breach_alerts", "decision_alert", "service_alerts"]


def decision_alert(decision: Decision, *, model_name: str, now: dt.datetime) -> Alert:
    """The alert recording a decision; a NoOp is stored already resolved (nothing to act on)."""
    if isinstance(decision, Rollback):
        return Alert(
            kind="rollback",
            severity="critical",
            message=decision.reason,
            model_name=model_name,
            raised_at=now,
        )
    if isinstance(decision, Retrain):
        return Alert(
            kind="retrain",
            severity="warning",
            message=decision.reason,
            model_name=model_name,
            raised_at=now,
        )
    return Alert(
        kind="no_action",
        severity="info",
        message=decision.reason,
        model_name=model_name,
        raised_at=now,
        resolved_at=now,
    )


def breach_alerts(decision: Decision, *, model_name: str, now: dt.datetime) -> list[Alert]:
    """One warning per breach found (drift, decay), whatever was decided: a rollback or a
    cooldown may come first, the alert still goes out."""
    return [
        Alert(
            kind=trigger.kind,
            severity="warning",
            message=trigger.message,
            model_name=model_name,
            raised_at=now,
        )
        for trigger in decision.triggers
    ]


def service_alerts(breaches: Sequence[ServiceBreach], *, now: dt.datetime) -> list[Alert]:
    """One warning per segment below its service target for the required periods in a row."""
    return [
        Alert(
            kind="service_level",
            severity="warning",
            message=breach.message(),
            segment=breach.segment,
            raised_at=now,
        )
        for breach in breaches
    ]


def alert_payload(alert: Alert) -> dict[str, Any]:
    """The JSON body POSTed to the webhook."""
    return {
        "source": "restock",
        "id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "message": alert.message,
        "model_name": alert.model_name,
        "segment": alert.segment,
        "sku": alert.sku,
        "location": alert.location,
        "raised_at": None if alert.raised_at is None else alert.raised_at.isoformat(),
        "resolved_at": None if alert.resolved_at is None else alert.resolved_at.isoformat(),
    }
