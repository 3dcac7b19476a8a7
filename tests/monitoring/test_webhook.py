"""The webhook sink against a real HTTP server on loopback: retries, timeouts, a server that is
down or slow, and a caller that is never blocked or failed."""

from __future__ import annotations

import time

import pytest

from monitoring.webhook import WebhookSink
from tests.monitoring.webhook_server import Script, closed_port_url, webhook_server

PAYLOAD = {"kind": "data_drift", "severity": "warning", "message": "demand drifted"}


def test_delivered_after_two_server_errors() -> None:
    script = Script(statuses=[500, 503, 200])
    with webhook_server(script) as url, WebhookSink(url, retries=3, backoff=0.01) as sink:
        delivery = sink.post(PAYLOAD).result(timeout=10)
    assert delivery.ok and delivery.attempts == 3 and delivery.status == 200
    assert script.received == [PAYLOAD] * 3


def test_a_client_error_is_not_retried() -> None:
    script = Script(statuses=[400])
    with webhook_server(script) as url, WebhookSink(url, retries=3, backoff=0.01) as sink:
        delivery = sink.post(PAYLOAD).result(timeout=10)
    assert not delivery.ok and delivery.attempts == 1 and delivery.error == "HTTP 400"


def test_retries_end_with_the_last_server_error() -> None:
    script = Script(statuses=[502])
    with webhook_server(script) as url, WebhookSink(url, retries=2, backoff=0.01) as sink:
        delivery = sink.post(PAYLOAD).result(timeout=10)
    assert not delivery.ok and delivery.attempts == 3 and delivery.status == 502


def test_a_down_server_neither_blocks_nor_fails_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = WebhookSink(closed_port_url(), retries=2, backoff=0.05)
    started = time.perf_counter()
    future = sink.post(PAYLOAD)
    assert time.perf_counter() - started < 0.25  # returned at once (generous: a loaded CI box)
    delivery = future.result(timeout=10)
    assert not delivery.ok and delivery.attempts == 3 and delivery.status is None
    assert "ConnectError" in (delivery.error or "")
    assert "failed after 3 attempt(s)" in caplog.text and "/down" not in caplog.text
    sink.close()


def test_a_slow_server_times_out_each_attempt() -> None:
    script = Script(statuses=[200], delay=5.0)
    with webhook_server(script) as url:
        sink = WebhookSink(url, timeout=0.3, retries=1, backoff=0.01)
        started = time.perf_counter()
        future = sink.post(PAYLOAD)
        assert not future.done()  # the caller goes on while the first attempt waits
        delivery = future.result(timeout=10)
        elapsed = time.perf_counter() - started
        sink.close()
    assert not delivery.ok and delivery.attempts == 2 and "Timeout" in (delivery.error or "")
    assert 0.6 <= elapsed < 4.0  # two 0.3 s attempts, far from the server's 5 s each


def test_pending_deliveries_are_bounded_and_close_stops_retrying() -> None:
    sink = WebhookSink(closed_port_url(), retries=5, backoff=5.0, max_pending=1)
    first = sink.post(PAYLOAD)
    dropped = sink.post(PAYLOAD).result(timeout=1)
    assert not dropped.ok and dropped.attempts == 0 and "1 pending" in (dropped.error or "")
    started = time.perf_counter()
    sink.close(timeout=0.1)  # the first delivery is waiting 5 s before its retry
    delivery = first.result(timeout=2)
    assert time.perf_counter() - started < 1.5
    assert not delivery.ok and "stopped" in (delivery.error or "")
    late = sink.post(PAYLOAD).result(timeout=1)
    assert "sink closed" in (late.error or "")


@pytest.mark.parametrize("url", ["ftp://example.org/x", "not a url", "http:///path"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        WebhookSink(url)
