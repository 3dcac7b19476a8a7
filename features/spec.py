"""The feature spec: which features a model sees, declared as data.

A `FeatureSpec` is frozen and serialisable; it is logged with every model and read back by
serving, so training and serving build exactly the same matrix (STYLE.md practice 3). The
computation lives apart, in `features.build`.

Leakage rule: every target feature at period t reads the target at t - lag (lags >= 1) or over the
window t - offset - window + 1 .. t - offset (offset >= 1), never at t or later. Price, promotion
and calendar values at t are known in advance (planned price and promotions, the calendar).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, get_args

from features.dataset import Frequency
from features.events import MAX_EVENT_DRIFT_DAYS, MOVABLE_EVENTS

__all__ = [
    "CALENDAR_FEATURES",
    "ENCODINGS",
    "PRICE_FEATURES",
    "PROMO_FEATURES",
    "SEASON",
    "SEASON_GROWTH",
    "ITEM_PREFIX",
    "FeatureSpec",
    "RollingFeature",
    "Stat",
    "min_periods",
]

Stat = Literal["mean", "std", "max", "min"]
STATS: tuple[str, ...] = get_args(Stat)

_ALL = frozenset(Frequency)
_DAILY = frozenset({Frequency.DAILY})
# Calendar features and the frequencies they mean something at (day-level ones need daily data).
CALENDAR_FEATURES: dict[str, frozenset[Frequency]] = {
    "dayofweek": _DAILY,
    "dayofmonth": _DAILY,
    "dayofyear": _DAILY,
    "is_weekend": _DAILY,
    "weekofyear": frozenset({Frequency.DAILY, Frequency.WEEKLY}),
    "month": _ALL,
    "quarter": _ALL,
    "year": _ALL,
    # A period is a holiday period when a holiday falls in [its date, the next period's date).
    "is_holiday": _ALL,
    "days_to_holiday": _ALL,
    "days_since_holiday": _ALL,
}
# price: the period's price; price_ratio: price / mean price over the previous `price_window`
# periods (depth of a discount); price_change: price / previous period's price - 1.
PRICE_FEATURES: tuple[str, ...] = ("price", "price_ratio", "price_change")
# on_promo: the promotion planned for period t (known in advance); promo_lag1: the one at t - 1.
PROMO_FEATURES: tuple[str, ...] = ("on_promo", "promo_lag1")
# Periods in a season: a lag of a whole season reads the same period a season ago (the same
# weekday a year ago for daily data).
SEASON: dict[Frequency, int] = {Frequency.DAILY: 364, Frequency.WEEKLY: 52, Frequency.MONTHLY: 12}
# Spec version from which `shifted` keeps seasonal lags in place (see there); saved version 1
# models keep the old rule, so serving rebuilds exactly the features they were trained on.
ANCHORED_FROM = 2
# Spec fields of the base forecast (see FeatureSpec), and the derived growth column's name.
_BASE = ("level", "seasonal", "relative", "pooled")
# Tuple fields left out of the JSON when empty, so fingerprints of specs from before them hold.
_OPTIONAL = (*_BASE, "aligned_events")
SEASON_GROWTH = "season_growth"
# A pooled feature is its target feature computed on the item's total over its locations.
ITEM_PREFIX = "item_"
# Integer codes for LightGBM categorical features (pandas `category` breaks MLflow pyfunc).
ENCODINGS: tuple[str, ...] = ("sku_code", "location_code", "category_code")


def min_periods(window: int) -> int:
    """Fewest observed values a rolling window needs: half the window, at least one.

    A 28-day mean of one day is noise the model would learn to trust; half a window is a usable
    estimate, and LightGBM handles the NaN before that natively. std needs two values on top.
    """
    return max(1, window // 2)


@dataclass(frozen=True)
class RollingFeature:
    """A statistic of the target over periods t - offset - window + 1 .. t - offset."""

    window: int
    stat: Stat
    offset: int = 1

    def __post_init__(self) -> None:
        if self.stat not in STATS:
            raise ValueError(f"rolling stat '{self.stat}' is not one of {STATS}")
        if self.window < 1 or self.offset < 1:
            raise ValueError(
                f"rolling {self.stat} needs window >= 1 and offset >= 1 (offset 0 would read the "
                f"target it predicts); got window={self.window}, offset={self.offset}"
            )
        if self.stat == "std" and self.window < 2:
            raise ValueError("a rolling std needs window >= 2")

    @property
    def name(self) -> str:
        base = f"roll_{self.stat}_{self.window}"
        return base if self.offset == 1 else f"{base}_lag{self.offset}"

    @property
    def oldest(self) -> int:
        """How many periods back the oldest value it reads is."""
        return self.offset + self.window - 1


@dataclass(frozen=True, kw_only=True)
class FeatureSpec:
    """Every feature of the model matrix, in order; see `feature_names`."""

    frequency: Frequency
    target: str = "demand"
    lags: tuple[int, ...] = ()
    rolling: tuple[RollingFeature, ...] = ()
    calendar: tuple[str, ...] = ()
    price_features: tuple[str, ...] = ()
    price_window: int = 28
    promo_features: tuple[str, ...] = ()
    encodings: tuple[str, ...] = ()
    # A base forecast per row, for models that learn demand relative to it (training.demand):
    # `seasonal` (seasonal lag, recent mean, the same mean a season earlier; one triple per
    # season back) gives the same period a season back grown by the change of the mean since,
    # averaged over the triples known at the row; where none is, the level: the first finite
    # of the `level` rolling means. `pooled` target features are also computed on the item's
    # total over its locations (`item_<name>`); with `pooling` > 0 and a triple's lag and
    # earlier mean pooled, the same period a season back is that share the series' own
    # earlier mean shaped like the item's, the rest its own value (one store's week is noisy,
    # the item's season across stores much less). `relative` features are also given divided
    # by the base, as `<name>_rel` columns after `feature_names`, and with `seasonal` the first
    # triple's growth too (`model_names`).
    level: tuple[str, ...] = ()
    seasonal: tuple[str, ...] = ()
    relative: tuple[str, ...] = ()
    pooled: tuple[str, ...] = ()
    pooling: float = 0.0
    # Lags of whole seasons (own and pooled) read around these movable events (e.g. Easter)
    # the period at the same position relative to the event a season back (features.events).
    aligned_events: tuple[str, ...] = ()
    event_window: int = 1
    version: int = 1

    def __post_init__(self) -> None:
        # Accept lists and plain strings (from JSON or callers) but store canonical types.
        set_ = object.__setattr__
        set_(self, "frequency", Frequency(self.frequency))
        set_(self, "lags", tuple(int(k) for k in self.lags))
        set_(self, "rolling", tuple(_as_rolling(r) for r in self.rolling))
        set_(self, "pooling", float(self.pooling))
        for name in ("calendar", "price_features", "promo_features", "encodings", *_OPTIONAL):
            set_(self, name, tuple(str(v) for v in getattr(self, name)))
        self._validate()

    def _validate(self) -> None:
        if any(k < 1 for k in self.lags):
            raise ValueError(f"lags must be >= 1 (lag 0 is the target itself); got {self.lags}")
        if self.price_window < 1:
            raise ValueError(f"price_window must be >= 1; got {self.price_window}")
        for name in self.calendar:
            allowed = CALENDAR_FEATURES.get(name)
            if allowed is None:
                raise ValueError(
                    f"unknown calendar feature '{name}'; choose from {sorted(CALENDAR_FEATURES)}"
                )
            if self.frequency not in allowed:
                raise ValueError(
                    f"calendar feature '{name}' needs {sorted(allowed)} data, not "
                    f"{self.frequency.value}; drop it from the spec"
                )
        for group, known in (
            ("price_features", PRICE_FEATURES),
            ("promo_features", PROMO_FEATURES),
            ("encodings", ENCODINGS),
        ):
            unknown = [v for v in getattr(self, group) if v not in known]
            if unknown:
                raise ValueError(f"unknown {group} {unknown}; choose from {list(known)}")
        names = self.feature_names
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"duplicated features {duplicated}; list each once")
        means = {r.name for r in self.rolling if r.stat == "mean"}
        if any(n not in means for n in self.level):
            raise ValueError(
                f"level {list(self.level)} must name rolling means of the spec {sorted(means)}"
            )
        targets = {f"lag_{k}" for k in self.lags} | {r.name for r in self.rolling}
        if (self.relative or self.seasonal) and not self.level:
            raise ValueError(
                "relative features and a seasonal base need a level (the base where the "
                "seasonal one is unknown); set `level`"
            )
        lags = {f"lag_{k}" for k in self.lags}
        triples = [self.seasonal[i : i + 3] for i in range(0, len(self.seasonal), 3)]
        if not all(
            len(t) == 3 and t[0] in lags and t[1] in means and t[2] in means for t in triples
        ):
            raise ValueError(
                f"seasonal {list(self.seasonal)} must be triples (seasonal lag, recent rolling "
                "mean, that mean a season earlier), all features of the spec"
            )
        if any(n not in targets for n in self.relative):
            raise ValueError(
                f"relative {list(self.relative)} must name lags or rolling features of the spec"
            )
        if any(n not in targets for n in self.pooled):
            raise ValueError(
                f"pooled {list(self.pooled)} must name lags or rolling features of the spec"
            )
        if not 0.0 <= self.pooling <= 1.0:
            raise ValueError(f"pooling is a share between 0 and 1; got {self.pooling}")
        unknown_events = [e for e in self.aligned_events if e not in MOVABLE_EVENTS]
        if unknown_events:
            raise ValueError(
                f"unknown aligned_events {unknown_events}; choose from {sorted(MOVABLE_EVENTS)}"
            )
        if self.aligned_events and self.frequency is Frequency.MONTHLY:
            raise ValueError("aligned_events need daily or weekly periods; drop them for monthly")
        if self.event_window < 0:
            raise ValueError(f"event_window must be >= 0 periods; got {self.event_window}")

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The exact column order of the model matrix."""
        return (
            tuple(f"lag_{k}" for k in self.lags)
            + tuple(r.name for r in self.rolling)
            + tuple(ITEM_PREFIX + n for n in self.pooled)
            + self.calendar
            + self.price_features
            + self.promo_features
            + self.encodings
        )

    @property
    def model_names(self) -> tuple[str, ...]:
        """The model matrix: `feature_names`, the relative (base-divided) columns, then the
        season-on-season growth when the base is seasonal."""
        growth = (SEASON_GROWTH,) if self.seasonal else ()
        return self.feature_names + tuple(f"{n}_rel" for n in self.relative) + growth

    def is_aligned(self, lag: int) -> bool:
        """Whether `lag` is read around the `aligned_events` (a whole number of seasons)."""
        season = SEASON[self.frequency]
        return bool(self.aligned_events) and lag >= season and lag % season == 0

    @property
    def _event_drift(self) -> int:
        """Periods an aligned lag may read away from its plain lag, either way."""
        return -(-MAX_EVENT_DRIFT_DAYS // self.frequency.days) + self.event_window

    @property
    def categorical_features(self) -> tuple[str, ...]:
        """Integer-coded columns to pass as LightGBM `categorical_feature`."""
        return self.encodings

    @property
    def min_lag(self) -> int | None:
        """The most recent target period any feature reads, in periods before t (None: none)."""
        reads = [*self.lags, *(r.offset for r in self.rolling)]
        return min(reads) if reads else None

    @property
    def max_lookback(self) -> int:
        """How many periods of history the oldest feature reads (sizes the history to keep)."""
        reads = [*self.lags, *(r.oldest for r in self.rolling)]
        if any(self.is_aligned(k) for k in self.lags):
            # An aligned lag may read up to the event's drift (+ window) further back.
            reads.append(max(k for k in self.lags if self.is_aligned(k)) + self._event_drift)
        if "price_ratio" in self.price_features:
            reads.append(self.price_window)
        if "price_change" in self.price_features or "promo_lag1" in self.promo_features:
            reads.append(1)
        return max(reads, default=0)

    def shifted(self, horizon: int) -> FeatureSpec:
        """The spec for a direct model of horizon h: lags and rolling offsets grow by h - 1.

        Features at row t then read the target at t - h or earlier only, i.e. what is known at a
        forecast origin h periods before t. Covariates (calendar, price, promo) are unchanged.
        From spec version 2 a seasonal lag (a season or more, SEASON) of at least h stays where
        it is: it is known at the origin already, and moving it would break the alignment it
        exists for (lag 52 of a 13-week bucket read 64 weeks back, a different week of the
        year; on Walmart, fold 2012-07-27, WMAE 1,438 -> 1,400 and early stopping at ~530
        trees instead of the 1,000 cap). It moves like the others only where it would collide
        with a moved recent lag (bucket matrices share the base names position by position).
        """
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1; got {horizon}")
        nearest = min((k for k in self.lags if self.is_aligned(k)), default=None)
        if nearest is not None and nearest - self._event_drift < horizon:
            # An aligned lag may read this much closer than its plain lag: past the origin.
            raise ValueError(
                f"a horizon of {horizon} periods is too long for lags aligned on "
                f"{list(self.aligned_events)}: lag {nearest} may read "
                f"{self._event_drift} periods closer; use a horizon under "
                f"{nearest - self._event_drift + 1} or drop aligned_events"
            )
        extra = horizon - 1
        lags = [k + extra for k in self.lags]
        if self.version >= ANCHORED_FROM:
            season = SEASON[self.frequency]
            for i, k in enumerate(self.lags):
                if k >= max(season, horizon) and k not in lags:
                    lags[i] = k
        rolling = tuple(replace(r, offset=r.offset + extra) for r in self.rolling)
        moved = dict(
            zip(
                (*(f"lag_{k}" for k in self.lags), *(r.name for r in self.rolling)),
                (*(f"lag_{k}" for k in lags), *(r.name for r in rolling)),
                strict=True,
            )
        )
        # Level and relative columns name base features; a shifted spec only builds columns,
        # and the model matrix maps them back to the base names position by position.
        return replace(
            self,
            lags=tuple(lags),
            rolling=rolling,
            level=(),
            seasonal=(),
            relative=(),
            pooled=tuple(moved[n] for n in self.pooled),
            pooling=0.0,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; `from_dict` reads it back."""
        data = asdict(self)
        data["frequency"] = self.frequency.value
        data["lags"] = list(self.lags)
        data["rolling"] = [asdict(r) for r in self.rolling]
        for name in ("calendar", "price_features", "promo_features", "encodings"):
            data[name] = list(getattr(self, name))
        for name in _OPTIONAL:
            if getattr(self, name):  # absent when unset: fingerprints of older specs hold
                data[name] = list(getattr(self, name))
            else:
                del data[name]
        if not self.pooling:
            del data["pooling"]
        if not self.aligned_events:
            del data["event_window"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        """Rebuild a spec from `to_dict` output; unknown keys are an error, not ignored."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown FeatureSpec field(s) {unknown}; known: {sorted(known)}")
        if "frequency" not in data:
            raise ValueError("a FeatureSpec needs 'frequency' (daily, weekly or monthly)")
        return cls(**data)

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, indent=indent)

    @classmethod
    def from_json(cls, text: str) -> FeatureSpec:
        return cls.from_dict(json.loads(text))

    def fingerprint(self) -> str:
        """sha256 of the canonical JSON: equal specs share it, any change of a field changes it."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _as_rolling(value: RollingFeature | dict[str, Any]) -> RollingFeature:
    return value if isinstance(value, RollingFeature) else RollingFeature(**value)
