"""Backtest pictures logged with every model: forecast vs actual, calibration, drivers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from restock.plotting import pyplot

__all__ = ["plot_calibration", "plot_drivers", "plot_forecasts"]

_QUANTILE_COLUMNS = {"p10": 0.10, "p50": 0.50, "p90": 0.90, "p95": 0.95, "p98": 0.98}


def plot_forecasts(
    forecasts: pd.DataFrame, history: pd.DataFrame, method: str, path: Path, *, series: int = 6
) -> Path:
    """The highest-volume series: recent history, actuals, P50 and the P10-P90 band per fold."""
    plt = pyplot()
    mine = forecasts[forecasts["method"] == method]
    volume = mine.groupby(["sku", "location"], observed=True)["actual"].sum()
    top = volume.sort_values(ascending=False).head(series).index
    cols = 2
    rows = int(np.ceil(len(top) / cols)) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(12, 2.6 * rows), squeeze=False)
    first_origin = mine["origin"].min() if "origin" in mine.columns else mine["date"].min()
    for ax, (sku, location) in zip(axes.ravel(), top, strict=False):
        past = history[(history["sku"] == sku) & (history["location"] == location)]
        past = past[past["date"] > first_origin - (mine["date"].max() - first_origin)]
        ax.plot(past["date"], past["units"], color="#999999", linewidth=0.8, label="sales")
        one = mine[(mine["sku"] == sku) & (mine["location"] == location)].sort_values("date")
        for _, fold in one.groupby("origin"):
            ax.fill_between(fold["date"], fold["p10"], fold["p90"], color="#2a9d8f", alpha=0.25)
            ax.plot(fold["date"], fold["p50"], color="#264653", linewidth=1.2)
        ax.scatter(one["date"], one["actual"], s=5, color="#e76f51", label="actual", zorder=3)
        ax.set_title(f"{sku} @ {location}", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(top) :]:
        ax.axis("off")
    fig.suptitle(f"{method}: P50 and P10-P90 band per backtest fold vs actual", fontsize=10)
    fig.tight_layout()
    return _save(fig, plt, path)


def plot_calibration(forecasts: pd.DataFrame, method: str, path: Path) -> Path:
    """Share of actuals below each quantile forecast vs the quantile's nominal level."""
    plt = pyplot()
    mine = forecasts[forecasts["method"] == method]
    present = [c for c in _QUANTILE_COLUMNS if c in mine.columns and mine[c].notna().any()]
    nominal = [_QUANTILE_COLUMNS[c] for c in present]
    empirical = [float((mine["actual"] <= mine[c]).mean()) for c in present]
    fig, ax = plt.subplots(figsize=(4.8, 4.8))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.plot(nominal, empirical, marker="o", color="#264653")
    for q, e, name in zip(nominal, empirical, present, strict=True):
        ax.annotate(f"{name} {e:.0%}", (q, e), textcoords="offset points", xytext=(6, -10))
    ax.set_xlabel("nominal quantile")
    ax.set_ylabel("share of actuals at or below the forecast")
    ax.set_title(f"{method}: calibration over all folds", fontsize=10)
    fig.tight_layout()
    return _save(fig, plt, path)


def plot_drivers(
    importance: pd.DataFrame, path: Path, *, top: int = 20, scale: str = "log-link scale"
) -> Path:
    """Mean absolute SHAP contribution per feature (the model's global drivers).

    A Tweedie model adds contributions on its log link, so `scale` says which units they are in.
    """
    plt = pyplot()
    column = "mean_abs_shap" if "mean_abs_shap" in importance.columns else importance.columns[-1]
    ranked = importance.sort_values(column, ascending=True).tail(top)
    fig, ax = plt.subplots(figsize=(6.5, 0.28 * len(ranked) + 1.2))
    ax.barh(ranked["feature"].astype("str"), ranked[column], color="#2a9d8f")
    ax.set_xlabel(f"mean |SHAP| ({scale})")
    ax.set_title("global drivers (SHAP)", fontsize=10)
    fig.tight_layout()
    return _save(fig, plt, path)


def _save(fig: Any, plt: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
