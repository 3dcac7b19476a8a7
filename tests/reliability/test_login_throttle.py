"""The sign-in rate limit's sliding window, on a clock the test moves."""

from __future__ import annotations

from serving.login_throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_expire_with_the_window_and_success_clears_the_user() -> None:
    clock = Clock()
    throttle = LoginThrottle(per_user=3, per_address=10, window_seconds=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("Ann", "10.0.0.1") is None
        throttle.failed("Ann", "10.0.0.1")
        clock.now += 10
    # " ann " is the same account: case and spacing do not buy extra guesses.
    assert throttle.retry_after(" ann ", "10.0.0.2") == 31  # first failure leaves at +60 s
    clock.now += 31
    assert throttle.retry_after("ann", "10.0.0.2") is None
    throttle.failed("ann", "10.0.0.1")
    throttle.succeeded("ANN")
    assert throttle.retry_after("ann", "10.0.0.1") is None


def test_one_address_is_limited_across_usernames() -> None:
    throttle = LoginThrottle(per_user=5, per_address=2, window_seconds=60, clock=Clock())
    throttle.failed("a", "10.0.0.9")
    throttle.failed("b", "10.0.0.9")
    assert throttle.retry_after("c", "10.0.0.9") is not None
    assert throttle.retry_after("c", "10.0.0.8") is None
