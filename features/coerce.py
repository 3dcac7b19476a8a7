"""Turn raw column values (text from CSV, or already-typed loader output) into contract types.

Coercion never drops a row: it returns the typed column and a mask of the values it could not
parse, so the validator can quarantine exactly those rows with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.contracts import Column, Kind

__all__ = ["Coerced", "coerce_column"]

# Text that means "no value" rather than "a value we cannot read".
_MISSING_TEXT = frozenset({"", "nan", "na", "n/a", "null", "none", "nat", "-"})
_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})


@dataclass
class Coerced:
    values: pd.Series
    # True where the raw value was present but could not be read as the column's type.
    unparseable: np.ndarray
    # True where there is no value at all (empty text, NaN, NaT, None).
    missing: np.ndarray


def _as_text(raw: pd.Series) -> pd.Series:
    return raw.astype("str").str.strip()


def _missing_text(text: pd.Series) -> np.ndarray:
    return np.asarray(text.str.lower().isin(_MISSING_TEXT) | raw_isna(text), dtype=bool)


def raw_isna(values: pd.Series) -> np.ndarray:
    return np.asarray(values.isna(), dtype=bool)


def _is_texty(raw: pd.Series) -> bool:
    return raw.dtype == object or pd.api.types.is_string_dtype(raw)


def _coerce_number(raw: pd.Series, integer: bool) -> Coerced:
    if pd.api.types.is_bool_dtype(raw):
        raw = raw.astype("float64")
    if pd.api.types.is_numeric_dtype(raw):
        # float32 input stays float32 (exact for counts below 16.7M, and half the memory).
        values = raw if pd.api.types.is_float_dtype(raw) else raw.astype("float64")
        missing = np.asarray(values.isna(), dtype=bool)
        return Coerced(values, np.zeros(len(raw), dtype=bool), missing)
    text = _as_text(raw)
    missing = _missing_text(text)
    values = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    values = values.astype("float64")
    unparseable = np.asarray(values.isna(), dtype=bool) & ~missing
    if integer:
        fractional = np.asarray(values.notna() & (values % 1 != 0) & np.isfinite(values))
        unparseable |= fractional
    return Coerced(values, unparseable, missing)


def _coerce_bool(raw: pd.Series, default: object) -> Coerced:
    if pd.api.types.is_bool_dtype(raw) and not raw.isna().any():
        return Coerced(raw.astype(bool), np.zeros(len(raw), dtype=bool), np.zeros(len(raw), bool))
    if pd.api.types.is_numeric_dtype(raw):
        text = raw.astype("float64").map(lambda v: "" if pd.isna(v) else str(v)).astype("str")
    else:
        text = _as_text(raw)
    lowered = text.str.lower()
    missing = np.asarray(lowered.isin(_MISSING_TEXT) | text.isna(), dtype=bool)
    true = np.asarray(lowered.isin(_TRUE), dtype=bool)
    false = np.asarray(lowered.isin(_FALSE), dtype=bool)
    unparseable = ~(true | false | missing)
    # An empty flag cell means "not flagged": the documented default of every boolean column.
    values = np.where(missing, bool(default), true)
    return Coerced(pd.Series(values, index=raw.index), unparseable, np.zeros(len(raw), bool))


def _coerce_date(raw: pd.Series) -> Coerced:
    if pd.api.types.is_datetime64_any_dtype(raw):
        values = raw
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        missing = np.asarray(values.isna(), dtype=bool)
        return Coerced(values.dt.normalize(), np.zeros(len(raw), dtype=bool), missing)
    text = _as_text(raw)
    missing = _missing_text(text)
    # Canonical files carry ISO 8601 dates; guessing day-first vs month-first would corrupt
    # data silently, so anything else is quarantined as a bad date.
    values = pd.to_datetime(text.where(~missing), errors="coerce", format="ISO8601")
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    unparseable = np.asarray(values.isna(), dtype=bool) & ~missing
    return Coerced(values.dt.normalize(), unparseable, missing)


def _coerce_text(raw: pd.Series, kind: Kind) -> Coerced:
    if isinstance(raw.dtype, pd.CategoricalDtype) and kind is Kind.CATEGORY:
        missing = np.asarray(raw.isna(), dtype=bool)
        return Coerced(raw, np.zeros(len(raw), dtype=bool), missing)
    text = raw.astype("str").str.strip() if _is_texty(raw) else raw.astype("str")
    missing = np.asarray(text.isna() | (text == "") | raw.isna(), dtype=bool)
    values = text.astype("category") if kind is Kind.CATEGORY else text
    return Coerced(values, np.zeros(len(raw), dtype=bool), missing)


def coerce_column(raw: pd.Series, column: Column) -> Coerced:
    """Coerce one raw column to its contract kind, reporting unreadable and missing values."""
    if column.kind in (Kind.FLOAT, Kind.INT):
        return _coerce_number(raw, integer=column.kind is Kind.INT)
    if column.kind is Kind.BOOL:
        return _coerce_bool(raw, column.default if column.default is not None else False)
    if column.kind is Kind.DATE:
        return _coerce_date(raw)
    return _coerce_text(raw, column.kind)
