"""Pictures of the segmentation a planner would rather look at than read: the ABC Pareto curve
and the Syntetos-Boylan demand-pattern map (ADI vs CV^2) with the class boundaries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from restock.plotting import pyplot
from restock.settings import SegmentationThresholds

__all__ = ["plot_segments"]

_PATTERN_COLOURS = {
    "smooth": "#2a9d8f",
    "intermittent": "#e9c46a",
    "erratic": "#f4a261",
    "lumpy": "#e76f51",
}


def plot_segments(segments: pd.DataFrame, thresholds: SegmentationThresholds, path: Path) -> Path:
    """Write a two-panel PNG of `features.segment.segment` output; returns `path`."""
    plt = pyplot()
    fig, (pareto, pattern) = plt.subplots(1, 2, figsize=(12, 4.8))
    ranked = segments.sort_values("value", ascending=False)
    share = ranked["cum_share"].to_numpy()
    x = np.arange(1, len(ranked) + 1) / max(len(ranked), 1)
    pareto.plot(x, share, color="#264653")
    for cut, label in ((thresholds.abc_a, "A"), (thresholds.abc_b, "B")):
        pareto.axhline(cut, color="grey", linestyle=":", linewidth=1)
        pareto.text(0.98, cut, f"{label} up to {cut:.0%}", ha="right", va="bottom", fontsize=8)
    counts = segments["abc"].value_counts()
    pareto.set_title(
        "ABC: cumulative value share (" + ", ".join(f"{k} {counts.get(k, 0)}" for k in "ABC") + ")"
    )
    pareto.set_xlabel("share of series, by value")
    pareto.set_ylabel("share of value")

    active = segments[np.isfinite(segments["adi"]) & (segments["total_demand"] > 0)]
    for name, colour in _PATTERN_COLOURS.items():
        group = active[active["intermittency"] == name]
        pattern.scatter(group["adi"], group["cv2"], s=8, alpha=0.6, color=colour, label=name)
    pattern.axvline(thresholds.adi, color="grey", linestyle=":", linewidth=1)
    pattern.axhline(thresholds.cv2, color="grey", linestyle=":", linewidth=1)
    pattern.set_xscale("log")
    pattern.set_xlabel("ADI: average periods between demands (log)")
    pattern.set_ylabel("CV² of non-zero demand sizes")
    pattern.set_title("demand pattern (Syntetos-Boylan)")
    pattern.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
