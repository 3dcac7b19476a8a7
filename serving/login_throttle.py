"""Slows password guessing: too many failed sign-ins for one username, or from one client
address, within a sliding window and further attempts are refused (429) without checking the
password, until the oldest failure leaves the window.

Per username stops guessing one account from many addresses; per address stops one client
trying many accounts. Counts live in memory, per serving process: enough to make online
guessing slow, and a restart forgets them (a lockout never outlives the process). A successful
sign-in clears that username's failures, not the address's.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["LoginThrottle"]


class LoginThrottle:
    def __init__(
        self,
        *,
        per_user: int,
        per_address: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"user": per_user, "address": per_address}
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> list[tuple[str, str]]:
        return [("user", username.strip().casefold()), ("address", address)]

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds to wait before this sign-in may be tried, or None when it may be now."""
        now = self._clock()
        with self._lock:
            waits = [
                times[0] + self._window - now
                for key in self._keys(username, address)
                if len(times := self._recent(key, now)) >= self._limits[key[0]]
            ]
        return max(1, int(max(waits)) + 1) if waits else None

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(username, address):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username.strip().casefold()), None)
