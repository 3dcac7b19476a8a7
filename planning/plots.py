"""The simulator's picture: service level against the stock it costs, one curve per policy."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from restock.plotting import pyplot

__all__ = ["plot_tradeoff"]

_LABELS = {
    "restock": "restock (forecast quantiles x lead-time Monte Carlo)",
    "z_sqrt_l_sigma": "classic z·sqrt(L)·σ",
    "min_max": "min/max",
}


def plot_tradeoff(curve: pd.DataFrame, path: Path) -> Path:
    """Fill rate (x) vs average inventory value (y); points are target scalings, the circled one
    the nominal targets. Further right and lower is better."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    for policy, group in curve.groupby("policy", sort=False):
        group = group.sort_values("fill_rate")
        ax.plot(
            group["fill_rate"] * 100,
            group["inventory_value"],
            marker="o",
            label=_LABELS.get(str(policy), str(policy)),
        )
        nominal = group[group["scale"] == 1.0]
        ax.scatter(
            nominal["fill_rate"] * 100,
            nominal["inventory_value"],
            s=160,
            facecolors="none",
            edgecolors="black",
        )
    ax.set_xlabel("achieved fill rate, all series (%)")
    ax.set_ylabel("average inventory value")
    ax.set_title("Service vs stock: policy simulation (circled: nominal targets)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
