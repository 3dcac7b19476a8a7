"""Deliver alerts: store in the database, log, and POST to the webhook when one is set.

`Notifier.emit` does all three for one alert. An alert already active with the same kind, model
and scope is not raised again (drift that lasts a week is one alert, not seven, and the webhook
is not paged daily); `clear` resolves active alerts whose condition is gone, which lifts the
`drift_alert` flag from the next plan's PO lines. `publish` applies both to one monitoring run.

Only warnings and criticals are POSTed by default (`webhook_min_severity`): an info record (a
"no action" decision) is for the history, not for paging anyone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType

from monitoring.alerting import alert_payload, breach_alerts, decision_alert, service_alerts
from monitoring.alerts import SEVERITIES, Alert, Alerts
from monitoring.decision import Decision
from monitoring.service_level import ServiceBreach
from monitoring.webhook import WebhookSink
from restock.settings import Settings

__all__ = ["Notifier", "Published", "publish"]

log = logging.getLogger("restock.monitoring")
_LOG_LEVEL = {"info": logging.INFO, "warning": logging.WARNING, "critical": logging.ERROR}
# Kinds one monitoring run re-evaluates for a model: active ones not raised again are cleared.
MODEL_KINDS: tuple[str, ...] = ("data_drift", "prediction_drift", "accuracy_decay")
SEGMENT_KINDS: tuple[str, ...] = ("service_level",)


class Notifier:
    """Store, log and (optionally) POST alerts; see the module docstring."""

    def __init__(
        self,
        alerts: Alerts,
        *,
        webhook: WebhookSink | None = None,
        webhook_min_severity: str = "warning",
    ) -> None:
        if webhook_min_severity not in SEVERITIES:
            raise ValueError(f"webhook_min_severity must be one of {list(SEVERITIES)}")
        self.alerts = alerts
        self.webhook = webhook
        self._min_rank = SEVERITIES.index(webhook_min_severity)

    @classmethod
    def from_settings(cls, settings: Settings) -> Notifier:
        """The home's alerts table and, when `RESTOCK_MONITORING__WEBHOOK_URL` is set, its sink."""
        m = settings.monitoring
        webhook = None
        if m.webhook_url:
            webhook = WebhookSink(
                m.webhook_url,
                timeout=m.webhook_timeout_seconds,
                retries=m.webhook_retries,
                backoff=m.webhook_backoff_seconds,
            )
        return cls(
            Alerts(settings.database),
            webhook=webhook,
            webhook_min_severity=m.webhook_min_severity,
        )

    def emit(self, alert: Alert, *, dedupe: bool = True) -> tuple[Alert, bool]:
        """Store, log and post `alert`; returns (the stored alert, True) or, with `dedupe` and
        the same alert already active, (that one, False) without storing or posting again."""
        if dedupe and alert.resolved_at is None:
            existing = self.alerts.find_active(alert)
            if existing is not None:
                log.debug("alert %s already active (id %s): %s", alert.kind, existing.id, alert)
                return existing, False
        stored = self.alerts.raise_alert(alert)
        scope = ", ".join(
            f"{name} {value}"
            for name, value in (
                ("model", stored.model_name),
                ("segment", stored.segment),
                ("sku", stored.sku),
                ("location", stored.location),
            )
            if value is not None
        )
        log.log(
            _LOG_LEVEL[stored.severity],
            "alert %s [%s]%s: %s",
            stored.kind,
            stored.severity,
            f" ({scope})" if scope else "",
            stored.message,
        )
        if self.webhook is not None and SEVERITIES.index(stored.severity) >= self._min_rank:
            self.webhook.post(alert_payload(stored))
        return stored, True

    def clear(
        self,
        *,
        kinds: Sequence[str],
        model_name: str | None,
        keep: Sequence[Alert] = (),
        at: dt.datetime | None = None,
    ) -> list[Alert]:
        """Resolve active alerts of `kinds` for `model_name` (None: alerts without a model)
        except those in `keep`; returns the resolved ones."""
        keep_ids = {a.id for a in keep}
        resolved = []
        for alert in self.alerts.active(kinds=tuple(kinds)):
            if alert.model_name != model_name or alert.id in keep_ids or alert.id is None:
                continue
            resolved.append(self.alerts.resolve(alert.id, at=at))
            log.info("alert %s (id %s) resolved: condition cleared", alert.kind, alert.id)
        return resolved

    def close(self, timeout: float | None = 10.0) -> None:
        """Give pending webhook deliveries up to `timeout` seconds."""
        if self.webhook is not None:
            self.webhook.close(timeout)

    def __enter__(self) -> Notifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class Published:
    """What one monitoring run raised (new or still active) and what it resolved."""

    raised: list[Alert] = field(default_factory=list)
    already_active: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    decision: Alert | None = None


def publish(
    notifier: Notifier,
    *,
    model_name: str,
    decision: Decision,
    breaches: Sequence[ServiceBreach] = (),
    now: dt.datetime | None = None,
) -> Published:
    """Raise the run's alerts (each breach, then the decision) and resolve the model's drift,
    decay and service-level alerts that this run no longer found."""
    when = now or dt.datetime.now(dt.UTC)
    raised: list[Alert] = []
    active: list[Alert] = []
    model_alerts = breach_alerts(decision, model_name=model_name, now=when)
    segment_alerts = service_alerts(breaches, now=when)
    for alert in [*model_alerts, *segment_alerts]:
        stored, new = notifier.emit(alert)
        (raised if new else active).append(stored)
    current = [*raised, *active]
    resolved = notifier.clear(kinds=MODEL_KINDS, model_name=model_name, keep=current, at=when)
    resolved += notifier.clear(kinds=SEGMENT_KINDS, model_name=None, keep=current, at=when)
    # A decision is an event: two rollbacks are two alerts, never merged into one.
    decision_record = decision_alert(decision, model_name=model_name, now=when)
    decided, _ = notifier.emit(decision_record, dedupe=False)
    return Published(raised=raised, already_active=active, resolved=resolved, decision=decided)
