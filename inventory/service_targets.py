"""Service targets per ABC-XYZ segment and customer tier, and the rule that resolves them.

A series gets its segment's target ('*' when its segment is not listed); a customer tier, when
given, can only raise it: the stricter of the two wins field by field (higher cycle service
level, higher fill rate). The review period always comes from the segment: it is the
replenishment calendar of the item-location, while a tier says how much service a customer is
owed, not how often the buyer reviews (the service_policy contract gives every row a review
period, default 1, so a tier row cannot say "no opinion").

Defaults (textbook shape: A above C, X above Z; ABC drives what a stockout costs, XYZ what
safety stock costs). The cycle service levels equal `features.defaults.DEFAULT_SERVICE_POLICY`;
fill-rate targets halve their shortfall (as the demo data does): a cycle with a stockout still
serves most of its demand.

    CSL / fill   X            Y            Z
    A            0.98 / 0.99  0.97 / 0.985 0.95 / 0.975
    B            0.96 / 0.98  0.95 / 0.975 0.92 / 0.96
    C            0.93 / 0.965 0.90 / 0.95  0.85 / 0.925      '*': 0.95 / 0.975

Tiers (fill rate only): platinum 0.98, gold 0.95, standard 0.92.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

__all__ = [
    "DEFAULT_SEGMENT_TARGETS",
    "DEFAULT_TIER_TARGETS",
    "FALLBACK",
    "ServiceTarget",
    "ServiceTargets",
]

FALLBACK = "*"
_SEGMENT = re.compile(r"^[ABC][XYZ]$")


@dataclass(frozen=True)
class ServiceTarget:
    """One target: cycle service level and/or fill rate (fractions), review period (periods).

    `review_period` None means "not specified" (tiers); a resolved target always has one.
    """

    cycle_service_level: float | None = None
    fill_rate: float | None = None
    review_period: int | None = 1

    def __post_init__(self) -> None:
        if self.cycle_service_level is None and self.fill_rate is None:
            raise ValueError("a service target needs a cycle service level, a fill rate or both")
        for name in ("cycle_service_level", "fill_rate"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value < 1.0:
                raise ValueError(
                    f"{name} must lie strictly between 0 and 1 (e.g. 0.95); got {value}"
                )
        if self.review_period is not None and self.review_period < 1:
            raise ValueError(f"review_period must be >= 1 period; got {self.review_period}")

    def stricter(self, other: ServiceTarget) -> ServiceTarget:
        """Field-wise the more demanding of two targets; the review period stays this one's."""
        return ServiceTarget(
            cycle_service_level=_higher(self.cycle_service_level, other.cycle_service_level),
            fill_rate=_higher(self.fill_rate, other.fill_rate),
            review_period=self.review_period,
        )


def _higher(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def _defaults() -> dict[str, ServiceTarget]:
    csl = {
        "AX": 0.98, "AY": 0.97, "AZ": 0.95,
        "BX": 0.96, "BY": 0.95, "BZ": 0.92,
        "CX": 0.93, "CY": 0.90, "CZ": 0.85,
        FALLBACK: 0.95,
    }  # fmt: skip
    return {
        segment: ServiceTarget(level, round(1.0 - (1.0 - level) / 2.0, 4), 1)
        for segment, level in csl.items()
    }


DEFAULT_SEGMENT_TARGETS: Mapping[str, ServiceTarget] = MappingProxyType(_defaults())
DEFAULT_TIER_TARGETS: Mapping[str, ServiceTarget] = MappingProxyType(
    {
        "platinum": ServiceTarget(fill_rate=0.98, review_period=None),
        "gold": ServiceTarget(fill_rate=0.95, review_period=None),
        "standard": ServiceTarget(fill_rate=0.92, review_period=None),
    }
)


@dataclass(frozen=True)
class ServiceTargets:
    """Targets by segment ('AX' ... 'CZ', '*') and by customer tier; `lookup` resolves one."""

    segments: Mapping[str, ServiceTarget] = field(default_factory=lambda: DEFAULT_SEGMENT_TARGETS)
    tiers: Mapping[str, ServiceTarget] = field(default_factory=lambda: DEFAULT_TIER_TARGETS)

    def __post_init__(self) -> None:
        # Read-only views so a shared instance cannot be changed under its users.
        object.__setattr__(self, "segments", MappingProxyType(dict(self.segments)))
        object.__setattr__(self, "tiers", MappingProxyType(dict(self.tiers)))
        for name, target in self.segments.items():
            if target.review_period is None:
                raise ValueError(f"segment '{name}' needs a review period (>= 1)")

    def lookup(self, segment: str, tier: str | None = None) -> ServiceTarget:
        """The target of a series: its segment's (or '*'), made stricter by its tier if any."""
        base = self.segments.get(segment, self.segments.get(FALLBACK))
        if base is None:
            raise KeyError(
                f"no service target for segment '{segment}' and no '*' fallback; add a "
                f"'{segment}' or '*' row to service_policy"
            )
        if tier is None:
            return base
        if tier not in self.tiers:
            raise KeyError(
                f"unknown customer tier '{tier}'; known tiers: {sorted(self.tiers)}; add a row "
                "for it to service_policy"
            )
        return base.stricter(self.tiers[tier])

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> ServiceTargets:
        """From a service_policy table: 'AX'..'CZ' and '*' rows are segments, others tiers."""
        missing = {"segment", "cycle_service_level"} - set(table.columns)
        if missing:
            raise ValueError(f"service_policy table lacks column(s) {sorted(missing)}")
        segments: dict[str, ServiceTarget] = {}
        tiers: dict[str, ServiceTarget] = {}
        for i, row in enumerate(table.to_dict("records")):
            name = str(row["segment"]).strip()
            is_segment = name == FALLBACK or _SEGMENT.match(name) is not None
            review = _optional(row.get("review_period"))
            try:
                target = ServiceTarget(
                    cycle_service_level=_optional(row["cycle_service_level"]),
                    fill_rate=_optional(row.get("fill_rate")),
                    # A tier's review period is ignored (module docstring).
                    review_period=(1 if review is None else int(review)) if is_segment else None,
                )
            except ValueError as error:
                raise ValueError(f"service_policy row {i} ('{name}'): {error}") from error
            into = segments if is_segment else tiers
            if name in into:
                raise ValueError(f"service_policy row {i}: '{name}' appears twice")
            into[name] = target
        return cls(segments=segments, tiers=tiers)


def _optional(value: object) -> float | None:
    """A table cell as a float, None when missing (None or NaN)."""
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number
