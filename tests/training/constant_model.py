"""A pyfunc model that predicts one constant: a loaded model then tells which version it is."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

__all__ = ["ConstantModel"]


class ConstantModel(PythonModel):
    """Predicts the same number for every row."""

    def __init__(self, value: float) -> None:
        self.value = value

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> np.ndarray:
        return np.full(len(model_input), self.value)
