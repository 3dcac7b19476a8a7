"""Reference selection: same weeks last year when the champion trained on them, else its tail."""

from __future__ import annotations

import datetime as dt

import pytest

from monitoring.reference import (
    ReferenceChoice,
    Window,
    choose_reference,
    latest_window,
    shift_periods,
)

D = dt.date


@pytest.mark.parametrize(
    ("frequency", "last", "periods", "expected"),
    [
        ("daily", D(2026, 9, 30), 28, Window(D(2026, 9, 3), D(2026, 9, 30))),
        ("weekly", D(2026, 9, 27), 13, Window(D(2026, 7, 5), D(2026, 9, 27))),
        ("monthly", D(2026, 9, 1), 12, Window(D(2025, 10, 1), D(2026, 9, 1))),
    ],
)
def test_latest_window_counts_periods_back(
    frequency: str, last: dt.date, periods: int, expected: Window
) -> None:
    assert latest_window(last, periods, frequency) == expected


@pytest.mark.parametrize(
    ("frequency", "current", "seasonal"),
    [
        # 364 days: the reference starts on the same weekday as the current window.
        (
            "daily",
            Window(D(2026, 9, 3), D(2026, 9, 30)),
            Window(D(2025, 9, 4), D(2025, 10, 1)),
        ),
        ("weekly", Window(D(2026, 6, 28), D(2026, 9, 27)), Window(D(2025, 6, 29), D(2025, 9, 28))),
        ("monthly", Window(D(2025, 10, 1), D(2026, 9, 1)), Window(D(2024, 10, 1), D(2025, 9, 1))),
    ],
)
def test_seasonal_reference_when_the_training_window_covers_last_year(
    frequency: str, current: Window, seasonal: Window
) -> None:
    training = Window(D(2023, 1, 1), current.end)
    choice = choose_reference(current=current, training=training, periods=1, frequency=frequency)
    assert choice.kind == "seasonal"
    assert choice.reference == seasonal
    if frequency == "daily":
        assert choice.reference.start.weekday() == current.start.weekday()
    assert "one year earlier" in choice.reason


def test_short_training_falls_back_to_its_tail_before_the_current_window() -> None:
    current = latest_window(D(2026, 9, 30), 28, "daily")
    training = Window(D(2026, 3, 1), D(2026, 9, 30))  # seven months: no last year
    choice = choose_reference(current=current, training=training, periods=28, frequency="daily")
    assert choice.kind == "training_window"
    # Ends the day before the current window: never the current window itself.
    assert choice.reference == Window(D(2026, 8, 6), D(2026, 9, 2))
    assert "seasonal change can show as drift" in choice.reason


def test_training_that_ended_earlier_gives_its_own_last_periods() -> None:
    current = latest_window(D(2026, 9, 30), 28, "daily")
    training = Window(D(2026, 1, 1), D(2026, 6, 30))
    choice = choose_reference(current=current, training=training, periods=28, frequency="daily")
    assert choice.reference == Window(D(2026, 6, 3), D(2026, 6, 30))


def test_no_stretch_long_enough_is_a_clear_error() -> None:
    current = latest_window(D(2026, 9, 30), 28, "daily")
    with pytest.raises(ValueError, match="WINDOW_PERIODS"):
        choose_reference(
            current=current,
            training=Window(D(2026, 8, 20), D(2026, 9, 30)),
            periods=28,
            frequency="daily",
        )


def test_choice_round_trips_through_json_data() -> None:
    current = latest_window(D(2026, 9, 30), 28, "daily")
    choice = choose_reference(
        current=current,
        training=Window(D(2024, 1, 1), D(2026, 9, 30)),
        periods=28,
        frequency="daily",
    )
    assert ReferenceChoice.from_dict(choice.to_dict()) == choice


def test_windows_refuse_to_end_before_they_start() -> None:
    with pytest.raises(ValueError, match="ends on or after"):
        Window(D(2026, 2, 1), D(2026, 1, 1))
    assert shift_periods(D(2026, 3, 1), -1, "monthly") == D(2026, 2, 1)
