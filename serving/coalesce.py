"""Concurrent cache misses computed together (dynamic batching, as inference servers do).

Featurising one series costs about as much as featurising twenty: the work is pandas overhead
per call, not per row. So while one request computes, requests arriving meanwhile queue up, and
the next pass computes all of them at once; a lone request never waits for company. Requests
merge only within a group (same model version, panel version and horizon), whose computation
is the same function of the union of their keys.

Leadership passes from thread to thread: whoever finds nobody computing computes; when its own
answer is in, it hands the queue to the oldest waiting request instead of serving everyone
forever. An error in a pass reaches every request of that pass.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Coalescer"]

K = TypeVar("K", bound=Hashable)
W = TypeVar("W")
V = TypeVar("V")


@dataclass(eq=False)
class _Job(Generic[K, W, V]):
    group: Hashable
    work: dict[K, W]
    compute: Callable[[dict[K, W]], Mapping[K, V]]
    wake: threading.Event = field(default_factory=threading.Event)
    answered: bool = False
    lead: bool = False
    result: Mapping[K, V] | None = None
    error: BaseException | None = None


class Coalescer(Generic[K, W, V]):
    """`submit(group, work, compute)` returns `compute(work)` restricted to `work`'s keys, where
    the call may have run on the union of several concurrent submissions of the same group."""

    def __init__(self, *, max_jobs: int = 64) -> None:
        if max_jobs < 1:
            raise ValueError(f"max_jobs must be at least 1; got {max_jobs}")
        self._max_jobs = max_jobs
        self._lock = threading.Lock()
        self._pending: list[_Job[K, W, V]] = []
        self._busy = False
        self.passes = 0  # computations run (tests and benchmarks read it)
        self.merged = 0  # submissions folded into another's pass

    def submit(
        self,
        group: Hashable,
        work: Mapping[K, W],
        compute: Callable[[dict[K, W]], Mapping[K, V]],
    ) -> dict[K, V]:
        job: _Job[K, W, V] = _Job(group, dict(work), compute)
        with self._lock:
            self._pending.append(job)
            lead = not self._busy
            self._busy = True
        if not lead:
            job.wake.wait()
        if not job.answered:  # leading from the start, or handed the queue
            self._drain(job)
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return {k: job.result[k] for k in job.work}

    def _drain(self, own: _Job[K, W, V]) -> None:
        while not own.answered:
            with self._lock:
                batch = self._pending[: self._max_jobs]
                del self._pending[: self._max_jobs]
            self._run(batch, own)
        with self._lock:
            if self._pending:
                successor = self._pending[0]
                successor.lead = True
                successor.wake.set()
            else:
                self._busy = False

    def _run(self, batch: list[_Job[K, W, V]], own: _Job[K, W, V]) -> None:
        groups: dict[Hashable, list[_Job[K, W, V]]] = {}
        for job in batch:
            groups.setdefault(job.group, []).append(job)
        for jobs in groups.values():
            merged: dict[K, W] = {}
            for job in jobs:
                for key, item in job.work.items():
                    merged.setdefault(key, item)
            result: Mapping[K, V] | None = None
            error: BaseException | None = None
            try:
                result = jobs[0].compute(merged)
            except BaseException as exc:  # every waiting request must hear of it
                error = exc
            self.passes += 1
            self.merged += len(jobs) - 1
            for job in jobs:
                job.result, job.error, job.answered = result, error, True
                if job is not own:
                    job.wake.set()
