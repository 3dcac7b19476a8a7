"""What a replenishment plan starts from: the validated tables, the cleaned panel and segments.

Review time is the panel's last date: the plan orders for the periods after it. Stock is the
latest inventory snapshot at or before that date per sku-location; a sku-location without one
is planned from zero stock (said in the plan's notes, never silently).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from features.dataset import Dataset, Frequency
from features.storage import load_dataset
from restock.settings import Settings
from training.train_demand import load_training_panel

__all__ = ["PlanningInputs", "latest_stock", "load_inputs"]

_KEYS = ["sku", "location"]


@dataclass
class PlanningInputs:
    """Tables a plan needs, all at one review date."""

    dataset: Dataset
    panel: pd.DataFrame
    segments: pd.DataFrame
    review_date: pd.Timestamp
    stock: pd.DataFrame  # sku, location, on_hand, on_order, backorders, snapshot
    notes: list[str] = field(default_factory=list)

    @property
    def frequency(self) -> Frequency:
        return self.dataset.frequency


def latest_stock(inventory: pd.DataFrame, review_date: pd.Timestamp) -> pd.DataFrame:
    """Per sku-location the newest snapshot taken on or before `review_date`."""
    columns = [*_KEYS, "on_hand", "on_order", "backorders", "snapshot"]
    if inventory.empty:
        return pd.DataFrame(columns=columns)
    usable = inventory[pd.to_datetime(inventory["as_of"]) <= review_date]
    usable = usable.sort_values("as_of").drop_duplicates(_KEYS, keep="last")
    out = usable.rename(columns={"as_of": "snapshot"})
    for column in _KEYS:
        out[column] = out[column].astype("str")
    return out[columns].reset_index(drop=True)


def load_inputs(settings: Settings) -> PlanningInputs:
    """The home's dataset and cleaned panel, or a clear error naming the command to run."""
    dataset = load_dataset(settings.paths)  # SourceError names the command when missing
    panel, segments = load_training_panel(settings)
    review_date = pd.Timestamp(panel["date"].max())
    stock = latest_stock(dataset.inventory, review_date)
    notes = []
    if stock.empty:
        notes.append("no inventory snapshot: every sku-location is planned from zero stock")
    else:
        oldest = pd.Timestamp(stock["snapshot"].min())
        if oldest < review_date:
            notes.append(
                f"some stock snapshots predate the review date {review_date.date()} (oldest "
                f"{oldest.date()}): positions may be stale"
            )
    return PlanningInputs(
        dataset=dataset,
        panel=panel,
        segments=segments,
        review_date=review_date,
        stock=stock,
        notes=notes,
    )
