"""Keeps the forecast cache warm so requests find their answers computed.

After start-up, and whenever the champion or the panel changes (the cache key moves), a daemon
thread computes the forecasts and drivers of the first `limit` series (the panel's order) in
chunks: one featurising pass per chunk (`ForecastService.forecast_many`), TreeSHAP per series.
A request for a series not yet warmed is computed on demand as before, so the prefetcher only
ever saves time; its errors are kept for `/health`-style inspection, never raised.
"""

from __future__ import annotations

import logging
import threading

from serving.forecasting import ForecastError, ForecastService

__all__ = ["Prefetcher"]

log = logging.getLogger("restock.serving")


class Prefetcher:
    def __init__(
        self,
        forecasts: ForecastService,
        *,
        limit: int,
        chunk: int = 64,
        check_seconds: float = 5.0,
    ) -> None:
        if limit < 0 or chunk < 1 or check_seconds <= 0:
            raise ValueError("prefetch needs limit >= 0, chunk >= 1 and check_seconds > 0")
        self._forecasts = forecasts
        self._limit = limit
        self._chunk = chunk
        self._check = check_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.warmed_for: tuple[int, str] | None = None
        self.warmed = 0
        self.last_error: str | None = None

    def run_once(self) -> int:
        """Warm the cache for the current model and panel if not done yet; series warmed."""
        key = self._forecasts.version_key()
        if key is None or key == self.warmed_for or self._limit == 0:
            return 0
        done = 0
        try:
            keys = self._forecasts.series()[: self._limit]
            for lo in range(0, len(keys), self._chunk):
                if self._stop.is_set() or self._forecasts.version_key() != key:
                    return done  # stopping, or a newer model came: start over on the next check
                part = keys[lo : lo + self._chunk]
                self._forecasts.forecast_many(part)
                for sku, location in part:
                    self._forecasts.explain(sku, location)
                done += len(part)
        except ForecastError as e:
            self.last_error = str(e)
            log.warning("prefetch stopped: %s", e)
            return done
        self.warmed_for, self.warmed, self.last_error = key, done, None
        return done

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self._check)

    def start(self) -> None:
        if self._thread is None and self._limit > 0:
            self._thread = threading.Thread(target=self._loop, name="restock-prefetch", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
