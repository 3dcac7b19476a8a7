"""Publishing a monitoring run: breaches and decisions stored, logged, POSTed once, cleared when
their condition is gone."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from monitoring.alerts import Alert, Alerts
from monitoring.decision import NoOp, Retrain, Rollback, Trigger
from monitoring.notify import Notifier, publish
from monitoring.service_level import ServiceBreach
from monitoring.webhook import WebhookSink
from restock.settings import Settings
from tests.monitoring.webhook_server import Script, closed_port_url, webhook_server

MODEL = "demand-forecaster"
NOW = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
DRIFT = Trigger("data_drift", "features: drift detected, 12/23 columns drifted")
BREACH = ServiceBreach(
    segment="AX",
    measure="fill_rate",
    target=0.99,
    achieved=(0.97, 0.96, 0.95),
    period_starts=(dt.date(2026, 9, 10), dt.date(2026, 9, 17), dt.date(2026, 9, 24)),
    period_end=dt.date(2026, 9, 30),
)


@pytest.fixture
def alerts(tmp_path: Path) -> Alerts:
    return Alerts(f"sqlite:///{tmp_path}/restock.db")


def test_a_run_raises_posts_then_dedupes_then_clears(
    alerts: Alerts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="restock.monitoring")
    script = Script()
    with webhook_server(script) as url:
        notifier = Notifier(alerts, webhook=WebhookSink(url, backoff=0.01))
        retrain = Retrain("retrain demand-forecaster v2: drift", (DRIFT,))
        first = publish(notifier, model_name=MODEL, decision=retrain, breaches=[BREACH], now=NOW)
        assert [a.kind for a in first.raised] == ["data_drift", "service_level"]
        assert first.decision is not None and first.decision.kind == "retrain"
        assert notifier.webhook is not None and notifier.webhook.flush(10)
        assert [p["kind"] for p in script.received] == ["data_drift", "service_level", "retrain"]
        assert script.received[1]["segment"] == "AX" and script.received[0]["id"] is not None

        later = NOW + dt.timedelta(days=1)
        second = publish(notifier, model_name=MODEL, decision=retrain, breaches=[BREACH], now=later)
        assert second.raised == [] and len(second.already_active) == 2
        assert notifier.webhook.flush(10)
        assert [p["kind"] for p in script.received][3:] == ["retrain"]  # a decision is an event

        healthy = NoOp("demand-forecaster v2 healthy")
        third = publish(notifier, model_name=MODEL, decision=healthy, now=later)
        notifier.close()
    assert sorted(a.kind for a in third.resolved) == ["data_drift", "service_level"]
    assert third.decision is not None and third.decision.resolved_at is not None
    assert len(script.received) == 4  # the info record is not POSTed
    assert [a.kind for a in alerts.active()] == ["retrain", "retrain"]
    assert alerts.recent(limit=1)[0].kind == "no_action"
    assert "alert data_drift [warning] (model demand-forecaster)" in caplog.text
    assert "condition cleared" in caplog.text


def test_an_active_drift_alert_covers_every_series_for_planning(alerts: Alerts) -> None:
    notifier = Notifier(alerts)
    publish(notifier, model_name=MODEL, decision=NoOp("cooldown", (DRIFT,)), now=NOW)
    (drift,) = alerts.active(kinds=("data_drift",))
    assert drift.covers(sku="any", location="S1", segment="CZ")


def test_a_rollback_is_critical_and_never_merged(alerts: Alerts) -> None:
    notifier = Notifier(alerts)
    rollback = Rollback("v2 worse than v1", MODEL, 2, 1)
    publish(notifier, model_name=MODEL, decision=rollback, now=NOW)
    publish(notifier, model_name=MODEL, decision=rollback, now=NOW)
    active = alerts.active(kinds=("rollback",))
    assert len(active) == 2 and {a.severity for a in active} == {"critical"}


def test_a_failing_webhook_does_not_fail_the_run(alerts: Alerts) -> None:
    notifier = Notifier(alerts, webhook=WebhookSink(closed_port_url(), retries=1, backoff=0.01))
    published = publish(
        notifier, model_name=MODEL, decision=Retrain("drift", (DRIFT,)), breaches=[], now=NOW
    )
    assert [a.kind for a in published.raised] == ["data_drift"]
    notifier.close(timeout=5)
    assert {a.kind for a in alerts.active()} == {"data_drift", "retrain"}


def test_settings_build_the_sink_and_refuse_bad_urls(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, monitoring={"webhook_url": "http://127.0.0.1:9/x"})
    notifier = Notifier.from_settings(settings)
    assert notifier.webhook is not None and notifier.webhook.host == "127.0.0.1"
    notifier.close(timeout=0)
    assert Notifier.from_settings(Settings(home=tmp_path)).webhook is None
    with pytest.raises(ValueError, match="webhook_url"):
        Settings(home=tmp_path, monitoring={"webhook_url": "ftp://x"})
    with pytest.raises(ValueError, match="webhook_min_severity"):
        Notifier(Alerts(f"sqlite:///{tmp_path}/r.db"), webhook_min_severity="loud")


def test_raising_a_resolved_record_and_finding_active_ones(alerts: Alerts) -> None:
    record = alerts.raise_alert(
        Alert(kind="no_action", severity="info", message="ok", raised_at=NOW, resolved_at=NOW)
    )
    assert record.resolved_at == NOW and alerts.active() == []
    like = Alert(kind="service_level", severity="warning", message="m", segment="AX")
    assert alerts.find_active(like) is None
    stored = alerts.raise_alert(like)
    assert alerts.find_active(like) == stored
    assert alerts.find_active(Alert(kind="service_level", severity="warning", message="m")) is None
    assert [a.id for a in alerts.recent(limit=5)] == [stored.id, record.id]
    with pytest.raises(ValueError, match="limit"):
        alerts.recent(limit=0)
