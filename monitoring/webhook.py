"""POST alerts to a webhook without ever blocking or failing the caller.

`WebhookSink.post` hands the payload to one background thread and returns a `Future` at once;
the thread tries up to `1 + retries` times, each attempt bounded by `timeout` seconds, waiting
`backoff * 2**(k-1)` before retry k. Connection errors, timeouts, 429 and 5xx are retried (they
may pass); other 4xx are not (the request itself is wrong). Whatever happens, the result is a
`Delivery` saying what happened, logged as a warning on failure, never an exception: an alert
that cannot be delivered must not stop the flow that raised it (it is in the database anyway).

At most `max_pending` deliveries wait at once; beyond that new ones are dropped with a warning,
so a dead endpoint cannot grow memory without bound. `close()` waits a bounded time for those
pending. The worker is a normal (non-daemon) thread: a process that exits lets the pending
deliveries finish, which takes at most about (1 + retries) x timeout plus the backoffs.

Log lines name the endpoint's host only: webhook URLs often carry a token in their path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

__all__ = ["Delivery", "WebhookSink"]

log = logging.getLogger("restock.monitoring.webhook")


@dataclass(frozen=True)
class Delivery:
    """How one POST ended: delivered or not, after how many attempts, last status or error."""

    ok: bool
    attempts: int
    status: int | None
    error: str | None
    seconds: float


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


class WebhookSink:
    """Background JSON POSTs to one URL with a timeout and retries (module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_pending: int = 100,
    ) -> None:
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError(
                f"webhook URL must be http(s)://host/...; got scheme {parsed.scheme!r}"
            )
        if timeout <= 0 or retries < 0 or backoff < 0 or max_pending < 1:
            raise ValueError("timeout must be > 0, retries and backoff >= 0, max_pending >= 1")
        self._url = url
        self.host = parsed.host
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._max_pending = max_pending
        self._pending: set[Future[Delivery]] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()  # set by close(): stop waiting between retries
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="restock-webhook")

    def send(self, payload: Mapping[str, Any]) -> Delivery:
        """POST `payload` as JSON now, with retries, in the calling thread; never raises."""
        started = time.perf_counter()
        if self._closed.is_set():
            return Delivery(False, 0, None, "dropped: sink closed", 0.0)
        status: int | None = None
        error: str | None = None
        attempts = 0
        with httpx.Client(timeout=self._timeout) as client:
            for attempt in range(1 + self._retries):
                if attempt:
                    # Event.wait rather than sleep: close() cuts the backoff short.
                    if self._closed.wait(self._backoff * 2 ** (attempt - 1)):
                        error = (error or "") + " (stopped: sink closed)"
                        break
                attempts += 1
                try:
                    response = client.post(self._url, json=dict(payload))
                except httpx.HTTPError as e:
                    status, error = None, f"{type(e).__name__}: {e}"
                    continue
                status = response.status_code
                if response.is_success:
                    return Delivery(True, attempts, status, None, time.perf_counter() - started)
                error = f"HTTP {status}"
                if not _retryable(status):
                    break
        delivery = Delivery(False, attempts, status, error, time.perf_counter() - started)
        log.warning(
            "alert webhook to %s failed after %d attempt(s): %s", self.host, attempts, error
        )
        return delivery

    def post(self, payload: Mapping[str, Any]) -> Future[Delivery]:
        """Queue a POST and return at once; the future's result says how it ended."""
        with self._lock:
            if self._closed.is_set() or len(self._pending) >= self._max_pending:
                why = "sink closed" if self._closed.is_set() else f"{self._max_pending} pending"
                log.warning("alert webhook to %s dropped an alert: %s", self.host, why)
                dropped: Future[Delivery] = Future()
                dropped.set_result(Delivery(False, 0, None, f"dropped: {why}", 0.0))
                return dropped
            future = self._executor.submit(self.send, dict(payload))
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Delivery]) -> None:
        with self._lock:
            self._pending.discard(future)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait up to `timeout` seconds for queued deliveries; True when none is left."""
        with self._lock:
            pending = list(self._pending)
        _, not_done = wait_futures(pending, timeout=timeout)
        return not not_done

    def close(self, timeout: float | None = 10.0) -> None:
        """Wait up to `timeout` seconds for pending deliveries; the rest end at their next
        attempt (at most one timeout) as 'dropped: sink closed'."""
        self.flush(timeout)
        self._closed.set()
        self._executor.shutdown(wait=False)

    def __enter__(self) -> WebhookSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
