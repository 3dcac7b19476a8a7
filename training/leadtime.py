"""Lead-time model: LightGBM quantile regression of supplier lead time (days) from receipts.

One booster per quantile on supplier, mode, origin, product group (integer codes), season, log
quantity and value, and the suppliers' recent lead-time levels (`training.leadtime_features`).
Lead times shift over time (SCMS: the test period is much faster than training), so by default
each booster starts from the row's recent level (init score) and learns corrections to it, and
the quantiles are recalibrated on the latest slice of the training receipts. Predictions are
sorted across quantiles (no crossing) and clipped at 0; `distribution` samples the
piecewise-linear quantile function, for the Monte-Carlo of the inventory policy.

The object is plain and picklable (boosters, code maps, the receipt history the recent levels
read), and `to_dict` / `from_dict` round-trip it through JSON-friendly values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from training.leadtime_features import (
    CATEGORICAL,
    CodeMaps,
    build_features,
    feature_names,
    lead_time_days,
    lead_time_history,
)

if TYPE_CHECKING:
    import lightgbm as lgb

__all__ = [
    "DEFAULT_PARAMS",
    "DEFAULT_QUANTILES",
    "LeadTimeConfig",
    "LeadTimeModel",
    "quantile_column",
    "recency_weights",
    "sample_quantile_function",
]

# P50/P90 are what planners read; the outer and inner quantiles make `distribution` usable (a
# policy at 95% service needs the tail beyond P90; a P50-P90 pair alone is a poor shape).
DEFAULT_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
DEFAULT_PARAMS: Mapping[str, Any] = {
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "min_data_per_group": 20,  # small suppliers still get their own categorical split
    "cat_smooth": 10.0,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "num_threads": 1,  # a few thousand rows: threads cost more than they give
    "verbose": -1,
}
_MIN_ROWS = 10  # receipts needed to fit at all
_MIN_CALIBRATION_ROWS = 30  # below this the offsets would be noise: skip calibration


def quantile_column(q: float) -> str:
    """Prediction column of quantile `q`: p50 for 0.5, p90 for 0.9 (p{int(q*100)})."""
    return f"p{round(q * 100)}"


def recency_weights(ordered_on: pd.Series, half_life_days: float | None) -> np.ndarray:
    """Sample weights halving every `half_life_days` back from the latest order (1 when None)."""
    if half_life_days is None:
        return np.ones(len(ordered_on))
    if half_life_days <= 0:
        raise ValueError(f"half_life_days={half_life_days} must be positive, or None for no decay")
    dates = pd.to_datetime(ordered_on)
    age = ((dates.max() - dates) / pd.Timedelta(days=1)).to_numpy(dtype="float64")
    return np.asarray(0.5 ** (age / half_life_days))


@dataclass(frozen=True)
class LeadTimeConfig:
    """How a lead-time model is fitted; kept with the model and logged with it.

    `window`: receipts in each recent level; `half_life_days`: recency weight (None = equal);
    `log_target`: fit log1p(days) (quantiles survive the monotone transform); `anchor`: boost
    from the recent level; `calibration_fraction`: latest share of training receipts used to
    shift each quantile to its nominal coverage (None = off); `use_promised`: add
    promised_on - ordered_on, only where promises are made at order time (never SCMS).
    """

    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    num_boost_round: int = 200
    seed: int = 0
    window: int = 10
    half_life_days: float | None = None
    log_target: bool = True
    anchor: bool = True
    calibration_fraction: float | None = 0.2
    use_promised: bool = False
    min_category_count: int = 5
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        qs = tuple(sorted({float(q) for q in self.quantiles}))
        if not qs or not all(0.0 < q < 1.0 for q in qs):
            raise ValueError(f"quantiles {self.quantiles} must be a non-empty set inside (0, 1)")
        object.__setattr__(self, "quantiles", qs)
        frac = self.calibration_fraction
        if frac is not None and not 0.0 < frac < 1.0:
            raise ValueError(f"calibration_fraction={frac} must be inside (0, 1), or None")


@dataclass
class LeadTimeModel:
    """Fitted quantile boosters of lead time in days, with what they need to predict."""

    config: LeadTimeConfig
    boosters: dict[str, lgb.Booster]  # by quantile column (p50, p90, ...)
    codes: CodeMaps
    history: pd.DataFrame  # `lead_time_history` of the training receipts
    fallback_days: float  # training median: the anchor where no recent level is known
    offsets: dict[str, float] = field(default_factory=dict)  # calibration, label scale

    @classmethod
    def fit(
        cls,
        receipts: pd.DataFrame,
        *,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        num_boost_round: int = 200,
        seed: int = 0,
        **options: Any,
    ) -> LeadTimeModel:
        """Fit one quantile booster per `quantiles` on receipts with a known lead time >= 0.

        `options` are the other `LeadTimeConfig` fields (window, half_life_days, ...).
        """
        config = LeadTimeConfig(
            quantiles=tuple(quantiles), num_boost_round=num_boost_round, seed=seed, **options
        )
        return cls.fit_config(receipts, config)

    @classmethod
    def fit_config(cls, receipts: pd.DataFrame, config: LeadTimeConfig) -> LeadTimeModel:
        """`fit` with every setting in one `LeadTimeConfig` (e.g. read back from a logged run)."""
        lead = lead_time_days(receipts)
        ok = lead.notna().to_numpy() & (lead >= 0).to_numpy()
        if ok.sum() < _MIN_ROWS:
            raise ValueError(
                f"only {int(ok.sum())} receipts have a known lead time >= 0; a lead-time model "
                f"needs at least {_MIN_ROWS} (received_on and ordered_on both set)"
            )
        train = receipts.loc[ok].sort_values("ordered_on", kind="stable").reset_index(drop=True)
        model = _fit_boosters(train, config)
        n_cal = round(len(train) * (config.calibration_fraction or 0.0))
        if n_cal < _MIN_CALIBRATION_ROWS or len(train) - n_cal < _MIN_ROWS:
            return model
        # Fit on the older receipts, score the latest ones as new orders (their recent levels
        # from every training receipt already received), and shift each quantile to cover.
        inner = _fit_boosters(train.iloc[:-n_cal], config)
        latest = train.iloc[-n_cal:]
        raw = inner.raw(inner.features(latest, history=train))
        label = inner.label(lead_time_days(latest).to_numpy())
        offsets = {
            c: float(np.quantile(label - raw[:, i], q))
            for i, (c, q) in enumerate(zip(model.columns, config.quantiles, strict=True))
        }
        return replace(model, offsets=offsets)

    @property
    def quantiles(self) -> tuple[float, ...]:
        return self.config.quantiles

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(quantile_column(q) for q in self.quantiles)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return feature_names(use_promised=self.config.use_promised)

    def label(self, days: np.ndarray) -> np.ndarray:
        """Lead time in days on the scale the boosters fit (log1p or days)."""
        return np.log1p(days) if self.config.log_target else np.asarray(days, dtype="float64")

    def features(self, frame: pd.DataFrame, *, history: pd.DataFrame | None = None) -> pd.DataFrame:
        """The model matrix of orders in `frame`; `history` (receipts) replaces the stored one."""
        known = self.history if history is None else lead_time_history(history)
        return build_features(
            frame,
            known,
            self.codes,
            window=self.config.window,
            use_promised=self.config.use_promised,
        )

    def raw(self, matrix: pd.DataFrame) -> np.ndarray:
        """Uncalibrated quantiles (rows, quantiles) on the label scale: anchor + boosters."""
        raw = np.column_stack([self.boosters[c].predict(matrix) for c in self.columns])
        if self.config.anchor:
            raw = raw + _anchor(matrix, self.fallback_days, self.config.log_target)[:, None]
        return raw

    def predict(self, frame: pd.DataFrame, *, history: pd.DataFrame | None = None) -> pd.DataFrame:
        """Lead-time quantiles in days per order (columns p10 ... p95), >= 0 and non-crossing.

        The recent levels read receipts received before each order date: from the training
        receipts by default, or from `history` (give every receipt known, e.g. the full table;
        only those already received at each row's ordered_on are used, so it cannot leak).
        """
        raw = self.raw(self.features(frame, history=history))
        raw = raw + np.array([self.offsets.get(c, 0.0) for c in self.columns])
        days = np.expm1(raw) if self.config.log_target else raw
        days = np.sort(np.clip(days, 0.0, None), axis=1)
        return pd.DataFrame(days, columns=list(self.columns), index=frame.index)

    def distribution(
        self,
        frame: pd.DataFrame,
        n_samples: int,
        rng: np.random.Generator,
        *,
        history: pd.DataFrame | None = None,
    ) -> np.ndarray:
        """Lead-time samples (rows, n_samples) from each row's piecewise-linear quantile function.

        Between fitted quantiles: linear interpolation. Beyond them: the outer segments' slopes
        continued to probability 0 and 1 (clipped at 0 days), so the tails are bounded; fit
        further quantiles (e.g. 0.98) when the policy needs a longer tail.
        """
        if n_samples < 1:
            raise ValueError(f"n_samples={n_samples} must be at least 1")
        values = self.predict(frame, history=history).to_numpy()
        return sample_quantile_function(values, np.asarray(self.quantiles), n_samples, rng)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly state: config, booster model strings, code maps, history, offsets."""
        history = self.history.assign(received_on=self.history["received_on"].dt.strftime("%F"))
        config = asdict(self.config)
        config["quantiles"] = list(self.config.quantiles)
        config["params"] = dict(self.config.params)
        return {
            "config": config,
            "boosters": {c: b.model_to_string() for c, b in self.boosters.items()},
            "codes": self.codes.to_dict(),
            "history": history.to_dict(orient="list"),
            "fallback_days": self.fallback_days,
            "offsets": dict(self.offsets),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LeadTimeModel:
        """Rebuild a model saved by `to_dict`."""
        import lightgbm as lgb

        history = pd.DataFrame(data["history"], columns=list(data["history"])).astype(
            {"supplier": "str", "mode": "str", "lead_days": "float64"}
        )
        history["received_on"] = pd.to_datetime(history["received_on"]).astype("datetime64[us]")
        config = dict(data["config"])
        config["quantiles"] = tuple(config["quantiles"])
        return cls(
            config=LeadTimeConfig(**config),
            boosters={c: lgb.Booster(model_str=s) for c, s in data["boosters"].items()},
            codes=CodeMaps.from_dict(data["codes"]),
            history=history,
            fallback_days=float(data["fallback_days"]),
            offsets={c: float(v) for c, v in data.get("offsets", {}).items()},
        )


def _fit_boosters(train: pd.DataFrame, config: LeadTimeConfig) -> LeadTimeModel:
    """One booster per quantile on `train` (known lead times >= 0), without calibration."""
    import lightgbm as lgb

    target = lead_time_days(train).to_numpy(dtype="float64")
    history = lead_time_history(train)
    codes = CodeMaps.fit(train, min_count=config.min_category_count)
    features = build_features(
        train, history, codes, window=config.window, use_promised=config.use_promised
    )
    fallback = float(np.median(target))
    model = LeadTimeModel(config, {}, codes, history, fallback)
    init = _anchor(features, fallback, config.log_target) if config.anchor else None
    params = {**DEFAULT_PARAMS, **config.params, "objective": "quantile", "seed": config.seed}
    data = lgb.Dataset(
        features,
        label=model.label(target),
        weight=recency_weights(train["ordered_on"], config.half_life_days),
        init_score=init,
        categorical_feature=list(CATEGORICAL),
        free_raw_data=False,
    )
    for column, q in zip(model.columns, config.quantiles, strict=True):
        model.boosters[column] = lgb.train(
            {**params, "alpha": q}, data, num_boost_round=config.num_boost_round
        )
    return model


def _anchor(features: pd.DataFrame, fallback: float, log_target: bool) -> np.ndarray:
    """The finest recent level known per row (supplier-mode, supplier, all), on the label scale.

    Boosting from it, the trees learn corrections to the recent level rather than its value, so
    a level never seen in training (a supplier turning same-day) still moves the prediction.
    """
    level = features["level_supplier_mode"].to_numpy(dtype="float64")
    for name in ("level_supplier", "level_all"):
        level = np.where(np.isnan(level), features[name].to_numpy(dtype="float64"), level)
    level = np.where(np.isnan(level), fallback, level)
    return np.log1p(level) if log_target else level


def sample_quantile_function(
    values: np.ndarray, quantiles: np.ndarray, n_samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Inverse-CDF samples (rows, n_samples) from per-row quantile values at `quantiles`."""
    if len(quantiles) == 1:  # one quantile: a point mass is all it says
        return np.repeat(values, n_samples, axis=1)
    # Knots at probability 0 and 1 continue the outer segments' slopes.
    slope_low = (values[:, 1:2] - values[:, :1]) / (quantiles[1] - quantiles[0])
    slope_high = (values[:, -1:] - values[:, -2:-1]) / (quantiles[-1] - quantiles[-2])
    low = np.clip(values[:, :1] - slope_low * quantiles[0], 0.0, None)
    high = values[:, -1:] + slope_high * (1.0 - quantiles[-1])
    knots_q = np.concatenate([[0.0], quantiles, [1.0]])
    knots_v = np.concatenate([low, values, high], axis=1)
    u = rng.random((len(values), n_samples))
    seg = np.clip(np.searchsorted(knots_q, u, side="right") - 1, 0, len(knots_q) - 2)
    frac = (u - knots_q[seg]) / (knots_q[seg + 1] - knots_q[seg])
    rows = np.arange(len(values))[:, None]
    start, stop = knots_v[rows, seg], knots_v[rows, seg + 1]
    return np.asarray(start + frac * (stop - start))
