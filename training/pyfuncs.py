"""MLflow pyfunc wrappers: how a registered model is called by serving and by `mlflow ui` users.

Inputs and outputs are plain columns (text keys, numbers, dates): pandas `category` columns break
pyfunc's schema enforcement (DESIGN.md section 9), so keys become categories only inside.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from mlflow.pyfunc import PythonModel

from training.leadtime import LeadTimeModel
from training.routed import RoutedForecaster

__all__ = ["DemandPyfunc", "LeadTimePyfunc", "plain_columns"]


def plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories to text so a frame can cross the pyfunc boundary."""
    return frame.astype(
        {c: "str" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    )


class DemandPyfunc(PythonModel):
    """Input: a cleaned-panel history (sku, location, date, units, demand, price, on_promo, ...);
    output: quantile forecasts for the next H periods of every series in it, with `routed_to`
    naming the method each series used (the model, or the baseline its class is routed to)."""

    def __init__(self, forecaster: RoutedForecaster) -> None:
        self.forecaster = forecaster

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        history = model_input.astype({"sku": "category", "location": "category"})
        history = history.sort_values(["sku", "location", "date"], ignore_index=True)
        return plain_columns(self.forecaster.predict(history))


class LeadTimePyfunc(PythonModel):
    """Input: receipts-like rows (supplier, mode, origin, product_group, ordered_on, qty, ...);
    output: lead-time quantiles in days per row."""

    def __init__(self, model: LeadTimeModel) -> None:
        self.model = model

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        return plain_columns(self.model.predict(model_input))
