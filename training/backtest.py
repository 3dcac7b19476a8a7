"""Rolling-origin backtest of the demand model beside the baselines, on the same rows.

For each origin T the model and every baseline see only the cleaned panel up to T (the model
refits per fold), forecast the next H periods, and are scored on the periods that were really
observed: gap rows (no data) and censored rows (stockout: demand unknown) are not scored, because
their "actual" would be a guess. Origins are spaced one horizon apart and the last one ends at
the panel's last date, unless given explicitly (e.g. the Walmart protocol's cutoffs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from features.dataset import Frequency
from features.segment import segment
from features.series_codes import SeriesCodes
from restock.progress import progress_bar
from restock.settings import SegmentationThresholds
from training.baselines import DEFAULT_METHODS, baseline_forecasts
from training.blend import Blend, apply_blend, blend_members, choose_blend
from training.demand import DemandModel
from training.demand_frame import horizon_for
from training.metrics import score, series_scales
from training.routing import apply_routes, choose_routes, route_classes

__all__ = [
    "CHAMPION_METHOD",
    "Incumbent",
    "MODEL_METHOD",
    "ROUTED_METHOD",
    "BacktestConfig",
    "BacktestResult",
    "origins_for",
    "run_backtest",
]

MODEL_METHOD = "restock_lgbm"
# The model combined with its blend member at the weight earlier folds chose
# (`training.blend`), with short / intermittent classes routed to the baseline that won them on
# earlier folds (`training.routing`); without a warm-up fold, on the first fold it is the model.
ROUTED_METHOD = "restock_routed"
# The registered champion, scored on the folds it was not trained on (gate: same rows).
CHAMPION_METHOD = "champion"


@dataclass(frozen=True)
class BacktestConfig:
    folds: int = 3
    horizon: int | None = None  # None: the frequency's default (daily 28, weekly 13, monthly 12)
    origins: tuple[pd.Timestamp, ...] | None = None  # explicit cutoffs override `folds`
    baselines: tuple[str, ...] = DEFAULT_METHODS
    num_boost_round: int = 300
    seed: int = 0
    # Series with fewer observed periods are routed as `short`; None: twice the horizon.
    min_history: int | None = None
    # An extra fold one horizon before the first origin, scored only to choose the first
    # fold's routes, so every reported fold of `restock_routed` is routed out of sample.
    routing_warmup: bool = True
    # Methods the model's median may be combined with (`training.blend`), forecast beside the
    # baselines; None: the frequency's own (`blend_members`: MSTL for weekly data).
    blend_with: tuple[str, ...] | None = None
    # The current champion, scored as `champion` on the folds it has not seen (origin on or
    # after `incumbent_trained_until`), so the gate compares both on the same rows.
    incumbent: Incumbent | None = None
    incumbent_trained_until: pd.Timestamp | None = None


class Incumbent(Protocol):
    """What the backtest needs of a registered forecaster: forecasts from a history."""

    def predict(self, history: pd.DataFrame) -> pd.DataFrame: ...


@dataclass
class BacktestResult:
    """Scores pooled over folds (`table`), per fold (`per_fold`), and every scored forecast."""

    table: pd.DataFrame
    per_fold: pd.DataFrame
    forecasts: pd.DataFrame
    origins: list[pd.Timestamp] = field(default_factory=list)
    horizon: int = 0
    # Route class -> method chosen on all folds: what inference applies (`training.routing`).
    routes: dict[str, str] = field(default_factory=dict)
    # sku, location, route_class, routed_to of every series at the last origin.
    assignments: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Observed periods under which a series is `short`; inference must use the same.
    min_history: int = 0
    # Per-series scales of the latest fold (what pooled scores divide by).
    scales: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The combination chosen on all folds (None: the model alone): what inference applies.
    blend: Blend | None = None
    # The combination each reported fold's `restock_routed` used, chosen on the folds before it.
    fold_blends: list[Blend | None] = field(default_factory=list)

    def overall(self) -> pd.DataFrame:
        """One row per method over all segments, best MASE first."""
        rows = self.table[self.table["segment"] == "all"].set_index("method")
        return rows.sort_values("MASE")

    def metrics(self, method: str) -> dict[str, float]:
        row = self.overall().loc[method]
        return {str(k): float(v) for k, v in row.items() if isinstance(v, int | float)}

    def head_to_head(
        self, method: str, other: str = CHAMPION_METHOD
    ) -> tuple[dict[str, float], dict[str, float], int] | None:
        """Both methods pooled over the folds where `other` was scored (same rows, same scales),
        and how many folds that is; None when `other` never was."""
        folds = sorted(set(self.forecasts.loc[self.forecasts["method"] == other, "fold"]))
        if not folds:
            return None
        rows = self.forecasts[
            self.forecasts["fold"].isin(folds) & self.forecasts["method"].isin([method, other])
        ]
        pair = _pooled(rows, self.scales.assign(fold=0), None)
        overall = pair[pair["segment"] == "all"].set_index("method")

        def _numbers(name: str) -> dict[str, float]:
            row = overall.loc[name]
            return {str(k): float(v) for k, v in row.items() if isinstance(v, int | float)}

        return _numbers(method), _numbers(other), len(folds)


def _period_offset(frequency: Frequency, dates: pd.Series) -> pd.DateOffset:
    return frequency.offset(dates)  # type: ignore[return-value]


def origins_for(
    panel: pd.DataFrame, frequency: Frequency, *, folds: int, horizon: int
) -> list[pd.Timestamp]:
    """`folds` origins one horizon apart, the last leaving exactly `horizon` periods to score."""
    last = pd.Timestamp(panel["date"].max())
    step = _period_offset(frequency, panel["date"])
    origins = []
    origin = last
    for _ in range(horizon):
        origin = origin - step
    for _ in range(folds):
        origins.append(origin)
        for _ in range(horizon):
            origin = origin - step
    return sorted(origins)


def _actuals(panel: pd.DataFrame, origin: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    window = panel[(panel["date"] > origin) & (panel["date"] <= end)]
    observed = window[~window["gap"].to_numpy() & ~window["censored"].to_numpy()]
    return observed[["sku", "location", "date"]].assign(actual=observed["units"].to_numpy())


def _segments(history: pd.DataFrame, segments: pd.DataFrame | None) -> pd.DataFrame | None:
    if segments is None:
        return None
    column = "intermittency" if "intermittency" in segments.columns else "segment"
    return segments[["sku", "location"]].assign(segment=segments[column].astype("str"))


def _warmup_origin(
    panel: pd.DataFrame,
    frequency: Frequency,
    first: pd.Timestamp,
    horizon: int,
    min_history: int,
) -> pd.Timestamp | None:
    """One horizon before `first`, if the panel has `min_history` periods before that."""
    step = _period_offset(frequency, panel["date"])
    origin = pd.Timestamp(first)
    for _ in range(horizon):
        origin = origin - step
    start = pd.Timestamp(panel["date"].min())
    for _ in range(min_history):
        start = start + step
    return origin if origin >= start else None


def run_backtest(
    panel: pd.DataFrame,
    frequency: Frequency,
    config: BacktestConfig,
    *,
    calendar: pd.DataFrame | None = None,
    codes: SeriesCodes | None = None,
    segments: pd.DataFrame | None = None,
    thresholds: SegmentationThresholds | None = None,
    progress: bool = False,
) -> BacktestResult:
    """Refit and score the model and the baselines at every origin; pool the scores."""
    horizon = config.horizon or horizon_for(frequency)
    origins: Sequence[pd.Timestamp] = config.origins or origins_for(
        panel, frequency, folds=config.folds, horizon=horizon
    )
    codes = codes or SeriesCodes.from_panel(panel)
    thresholds = thresholds or SegmentationThresholds()
    min_history = config.min_history or 2 * horizon
    members = blend_members(frequency) if config.blend_with is None else config.blend_with
    methods = (*config.baselines, *(m for m in members if m not in config.baselines))
    scored: list[pd.DataFrame] = []
    per_fold: list[pd.DataFrame] = []
    scales_all: list[pd.DataFrame] = []
    routes: dict[str, str] = {}
    blend: Blend | None = None
    fold_blends: list[Blend | None] = []
    classes = pd.DataFrame()
    evidence: list[pd.DataFrame] = []  # scored rows routes are chosen from (warm-up included)
    warmup = _warmup_origin(panel, frequency, origins[0], horizon, min_history)
    plan = [(warmup, False)] if config.routing_warmup and warmup is not None else []
    plan += [(pd.Timestamp(o), True) for o in origins]
    with progress_bar("backtest folds", len(plan), enabled=progress) as advance:
        for origin, reported in plan:
            history = panel[panel["date"] <= origin]
            model = DemandModel.fit(
                history,
                frequency,
                calendar=calendar,
                codes=codes,
                num_boost_round=config.num_boost_round,
                seed=config.seed,
            )
            forecast = model.predict(history).assign(method=MODEL_METHOD)
            baselines = baseline_forecasts(
                history, horizon=horizon, frequency=frequency, methods=methods
            )
            forecasts = pd.concat([forecast, baselines], ignore_index=True)
            combined = pd.concat(
                [apply_blend(forecasts, blend, model=MODEL_METHOD), baselines], ignore_index=True
            )
            # Classes from this fold's history only; routes from earlier folds only.
            classes = route_classes(
                history, segment(history, frequency, thresholds), min_history=min_history
            )
            routed = apply_routes(combined, classes, routes, model=MODEL_METHOD, name=ROUTED_METHOD)
            forecasts = pd.concat([forecasts, routed], ignore_index=True)
            unseen = config.incumbent_trained_until is None or (
                origin >= pd.Timestamp(config.incumbent_trained_until)
            )
            if reported and config.incumbent is not None and unseen:
                theirs = config.incumbent.predict(history)
                theirs = theirs.drop(columns=["routed_to"], errors="ignore")
                forecasts = pd.concat(
                    [forecasts, _like(theirs.assign(method=CHAMPION_METHOD), forecast)],
                    ignore_index=True,
                )
            end = pd.Timestamp(forecast["date"].max())
            actuals = _actuals(panel, origin, end)
            merged = forecasts.merge(actuals, on=["sku", "location", "date"], how="inner")
            merged = merged.merge(classes, on=["sku", "location"], how="left")
            ours = merged[~merged["method"].isin([ROUTED_METHOD, CHAMPION_METHOD])]
            evidence.append(ours.assign(fold=len(evidence)))
            if reported:
                fold = len(per_fold)
                # One-step naive scale (M5, the protocol), from at least one horizon of errors.
                scales = series_scales(history, min_pairs=horizon)
                table = score(forecasts, actuals, scales, _segments(history, segments))
                per_fold.append(table.assign(fold=fold, origin=origin))
                scored.append(merged.assign(fold=fold, origin=origin))
                scales_all.append(scales.assign(fold=fold))
                fold_blends.append(blend)
            seen = pd.concat(evidence, ignore_index=True)
            routes = choose_routes(seen, model=MODEL_METHOD)
            blend = choose_blend(seen, model=MODEL_METHOD, members=members)
            advance(1)
    everything = pd.concat(scored, ignore_index=True)
    pooled = _pooled(everything, pd.concat(scales_all, ignore_index=True), segments)
    return BacktestResult(
        table=pooled,
        per_fold=pd.concat(per_fold, ignore_index=True),
        forecasts=everything,
        origins=[pd.Timestamp(o) for o in origins],
        horizon=horizon,
        routes=routes,
        assignments=classes.assign(
            routed_to=classes["route_class"].map(routes).fillna(MODEL_METHOD)
        ),
        min_history=min_history,
        blend=blend,
        fold_blends=fold_blends,
        scales=pd.concat(scales_all, ignore_index=True).pipe(
            lambda f: f[f["fold"] == f["fold"].max()].drop(columns="fold")
        ),
    )


def _like(frame: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the model forecast's columns and key dtypes (for one concat)."""
    out = frame[[c for c in model.columns if c in frame.columns]].copy()
    for key in ("sku", "location"):
        out[key] = out[key].astype(model[key].dtype)
    return out


def _pooled(
    scored: pd.DataFrame, scales: pd.DataFrame, segments: pd.DataFrame | None
) -> pd.DataFrame:
    """Scores over the rows of all folds together (not a mean of fold scores).

    Fold windows do not overlap, so (sku, location, date) stays a key; each series is scaled by
    its scale on the latest fold's history, the longest and most stable one.
    """
    latest = scales[scales["fold"] == scales["fold"].max()].drop(columns="fold")
    actuals = scored[["sku", "location", "date", "actual"]].drop_duplicates(
        ["sku", "location", "date"]
    )
    forecasts = scored.drop(
        columns=["actual", "fold", "origin", "route_class", "routed_to"], errors="ignore"
    )
    return score(forecasts, actuals, latest, _segments(scored, segments))
