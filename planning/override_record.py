"""One planner override of the demand forecast as a value: its fields, whether it is in force,
how it changes a quantile band, and the checks a new one must pass. No storage here: that is
`override_store`.

An override covers one sku-location over the forecast periods dated `start`..`end` (inclusive,
the periods' own dates on the data's grid). `units` sets the per-period P50 to `value` and
shifts the whole band with it (shape kept, clipped at 0); `percent` scales every quantile by
`1 + value / 100`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

__all__ = ["KINDS", "Kind", "Override"]

Kind = Literal["units", "percent"]
KINDS: tuple[str, ...] = get_args(Kind)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite drops the offset on the way back; every stored time is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _instant(on: dt.datetime | dt.date | None) -> dt.datetime:
    if on is None:
        return dt.datetime.now(dt.UTC)
    if isinstance(on, dt.datetime):
        return _utc(on)
    return dt.datetime.combine(on, dt.time(), tzinfo=dt.UTC)


@dataclass(frozen=True)
class Override:
    """One planner override; `id` and `created_at` are set when stored."""

    sku: str
    location: str
    start: dt.date
    end: dt.date
    kind: Kind
    value: float
    rationale: str
    created_by: str
    expires_at: dt.datetime
    baseline: tuple[tuple[dt.date, float], ...] = ()  # the model's P50 per covered period
    model_version: int | None = None
    created_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None
    id: int | None = None

    def in_force(self, at: dt.datetime | dt.date | None = None) -> bool:
        """Not expired and not revoked at `at` (a date means its first instant, UTC)."""
        return self.status(at) == "active"

    def status(self, at: dt.datetime | dt.date | None = None) -> str:
        """`active`, `expired` or `revoked` at `at` (default now)."""
        when = _instant(at)
        if self.revoked_at is not None and self.revoked_at <= when:
            return "revoked"
        return "active" if when < self.expires_at else "expired"

    def covers(self, dates: np.ndarray) -> np.ndarray:
        """Mask of `dates` (datetime64) inside start..end."""
        days = np.asarray(dates).astype("datetime64[D]")
        return (days >= np.datetime64(self.start, "D")) & (days <= np.datetime64(self.end, "D"))

    def adjust(self, band: np.ndarray, p50: int) -> np.ndarray:
        """The overridden band (... x quantiles) of the model's `band`; column `p50` is P50."""
        if self.kind == "percent":
            return band * (1.0 + self.value / 100.0)
        return np.maximum(band + (self.value - band[..., p50 : p50 + 1]), 0.0)

    def note(self) -> str:
        """One line for a plan's explanation."""
        change = f"{self.value:+g}%" if self.kind == "percent" else f"{self.value:g} units/period"
        return (
            f"planner override #{self.id}: {change} on {self.start}..{self.end} "
            f"({self.created_by}: {self.rationale})"
        )


def _problems(o: Override, now: dt.datetime) -> list[str]:
    problems = []
    if not o.sku.strip() or not o.location.strip():
        problems.append("sku and location must not be empty")
    if o.end < o.start:
        problems.append(f"end {o.end} is before start {o.start}; give end >= start")
    if o.kind not in KINDS:
        problems.append(f"kind {o.kind!r} is not one of {list(KINDS)}")
    if not math.isfinite(o.value):
        problems.append("value must be a finite number")
    elif o.kind == "percent" and o.value <= -100:
        problems.append(f"a percent change must be above -100 (got {o.value:g}); -100 is no demand")
    elif o.kind == "units" and o.value < 0:
        problems.append(f"units per period cannot be negative (got {o.value:g})")
    if not o.rationale.strip():
        problems.append("rationale is required: say why the model is wrong here")
    if not o.created_by.strip():
        problems.append("created_by must name the planner")
    if o.expires_at.tzinfo is None:
        problems.append("expires_at must be timezone-aware (UTC)")
    elif o.expires_at <= now:
        problems.append(f"expires_at {o.expires_at.isoformat()} is not after now ({now:%Y-%m-%d})")
    return problems
