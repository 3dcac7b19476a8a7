"""Which data drift is judged on: the latest window and a reference from the champion's training.

Retail demand is seasonal, so "this month differs from the last month of training" is usually
the season, not drift. The reference is therefore **the same weeks one year earlier** (364 days
for daily data, so weekdays line up; 52 weeks; 12 months) whenever that window lies inside the
champion's training window. When it does not (less than a year of training history), the
reference falls back to the last stretch of the training window that ends before the current
window starts, and the choice and its reason are recorded with the result, so a reader knows a
seasonal change may be reported as drift.

Pure date arithmetic; no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from features.dataset import Frequency

__all__ = [
    "ReferenceChoice",
    "ReferenceKind",
    "Window",
    "choose_reference",
    "latest_window",
    "shift_periods",
]

ReferenceKind = Literal["seasonal", "training_window"]


@dataclass(frozen=True)
class Window:
    """Dates from `start` to `end`, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a window ends on or after it starts; got {self.start} .. {self.end}")

    def contains(self, other: Window) -> bool:
        return self.start <= other.start and other.end <= self.end

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Window:
        return cls(dt.date.fromisoformat(data["start"]), dt.date.fromisoformat(data["end"]))

    def __str__(self) -> str:
        return f"{self.start} .. {self.end}"


@dataclass(frozen=True)
class ReferenceChoice:
    """The windows a drift check compares, and why this reference was chosen."""

    kind: ReferenceKind
    reference: Window
    current: Window
    training: Window
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reference": self.reference.to_dict(),
            "current": self.current.to_dict(),
            "training": self.training.to_dict(),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceChoice:
        return cls(
            kind=data["kind"],
            reference=Window.from_dict(data["reference"]),
            current=Window.from_dict(data["current"]),
            training=Window.from_dict(data["training"]),
            reason=data["reason"],
        )


def _step(frequency: Frequency) -> pd.DateOffset:
    if frequency is Frequency.MONTHLY:
        return pd.DateOffset(months=1)
    return pd.DateOffset(days=frequency.days)


def shift_periods(date: dt.date, periods: int, frequency: Frequency | str) -> dt.date:
    """`date` moved by `periods` periods of the frequency (negative: back in time)."""
    moved = pd.Timestamp(date) + periods * _step(Frequency(frequency))
    return moved.date()


def _year(frequency: Frequency) -> int:
    """Periods in the seasonal shift: 364 days keeps weekdays aligned, like 52 weeks."""
    return {Frequency.DAILY: 364, Frequency.WEEKLY: 52, Frequency.MONTHLY: 12}[frequency]


def latest_window(last: dt.date, periods: int, frequency: Frequency | str) -> Window:
    """The `periods` periods ending on `last` (the newest data date)."""
    if periods < 1:
        raise ValueError(f"a window needs at least 1 period; got {periods}")
    return Window(shift_periods(last, -(periods - 1), frequency), last)


def choose_reference(
    *, current: Window, training: Window, periods: int, frequency: Frequency | str
) -> ReferenceChoice:
    """Same weeks last year when the champion trained on them, else the training window's tail.

    Raises ValueError when the training window holds no `periods`-long stretch before the
    current window (nothing to compare with): retrain on more history or shorten the window.
    """
    freq = Frequency(frequency)
    year = _year(freq)
    seasonal = Window(
        shift_periods(current.start, -year, freq), shift_periods(current.end, -year, freq)
    )
    if training.contains(seasonal):
        return ReferenceChoice(
            kind="seasonal",
            reference=seasonal,
            current=current,
            training=training,
            reason=f"same {_unit(freq)} one year earlier ({seasonal}) lie in the training window",
        )
    # The stretch just before the current window: comparing a window with itself finds nothing.
    end = min(training.end, shift_periods(current.start, -1, freq))
    start = shift_periods(end, -(periods - 1), freq)
    if start < training.start:
        raise ValueError(
            f"the champion's training window {training} has no {periods} periods before the "
            f"current window {current}; retrain on more history or set "
            "RESTOCK_MONITORING__WINDOW_PERIODS lower"
        )
    return ReferenceChoice(
        kind="training_window",
        reference=Window(start, end),
        current=current,
        training=training,
        reason=(
            f"training window {training} does not cover the same {_unit(freq)} one year earlier "
            f"({seasonal}); compared with its last {periods} periods before the current window, "
            "so seasonal change can show as drift"
        ),
    )


def _unit(frequency: Frequency) -> str:
    return {Frequency.DAILY: "days", Frequency.WEEKLY: "weeks", Frequency.MONTHLY: "months"}[
        frequency
    ]
