"""Concurrent submissions share passes, each gets its own answers, errors reach everyone."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest

from serving.coalesce import Coalescer


class _Slow:
    """Squares its keys; the first pass waits until the others have queued behind it."""

    def __init__(self, queued: threading.Event) -> None:
        self.calls: list[set[int]] = []
        self._queued = queued
        self._lock = threading.Lock()

    def __call__(self, work: dict[int, str]) -> Mapping[int, int]:
        with self._lock:
            first = not self.calls
            self.calls.append(set(work))
        if first:
            self._queued.wait(timeout=5)
        return {k: k * k for k in work}


def test_a_lone_submission_is_computed_at_once() -> None:
    batches: Coalescer[int, str, int] = Coalescer()
    assert batches.submit("g", {3: "x"}, lambda work: {k: k * k for k in work}) == {3: 9}
    assert (batches.passes, batches.merged) == (1, 0)


def test_submissions_arriving_during_a_pass_share_the_next_one() -> None:
    batches: Coalescer[int, str, int] = Coalescer()
    queued = threading.Event()
    compute = _Slow(queued)
    with ThreadPoolExecutor(9) as pool:
        first = pool.submit(batches.submit, "g", {0: "a"}, compute)
        while not compute.calls:
            time.sleep(0.001)
        rest = [pool.submit(batches.submit, "g", {k: "a", 100: "b"}, compute) for k in range(1, 9)]
        while len(batches._pending) < 8:  # noqa: SLF001 - the test waits for the queue to fill
            time.sleep(0.001)
        queued.set()
        assert first.result() == {0: 0}
        for k, future in enumerate(rest, start=1):
            assert future.result() == {k: k * k, 100: 10_000}  # only its own keys
    assert compute.calls == [{0}, {*range(1, 9), 100}]
    assert (batches.passes, batches.merged) == (2, 7)


def test_groups_are_never_merged() -> None:
    batches: Coalescer[int, str, int] = Coalescer()
    queued = threading.Event()
    compute = _Slow(queued)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(batches.submit, "v1", {1: "a"}, compute)
        while not compute.calls:
            time.sleep(0.001)
        others = [pool.submit(batches.submit, g, {2: "a"}, compute) for g in ("v1", "v2")]
        while len(batches._pending) < 2:  # noqa: SLF001
            time.sleep(0.001)
        queued.set()
        assert [f.result() for f in [first, *others]] == [{1: 1}, {2: 4}, {2: 4}]
    assert compute.calls == [{1}, {2}, {2}]


def test_an_error_reaches_every_submission_of_its_pass_and_the_next_pass_runs() -> None:
    batches: Coalescer[int, str, int] = Coalescer()

    def boom(work: dict[int, str]) -> Mapping[int, int]:
        raise RuntimeError("model gone")

    with pytest.raises(RuntimeError, match="model gone"):
        batches.submit("g", {1: "a"}, boom)
    assert batches.submit("g", {2: "a"}, lambda work: {k: -k for k in work}) == {2: -2}


def test_many_threads_each_get_their_own_answers() -> None:
    batches: Coalescer[int, str, int] = Coalescer(max_jobs=4)

    def compute(work: dict[int, str]) -> Mapping[int, int]:
        time.sleep(0.002)
        return {k: k + 1 for k in work}

    with ThreadPoolExecutor(16) as pool:
        futures = {k: pool.submit(batches.submit, "g", {k: "a"}, compute) for k in range(200)}
        for k, future in futures.items():
            assert future.result(timeout=10) == {k: k + 1}
    assert batches.passes + batches.merged == 200
    assert batches.passes < 200
