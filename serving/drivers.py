"""Why a forecast says what it says: SHAP contributions grouped into drivers a planner knows.

`DemandModel.contributions` gives TreeSHAP values per feature in the model's log-link space: per
forecast step, bias + sum(contributions) = log(mean), where exp(bias) is the model's average
prediction (a typical series-period) and mean the expected demand. Planners think in units and
in business terms, so:

1. **Groups.** Every feature maps to one of `DRIVER_GROUPS` (`feature_group`): recent sales level
   (lags under a year, rolling statistics), seasonality (calendar position and the same period
   a year earlier), trend (calendar year), holidays and events, price, promotion, and item and
   store identity (the series codes). SHAP values are additive, so a group's log contribution
   is the sum of its features'.
2. **Units, by Shapley values on the groups.** Per step, f(S) = exp(bias + sum of the log
   contributions of the groups in S) is the expected demand had only the groups in S moved it
   away from the typical level. A group's impact in units is its exact Shapley value in that
   game (`shapley_units`, 2^G subsets, G <= 7). Why this and not a proportional split of
   (mean - exp(bias)) by log shares: impacts always add up to mean - exp(bias) (efficiency),
   keep the sign of the group's log contribution (exp is increasing, so every marginal gain
   has that sign), and stay finite when contributions cancel (a proportional split divides by
   their sum, which can be ~0). Impacts over several steps are sums of the per-step impacts.

Drivers explain the model's expected demand, the centre its quantiles are built around; the
quantile band itself comes from calibrated residuals (training/demand.py), not from features.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import get_args

import numpy as np
import pandas as pd

from features.dataset import Frequency
from features.spec import (
    CALENDAR_FEATURES,
    ENCODINGS,
    ITEM_PREFIX,
    PRICE_FEATURES,
    PROMO_FEATURES,
    SEASON_GROWTH,
    Stat,
)
from training.demand import DemandModel

__all__ = [
    "DRIVER_GROUPS",
    "DriverImpact",
    "Explanation",
    "GroupImportance",
    "StepDrivers",
    "explain_steps",
    "feature_group",
    "global_importance",
    "routed_explanation",
    "shapley_units",
    "step_drivers",
]

RECENT = "recent sales level"
SEASONALITY = "seasonality"
TREND = "trend"
HOLIDAYS = "holidays and events"
PRICE = "price"
PROMOTION = "promotion"
IDENTITY = "item and store identity"
DRIVER_GROUPS: tuple[str, ...] = (RECENT, SEASONALITY, TREND, HOLIDAYS, PRICE, PROMOTION, IDENTITY)

_CALENDAR_GROUP = {
    "year": TREND,  # the level drifting from one year to the next
    "is_holiday": HOLIDAYS,
    "days_to_holiday": HOLIDAYS,
    "days_since_holiday": HOLIDAYS,
}
_FIXED = (
    {name: _CALENDAR_GROUP.get(name, SEASONALITY) for name in CALENDAR_FEATURES}
    | dict.fromkeys(PRICE_FEATURES, PRICE)
    | dict.fromkeys(PROMO_FEATURES, PROMOTION)
    | dict.fromkeys(ENCODINGS, IDENTITY)
    | {SEASON_GROWTH: TREND}
)
_RELATIVE = "_rel"
_BASE_WORDS = {
    True: "from its base (the same period last year grown by the year-on-year change, or its "
    "recent level without a year of history)",
    False: "from its base (its recent level)",
}
_LAG = re.compile(r"lag_(\d+)")
_ROLL = re.compile(rf"roll_({'|'.join(get_args(Stat))})_\d+(_lag\d+)?")
# A lag reaching back about a year (daily 364, weekly 52, monthly 12) reads "the same time last
# year": it carries the annual season, not the recent level.
_YEAR_DAYS = 360
_PERIOD_WORD = {Frequency.DAILY: "day", Frequency.WEEKLY: "week", Frequency.MONTHLY: "month"}
_MAX_GROUPS = 12  # 2^G subsets per step: far above the 7 groups there are


def feature_group(name: str, frequency: Frequency | str) -> str:
    """The driver group of a model feature (names of `FeatureSpec.model_names`); a relative
    column (`lag_52_rel`) belongs with the feature it divides, a pooled one (`item_lag_52`:
    the item over all its locations) with the same feature of the series."""
    name = name.removesuffix(_RELATIVE).removeprefix(ITEM_PREFIX)
    if name in _FIXED:
        return _FIXED[name]
    lag = _LAG.fullmatch(name)
    if lag:
        days = int(lag.group(1)) * Frequency(frequency).days
        return SEASONALITY if days >= _YEAR_DAYS else RECENT
    if _ROLL.fullmatch(name):
        return RECENT
    raise ValueError(
        f"feature {name!r} has no driver group; add it to serving/drivers.py (the feature spec "
        "grew a feature the explanations do not know)"
    )


def shapley_units(bias: np.ndarray, contributions: np.ndarray) -> np.ndarray:
    """Exact Shapley values (rows x groups) of the game f(S) = exp(bias + sum_{g in S} c_g), row
    by row; each row sums to exp(bias + sum(c)) - exp(bias) (module docstring)."""
    rows, n = contributions.shape
    if n > _MAX_GROUPS:
        raise ValueError(f"{n} groups is too many for exact Shapley values (max {_MAX_GROUPS})")
    if n == 0:
        return np.zeros((rows, 0))
    subsets = np.arange(2**n)
    members = ((subsets[:, None] >> np.arange(n)) & 1).astype(bool)  # subset x group
    values = np.exp(bias[:, None] + contributions @ members.T.astype(np.float64))
    sizes = members.sum(axis=1)
    # Weight of a coalition of size s joined by one more player: s! (n - s - 1)! / n!.
    weight = np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    )
    out = np.empty((rows, n))
    for g in range(n):
        without = subsets[~members[:, g]]
        gains = values[:, without | (1 << g)] - values[:, without]
        out[:, g] = gains @ weight[sizes[without]]
    return out


@dataclass(frozen=True)
class StepDrivers:
    """Per forecast step of one series: the typical level, the groups' log contributions and
    their impacts in units (arrays of steps x groups)."""

    groups: tuple[str, ...]
    bias: np.ndarray  # log of the typical level, per step
    log_contributions: np.ndarray
    impacts: np.ndarray  # units; each row sums to mean - baseline
    reference: str = "for a typical series"  # what the baseline is, in words

    @property
    def baseline(self) -> np.ndarray:
        return np.exp(self.bias)

    def extend(self, later: StepDrivers) -> StepDrivers:
        """These steps followed by `later`'s (explanations are computed as far as asked)."""
        if later.groups != self.groups:
            raise ValueError(f"cannot join drivers of groups {later.groups} to {self.groups}")
        return StepDrivers(
            reference=self.reference,
            groups=self.groups,
            bias=np.concatenate([self.bias, later.bias]),
            log_contributions=np.vstack([self.log_contributions, later.log_contributions]),
            impacts=np.vstack([self.impacts, later.impacts]),
        )

    @property
    def mean(self) -> np.ndarray:
        """The model's expected demand per step (exp of bias + all contributions)."""
        return np.exp(self.bias + self.log_contributions.sum(axis=1))


def step_drivers(model: DemandModel, rows: pd.DataFrame) -> StepDrivers:
    """Group the SHAP contributions of `rows` (one series' `prediction_frame` rows, by step) and
    convert them to units."""
    names = list(model.feature_names)
    contributions = model.contribution_matrix(rows)
    present = {feature_group(name, model.frequency) for name in names}
    groups = tuple(g for g in DRIVER_GROUPS if g in present)
    membership = np.array(
        [[feature_group(name, model.frequency) == g for g in groups] for name in names],
        dtype=np.float64,
    )
    log_groups = contributions[:, : len(names)] @ membership
    bias = contributions[:, len(names)]
    spec = model.feature_spec
    return StepDrivers(
        # A model with a base forecast starts each series from its own base (the bias holds
        # it), so drivers explain moves away from that, not from an average series.
        reference=_BASE_WORDS[bool(spec.seasonal)] if spec.level else "for a typical series",
        groups=groups,
        bias=bias,
        log_contributions=log_groups,
        impacts=shapley_units(bias, log_groups),
    )


@dataclass(frozen=True)
class DriverImpact:
    """One driver group's signed effect on expected demand over the explained steps."""

    group: str
    impact: float  # units over the horizon, + raises demand
    log_contribution: float  # mean per step, log-link space (+0.2 = x1.22)
    text: str  # "promotion +34 units over the next 7 days"


@dataclass(frozen=True)
class Explanation:
    """The drivers of one series' forecast over its first `horizon` steps.

    For a model forecast, baseline + sum of all impacts = expected, where `drivers` holds the
    `top` largest |impact| and `other` the rest. A routed series (forecast by a baseline
    method) has no drivers; `note` says so.
    """

    sku: str
    location: str
    model_version: int
    routed_to: str
    horizon: int
    expected: float | None  # the model's mean demand summed over the horizon
    baseline: float | None  # the typical series' level over the same steps
    drivers: tuple[DriverImpact, ...]
    other: float  # impact of the groups left out of `drivers`
    summary: str


def _units(value: float) -> str:
    return f"{value:+,.0f}" if abs(value) >= 9.5 else f"{value:+.1f}"


def _over(horizon: int, frequency: Frequency) -> str:
    word = _PERIOD_WORD[frequency]
    return f"over the next {word}" if horizon == 1 else f"over the next {horizon} {word}s"


def explain_steps(
    steps: StepDrivers,
    *,
    sku: str,
    location: str,
    model_version: int,
    routed_to: str,
    horizon: int,
    top: int,
    frequency: Frequency | str,
) -> Explanation:
    """The `top` driver groups of the first `horizon` steps, in units and in words."""
    if top < 1:
        raise ValueError(f"top must be at least 1; got {top}")
    if not 1 <= horizon <= len(steps.bias):
        raise ValueError(f"horizon must be 1..{len(steps.bias)}; got {horizon}")
    freq = Frequency(frequency)
    over = _over(horizon, freq)
    impacts = steps.impacts[:horizon].sum(axis=0)
    logs = steps.log_contributions[:horizon].mean(axis=0)
    # Largest effect first; ties keep the fixed group order (stable sort).
    order = np.argsort(-np.abs(impacts), kind="stable")
    chosen = order[:top]
    drivers = tuple(
        DriverImpact(
            group=steps.groups[g],
            impact=float(impacts[g]),
            log_contribution=float(logs[g]),
            text=f"{steps.groups[g]} {_units(float(impacts[g]))} units {over}",
        )
        for g in chosen
    )
    expected = float(steps.mean[:horizon].sum())
    baseline = float(steps.baseline[:horizon].sum())
    return Explanation(
        sku=sku,
        location=location,
        model_version=model_version,
        routed_to=routed_to,
        horizon=horizon,
        expected=expected,
        baseline=baseline,
        drivers=drivers,
        other=float(impacts[order[top:]].sum()),
        summary=(
            f"expected {expected:,.1f} units {over} against {baseline:,.1f} "
            f"{steps.reference}; " + "; ".join(d.text for d in drivers)
        ),
    )


def routed_explanation(
    *, sku: str, location: str, model_version: int, routed_to: str, horizon: int
) -> Explanation:
    """A series forecast by a baseline method: no model drivers to show, and why."""
    return Explanation(
        sku=sku,
        location=location,
        model_version=model_version,
        routed_to=routed_to,
        horizon=horizon,
        expected=None,
        baseline=None,
        drivers=(),
        other=0.0,
        summary=(
            f"forecast by the {routed_to} baseline: the backtest routed this series' demand "
            "class to it, so the model's drivers do not apply"
        ),
    )


@dataclass(frozen=True)
class GroupImportance:
    """A driver group's share of the model's total split gain, and its features by gain."""

    group: str
    share: float
    features: tuple[str, ...]


def global_importance(model: DemandModel) -> tuple[GroupImportance, ...]:
    """Gain share per driver group over all buckets, largest first (what the model relies on)."""
    table = model.feature_importance()  # largest gain first
    groups = [feature_group(str(f), model.frequency) for f in table["feature"]]
    table = table.assign(group=groups)
    shares = table.groupby("group", sort=False)["share"].sum()
    ordered = sorted(shares.index, key=lambda g: (-float(shares[g]), DRIVER_GROUPS.index(g)))
    return tuple(
        GroupImportance(
            group=str(g),
            share=float(shares[g]),
            features=tuple(str(f) for f in table.loc[table["group"] == g, "feature"]),
        )
        for g in ordered
    )
