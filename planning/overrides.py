"""Planner overrides of the demand forecast: stored with a rationale and an expiry, applied in
planning, shown beside the model, and scored against actuals afterwards (was the override right?).

The one import point for callers; each concept lives in its own module:

- `override_record`: the `Override` value (kinds, status, band adjustment, validation);
- `override_errors`: what a request can fail with;
- `override_store`: table `forecast_overrides` and the `Overrides` repository;
- `override_apply`: overrides applied to the plan's cube or a long forecast frame;
- `override_scoring`: each override's accuracy against the model's, from actuals.
"""

from __future__ import annotations

# The `x as x` imports are names outside `__all__` that this module defined before the split:
# kept importable from here so code written against the single module still finds them.
from planning.override_apply import _apply_frame as _apply_frame
from planning.override_apply import _p50_index as _p50_index
from planning.override_apply import apply_overrides, horizon_dates
from planning.override_errors import (
    InvalidOverride,
    OverrideConflict,
    OverrideError,
    UnknownOverride,
)
from planning.override_record import KINDS as KINDS
from planning.override_record import Kind, Override
from planning.override_record import _instant as _instant
from planning.override_record import _problems as _problems
from planning.override_record import _utc as _utc
from planning.override_scoring import _KEYS as _KEYS
from planning.override_scoring import ACCURACY_COLUMNS, baseline_frame, override_accuracy
from planning.override_store import OverrideBase, Overrides
from planning.override_store import _from_row as _from_row
from planning.override_store import _Row as _Row

__all__ = [
    "ACCURACY_COLUMNS",
    "InvalidOverride",
    "Kind",
    "Override",
    "OverrideBase",
    "OverrideConflict",
    "OverrideError",
    "Overrides",
    "UnknownOverride",
    "apply_overrides",
    "baseline_frame",
    "horizon_dates",
    "override_accuracy",
]
