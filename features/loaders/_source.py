"""File and column helpers shared by the third-party loaders (Walmart, SCMS, car parts, M5).

Each source file may come as parquet or CSV; CSV is read as text (`read_table_file`) so that the
same conversion helpers below serve both, and a value they cannot read becomes missing (NaN, NaT,
NA) on its row instead of failing the load: validation then quarantines that row with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.loaders.errors import SourceError

__all__ = [
    "SUFFIXES",
    "check_columns",
    "check_csv_header",
    "find_file",
    "integer_ids",
    "map_unique",
    "read_source",
    "require_file",
    "read_table_file",
    "require_folder",
    "to_bool",
    "to_float",
]

SUFFIXES = (".parquet", ".csv", ".csv.gz")
_TRUE_TEXT = ("true", "t", "yes", "y", "1", "1.0")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return next((s for s in SUFFIXES if name.endswith(s)), path.suffix.lower())


MAX_HEADER_BYTES = 1 << 20  # M5's 1,900-column header is ~15 KB


def check_csv_header(path: Path) -> None:
    """Refuse a "CSV" whose first line does not end within `MAX_HEADER_BYTES`: garbage without
    line breaks would otherwise be parsed as a header of millions of columns (minutes of CPU)."""
    with path.open("rb") as file:
        head = file.read(MAX_HEADER_BYTES)
    if len(head) == MAX_HEADER_BYTES and b"\n" not in head and b"\r" not in head:
        raise SourceError(
            f"{path} has no line break in its first {MAX_HEADER_BYTES // 1024} KiB, so it is "
            "not a CSV with a header row; give a CSV (one row per line) or a parquet file"
        )


def read_table_file(path: Path, *, nrows: int | None = None) -> pd.DataFrame:
    """Read one CSV (as text) or parquet file; any failure becomes a `SourceError` saying why."""
    suffix = _suffix(path)
    if suffix not in SUFFIXES:
        raise SourceError(
            f"{path} is not a CSV or parquet file (suffix '{suffix or 'none'}'); "
            "give a .csv or .parquet file, or a folder holding sales.csv / sales.parquet"
        )
    if not path.is_file():
        raise SourceError(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise SourceError(f"{path} is empty; it needs a header row and at least one data row")
    if suffix != ".parquet":
        check_csv_header(path)
    try:
        if suffix == ".parquet":
            if nrows is not None:
                schema = pq.read_schema(path)
                return pd.DataFrame(columns=schema.names)
            return pd.read_parquet(path)
        return pd.read_csv(
            path, dtype="str", keep_default_na=False, encoding="utf-8-sig", nrows=nrows
        )
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV and retry"
        ) from exc
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(
            f"{path} could not be read as parquet ({exc}); is it really parquet?"
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise SourceError(
            f"{path} could not be read as CSV ({exc}); check the delimiter is a "
            "comma and every row has the header's number of fields"
        ) from exc


def find_file(folder: Path, stem: str) -> Path | None:
    """`folder/stem.parquet`, `.csv` or `.csv.gz`, in that order; None when none exists."""
    for suffix in SUFFIXES:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def require_folder(folder: Path, source: str, hint: str) -> None:
    """Raise `SourceError` unless `folder` is an existing directory."""
    if not folder.exists():
        raise SourceError(f"{source} folder {folder} does not exist; {hint}")
    if not folder.is_dir():
        raise SourceError(f"{source} path {folder} is a file, not a folder; {hint}")


def require_file(folder: Path, stem: str, source: str, hint: str) -> Path:
    """The `stem` file in `folder` (parquet or CSV), or a `SourceError` listing what is there."""
    found = find_file(folder, stem)
    if found is None:
        present = sorted(p.name for p in folder.iterdir())[:12]
        raise SourceError(
            f"{source} folder {folder} has no {stem}.parquet or {stem}.csv "
            f"(found: {', '.join(present) or 'nothing'}); {hint}"
        )
    return found


def check_columns(frame: pd.DataFrame, needed: Iterable[str], path: Path, source: str) -> None:
    """Raise `SourceError` naming every expected column that `frame` (read from `path`) lacks."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SourceError(
            f"{path} lacks the {source} column(s) {', '.join(map(repr, missing))} "
            f"(found: {', '.join(map(str, frame.columns)) or 'none'}); give the original "
            f"{source} file with its original column names"
        )


def read_source(path: Path, needed: Iterable[str], source: str) -> pd.DataFrame:
    """Read one parquet/CSV file, strip header whitespace and check the expected columns."""
    frame = read_table_file(path)
    frame = frame.rename(columns={c: str(c).strip() for c in frame.columns})
    check_columns(frame, needed, path, source)
    return frame


def _blank_to_na(text: pd.Series) -> pd.Series:
    return text.mask(text == "")


def map_unique(values: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`convert` applied to the distinct values only, spread back to every row (missing stays
    missing): ids and dates repeat thousands of times, so this is where loading time goes."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    converted = convert(pd.Series(uniques)).reset_index(drop=True)
    if len(converted) == 0:
        converted = convert(pd.Series([None], dtype="object"))
    spread = converted.iloc[np.maximum(codes, 0)].reset_index(drop=True)
    return spread.mask(pd.Series(codes < 0)).set_axis(values.index)


def integer_ids(values: pd.Series) -> pd.Series:
    """Identifiers as `str`: whole numbers lose any `.0`, other text is kept, blanks become NA.

    Parquet gives `1`, CSV gives `"1"` and a float column with gaps gives `1.0`: all become "1".
    """
    return map_unique(values, _integer_ids).astype("str")


def _integer_ids(values: pd.Series) -> pd.Series:
    text = _blank_to_na(values.astype("str").str.strip())
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    with np.errstate(invalid="ignore"):
        # Beyond 2**53 a float is no longer an exact integer (and beyond 2**63 not an Int64):
        # such an id keeps its text.
        exact = numbers.abs() <= 2**53
        whole = numbers.notna() & np.isfinite(numbers) & (numbers % 1 == 0) & exact
    canonical = numbers.where(whole).astype("Int64").astype("str")
    return canonical.where(whole, text).astype("str")


def to_float(values: pd.Series) -> pd.Series:
    """Numbers as float64; unreadable or blank values become NaN (validation reports them)."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = values.astype("str").str.strip().str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def to_bool(values: pd.Series) -> pd.Series:
    """Flags as bool: true/t/yes/y/1 (any case) are True, anything else (blank too) is False."""
    if pd.api.types.is_bool_dtype(values) and not values.isna().any():
        return values.astype(bool)
    text = values.astype("str").str.strip().str.lower()
    return pd.Series(text.isin(_TRUE_TEXT).to_numpy(dtype=bool), index=values.index)
