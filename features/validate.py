"""Apply a contract's business rules: valid rows continue, the rest go to quarantine with a reason.

Rows in = valid rows + quarantined rows, always. A whole table that cannot be read against its
contract (missing columns, no rows) raises `ContractError` naming the file and the fix instead.
Each quarantined row carries one reason code: the first rule it breaks, in the order of `REASONS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.coerce import coerce_column
from features.contracts import Column, Contract, Kind
from features.loaders.errors import SourceError

__all__ = [
    "REASONS",
    "ContractError",
    "ValidationResult",
    "check_columns",
    "normalise_columns",
    "validate_table",
]

# Reason codes, in the order rules are checked; a row keeps the first one it breaks.
REASONS: dict[str, str] = {
    "missing_value": "a required value is empty",
    "bad_date": "a date is empty or not an ISO date (YYYY-MM-DD)",
    "bad_number": "a number could not be read",
    "bad_bool": "a flag is not true/false/1/0/yes/no",
    "non_finite": "a number is NaN or infinite",
    "negative": "a quantity that cannot be negative is below zero",
    "non_positive": "a value that must be above zero (e.g. price) is zero or below",
    "out_of_range": "a value is outside its allowed range",
    "invalid_choice": "a value is not one of the allowed labels",
    "future_date": "an observed fact is dated after today",
    "date_order": "dates are out of order (e.g. received before ordered)",
    "unknown_sku": "the sku is not in the items table",
    "unknown_location": "the location is not in the locations table",
    "duplicate_key": "another row has the same key (the first one is kept)",
}
_CODE = {name: i + 1 for i, name in enumerate(REASONS)}
_NAMES = np.array(["", *REASONS], dtype=object)

QUARANTINE_COLUMNS = ("q_reason", "q_column", "q_detail", "q_source", "q_row")


class ContractError(SourceError):
    """A whole table cannot be read against its contract; the message says how to fix it."""


@dataclass
class ValidationResult:
    contract: str
    source: str
    valid: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int
    ignored_columns: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Quarantined rows per reason code."""
        if self.quarantine.empty:
            return {}
        return {str(k): int(v) for k, v in self.quarantine["q_reason"].value_counts().items()}


def normalise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Header names are matched case-insensitively and without surrounding spaces."""
    renamed = {c: str(c).strip().lower() for c in frame.columns}
    return frame.rename(columns=renamed)


class _Reasons:
    """Per-row reason codes; the first rule a row breaks wins."""

    def __init__(self, n: int) -> None:
        self.code = np.zeros(n, dtype=np.int8)
        self.column = np.full(n, "", dtype=object)

    def mark(self, mask: np.ndarray, reason: str, column: str) -> None:
        fresh = mask & (self.code == 0)
        self.code[fresh] = _CODE[reason]
        self.column[fresh] = column


def check_columns(frame: pd.DataFrame, contract: Contract, source: str) -> None:
    """Raise `ContractError` naming the file and the expected names if required columns lack."""
    frame = normalise_columns(frame)
    missing = [c for c in contract.required if c not in frame.columns]
    if missing:
        expected = ", ".join(contract.names)
        hint = _delimiter_hint(frame)
        raise ContractError(
            f"{source}: missing required column(s) {', '.join(map(repr, missing))} for the "
            f"'{contract.name}' table (found: {', '.join(map(str, frame.columns)) or 'none'}). "
            f"Rename the columns to the contract's names: {expected}.{hint}"
        )


def _delimiter_hint(frame: pd.DataFrame) -> str:
    if len(frame.columns) == 1:
        header = str(frame.columns[0])
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in header:
                return f" The file seems to be separated by {name}: save it comma-separated."
    return ""


def _numeric_rules(values: pd.Series, col: Column, reasons: _Reasons) -> None:
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    if not col.nullable:
        reasons.mark(~np.isfinite(arr), "non_finite", col.name)
    else:
        reasons.mark(np.isinf(arr), "non_finite", col.name)
    with np.errstate(invalid="ignore"):
        if col.min_value is not None:
            low = arr < col.min_value if col.min_inclusive else arr <= col.min_value
            if col.min_value == 0:
                reason = "negative" if col.min_inclusive else "non_positive"
            else:
                reason = "out_of_range"
            reasons.mark(low, reason, col.name)
        if col.max_value is not None:
            high = arr > col.max_value if col.max_inclusive else arr >= col.max_value
            reasons.mark(high, "out_of_range", col.name)


def _typed(values: pd.Series, col: Column) -> pd.Series:
    if col.kind is Kind.INT and not col.nullable:
        return values.fillna(0).astype("int64")
    return values


def validate_table(
    raw: pd.DataFrame,
    contract: Contract,
    *,
    source: str,
    today: dt.date,
    known: Mapping[str, pd.Index] | None = None,
    snap_dates: Callable[[pd.Series], pd.Series] | None = None,
) -> ValidationResult:
    """Coerce `raw` to `contract`, quarantine rows that break its rules, return both parts.

    `known` maps a referenced table ("items", "locations") to its valid keys; references to a
    table not in `known` are not checked (that table was derived from this one). `snap_dates`
    moves parsed `date` values onto the period grid before any rule (so two rows landing in the
    same month are caught as duplicates, with their own row numbers).
    """
    frame = normalise_columns(raw).reset_index(drop=True)
    check_columns(frame, contract, source)
    n = len(frame)
    ignored = tuple(str(c) for c in frame.columns if c not in contract.names)
    reasons = _Reasons(n)
    typed: dict[str, pd.Series] = {}
    for col in contract.columns:
        if col.name not in frame.columns:
            typed[col.name] = _default_column(col, n)
            continue
        coerced = coerce_column(frame[col.name], col)
        parse_reason = {Kind.DATE: "bad_date", Kind.BOOL: "bad_bool"}.get(col.kind, "bad_number")
        reasons.mark(coerced.unparseable, parse_reason, col.name)
        if not col.nullable:
            missing_reason = {
                Kind.DATE: "bad_date",
                Kind.FLOAT: "non_finite",
                Kind.INT: "non_finite",
            }.get(col.kind, "missing_value")
            reasons.mark(coerced.missing, missing_reason, col.name)
        values = coerced.values
        if snap_dates is not None and col.name == "date":
            values = snap_dates(values)
        typed[col.name] = values
    for col in contract.columns:
        values = typed[col.name]
        if col.kind in (Kind.FLOAT, Kind.INT):
            _numeric_rules(values, col, reasons)
        if col.choices is not None:
            bad = ~values.isin(col.choices).to_numpy() & values.notna().to_numpy()
            reasons.mark(bad, "invalid_choice", col.name)
        if col.not_in_future:
            reasons.mark(_after(values, today), "future_date", col.name)
    for earlier, later in contract.date_order:
        with np.errstate(invalid="ignore"):
            out_of_order = (typed[later] < typed[earlier]).to_numpy(dtype=bool, na_value=False)
        reasons.mark(out_of_order, "date_order", later)
    for ref in contract.references:
        if known is not None and ref.target in known:
            unknown = ~_isin(typed[ref.column], known[ref.target])
            reasons.mark(unknown, f"unknown_{ref.column}", ref.column)
    _mark_duplicates(typed, contract, reasons)

    bad = reasons.code > 0
    # Copy only when something was rejected: at M5 scale a needless copy costs gigabytes.
    keep = (lambda v: v) if not bad.any() else (lambda v: v[~bad].reset_index(drop=True))
    valid = pd.DataFrame({c.name: _typed(keep(typed[c.name]), c) for c in contract.columns})
    for name in valid.columns:
        if isinstance(valid[name].dtype, pd.CategoricalDtype):
            valid[name] = valid[name].cat.remove_unused_categories()
    quarantine = _quarantine_rows(frame, reasons, bad, typed, source)
    return ValidationResult(contract.name, source, valid, quarantine, n, ignored)


def _default_column(col: Column, n: int) -> pd.Series:
    if col.kind is Kind.DATE:
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if col.kind is Kind.FLOAT:
        fill = np.nan if col.default is None else float(col.default)  # type: ignore[arg-type]
        return pd.Series(np.full(n, fill, dtype="float64"))
    if col.kind is Kind.INT:
        return pd.Series(np.full(n, col.default if col.default is not None else 0, dtype="int64"))
    if col.kind is Kind.BOOL:
        return pd.Series(np.full(n, bool(col.default), dtype=bool))
    return pd.Series([col.default] * n, dtype="str")


def _after(values: pd.Series, today: dt.date) -> np.ndarray:
    limit = pd.Timestamp(today)
    return (values > limit).to_numpy(dtype=bool, na_value=False)


def _isin(values: pd.Series, allowed: pd.Index) -> np.ndarray:
    """Membership per row; for categoricals decided once per category, not once per row."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        by_category = values.cat.categories.astype("str").isin(allowed)
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, by_category[codes], False)
    return values.isin(allowed).to_numpy(dtype=bool)


def _key_codes(values: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, int]:
    """Small non-negative integer codes of `values[rows]`, and their upper bound.

    Only rows that passed every other rule are coded, so NaT and NaN never reach here.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()[rows].astype("int64")
    elif pd.api.types.is_datetime64_any_dtype(values):
        days = values.to_numpy()[rows].astype("datetime64[D]").view("int64")
        codes = days - (days.min() if len(days) else 0)
    else:
        codes = pd.factorize(values.to_numpy()[rows])[0].astype("int64")
    return codes, int(codes.max()) + 1 if len(codes) else 1


def _combined_key(
    typed: dict[str, pd.Series], columns: tuple[str, ...], rows: np.ndarray
) -> np.ndarray | None:
    """One int64 per row encoding the whole key, or None if it could overflow."""
    combined: np.ndarray | None = None
    span = 1
    for name in columns:
        codes, bound = _key_codes(typed[name], rows)
        span *= bound
        if span >= 2**62:
            return None
        combined = codes if combined is None else combined * bound + codes
    return combined


def _later_duplicates(key: np.ndarray) -> np.ndarray:
    """True for every occurrence of a key after its first (in row order)."""
    if len(key) < 2 or bool(np.all(key[1:] > key[:-1])):
        return np.zeros(len(key), dtype=bool)  # strictly increasing: the common sorted case
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    repeat = np.zeros(len(key), dtype=bool)
    repeat[1:] = ranked[1:] == ranked[:-1]
    dup = np.zeros(len(key), dtype=bool)
    dup[order[repeat]] = True
    return dup


def _mark_duplicates(typed: dict[str, pd.Series], contract: Contract, reasons: _Reasons) -> None:
    # Only rows that are otherwise valid compete for a key, so a broken row never shadows a
    # good one; among valid rows the first occurrence is kept.
    candidates = np.flatnonzero(reasons.code == 0)
    if len(candidates) == 0:
        return
    combined = _combined_key(typed, contract.key, candidates)
    if combined is not None:
        dup = _later_duplicates(combined)
    else:
        keys = pd.DataFrame({k: typed[k].to_numpy()[candidates] for k in contract.key})
        dup = keys.duplicated(keep="first").to_numpy()
    mask = np.zeros(len(reasons.code), dtype=bool)
    mask[candidates[dup]] = True
    reasons.mark(mask, "duplicate_key", ",".join(contract.key))


def _quarantine_rows(
    frame: pd.DataFrame,
    reasons: _Reasons,
    bad: np.ndarray,
    typed: dict[str, pd.Series],
    source: str,
) -> pd.DataFrame:
    idx = np.flatnonzero(bad)
    # Original values are kept as text so that nothing about a bad row is lost or re-typed.
    rows = frame.iloc[idx].astype("str").reset_index(drop=True)
    columns = reasons.column[idx]
    details = [
        _detail(reason, column, frame, int(i))
        for reason, column, i in zip(_NAMES[reasons.code[idx]], columns, idx, strict=True)
    ]
    rows["q_reason"] = pd.Series(_NAMES[reasons.code[idx]], dtype="str")
    rows["q_column"] = pd.Series(columns, dtype="str")
    rows["q_detail"] = pd.Series(details, dtype="str")
    rows["q_source"] = source
    rows["q_row"] = idx + 1
    return rows


def _detail(reason: str, column: str, frame: pd.DataFrame, i: int) -> str:
    shown = ",".join(f"{c}={frame.at[i, c]!r}" for c in column.split(",") if c in frame.columns)
    return f"{REASONS[reason]}: {shown}" if shown else REASONS[reason]
