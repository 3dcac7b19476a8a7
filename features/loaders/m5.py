"""M5 competition format (Walmart daily unit sales, Kaggle 2020).

Files in the folder, each CSV or parquet: `sales_train_evaluation` (preferred, more days) or
`sales_train_validation` (wide: id, item_id, dept_id, cat_id, store_id, state_id, d_1..d_N),
`calendar` (date, wm_yr_wk, d, event_name_1, event_type_1, snap_CA/TX/WI, ...) and `sell_prices`
(store_id, item_id, wm_yr_wk, sell_price).

Mapping: `sku = item_id`, `location = store_id`, `date` from the calendar via `d`, `units` from
the d_ columns, `price` = the week's `sell_price` (joined on store, item and `wm_yr_wk`),
`on_promo` False (M5 has no promotion flag; SNAP days are in the calendar table instead),
`stockout` False. Items: one per item_id, category = dept_id, unit_price = median sell price.
Locations: one store per store_id, region = state_id. `tables["calendar"]`: every calendar day
with is_holiday (an `event_name_1` is set), event_name, event_type and the snap_ flags as bools.

Pre-launch rows are dropped: in M5 an item has no sell price before it was first stocked in a
store, and the zeros in those leading days are not sales observations but "not on sale yet".
This is the only loader that drops rows; a series with no price at all yields no rows. Missing
prices after the first one are kept (price unknown, the contract allows it).

Memory: the wide file is read in chunks of rows and reshaped with numpy (never `pd.melt` on the
whole file); sku and location come out as `category` rather than `str` because the full file
melts to ~46 million rows, where per-row strings would cost gigabytes (validation converts them
to category anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.dataset import Frequency, RawTables
from features.loaders._source import (
    check_columns,
    check_csv_header,
    find_file,
    require_file,
    require_folder,
)
from features.loaders.errors import SourceError

__all__ = ["CALENDAR_COLUMNS", "ID_COLUMNS", "PRICE_COLUMNS", "load_m5"]

ID_COLUMNS = ("item_id", "dept_id", "cat_id", "store_id", "state_id")
CALENDAR_COLUMNS = ("date", "wm_yr_wk", "d", "event_name_1")
PRICE_COLUMNS = ("store_id", "item_id", "wm_yr_wk", "sell_price")
_SALES_STEMS = ("sales_train_evaluation", "sales_train_validation")
_HINT = "point the path at the folder holding the M5 files (sales_train_*, calendar, sell_prices)"
_SOURCE = "M5"


def _read(path: Path, columns: list[str] | None = None, **csv: object) -> pd.DataFrame:
    """Read a whole parquet/CSV file; any reader failure becomes a `SourceError`."""
    try:
        if path.name.lower().endswith(".parquet"):
            return pd.read_parquet(path, columns=columns)
        check_csv_header(path)
        return pd.read_csv(path, usecols=columns, **csv)  # type: ignore[call-overload]
    except (pa.ArrowException, OSError, ValueError, pd.errors.ParserError) as exc:
        raise SourceError(f"{path} could not be read ({exc}); is it the original M5 file?") from exc


def _not_parquet(path: Path, exc: Exception) -> SourceError:
    return SourceError(f"{path} could not be read as parquet ({exc}); is it the original M5 file?")


def _header(path: Path) -> list[str]:
    if path.name.lower().endswith(".parquet"):
        try:
            return [str(c) for c in pq.ParquetFile(path).schema_arrow.names]
        except (pa.ArrowException, OSError) as exc:
            raise _not_parquet(path, exc) from exc
    return [str(c) for c in _read(path, nrows=0).columns]


def _wide_chunks(path: Path, chunk_rows: int, max_series: int | None) -> Iterator[pd.DataFrame]:
    """Row chunks of the wide sales file, up to `max_series` rows in all."""
    if not path.name.lower().endswith(".parquet"):
        dtypes = {c: "str" for c in ID_COLUMNS}
        try:
            yield from pd.read_csv(path, chunksize=chunk_rows, nrows=max_series, dtype=dtypes)
        except (ValueError, pd.errors.ParserError) as exc:
            raise SourceError(
                f"{path} could not be read as CSV ({exc}); is it the M5 file?"
            ) from exc
        return
    seen = 0
    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=chunk_rows)
    except (pa.ArrowException, OSError) as exc:
        raise _not_parquet(path, exc) from exc
    while True:
        try:  # a file corrupt past its footer fails on a later batch
            batch = next(batches, None)
        except (pa.ArrowException, OSError) as exc:
            raise _not_parquet(path, exc) from exc
        if batch is None:
            return
        frame = batch.to_pandas()
        if max_series is not None:
            frame = frame.iloc[: max(max_series - seen, 0)]
        if frame.empty:
            return
        seen += len(frame)
        yield frame


def _calendar(path: Path) -> pd.DataFrame:
    header = _header(path)
    check_columns(pd.DataFrame(columns=header), CALENDAR_COLUMNS, path, _SOURCE)
    extra = [c for c in header if c == "event_type_1" or c.startswith("snap_")]
    raw = _read(path, [*CALENDAR_COLUMNS, *extra])
    event = raw["event_name_1"].astype("str").str.strip()
    event = event.mask(event == "")
    calendar = pd.DataFrame(
        {
            "date": pd.to_datetime(raw["date"].astype("str"), format="%Y-%m-%d", errors="coerce"),
            "d": raw["d"].astype("str").str.strip(),
            "wm_yr_wk": pd.to_numeric(raw["wm_yr_wk"], errors="coerce"),
            "is_holiday": event.notna().to_numpy(dtype=bool),
            "event_name": event,
        }
    )
    if "event_type_1" in raw.columns:
        calendar["event_type"] = raw["event_type_1"].astype("str")
    for snap in (c for c in extra if c.startswith("snap_")):
        calendar[snap] = pd.to_numeric(raw[snap], errors="coerce").fillna(0).astype(bool)
    return calendar


@dataclass
class _Prices:
    """Sell prices as a dense (item x store, week) matrix; NaN where an item was not on sale."""

    items: pd.Index
    stores: pd.Index
    weeks: np.ndarray
    matrix: np.ndarray
    median_by_item: pd.Series = field(default_factory=lambda: pd.Series(dtype="float64"))

    def rows(self, item_id: pd.Series, store_id: pd.Series) -> np.ndarray:
        """Matrix row per series; -1 where the item or store has no price at all."""
        item = self.items.get_indexer(pd.Index(item_id))
        store = self.stores.get_indexer(pd.Index(store_id))
        return np.where((item >= 0) & (store >= 0), item * len(self.stores) + store, -1)


def _prices(path: Path, weeks: np.ndarray) -> _Prices:
    check_columns(pd.DataFrame(columns=_header(path)), PRICE_COLUMNS, path, _SOURCE)
    dtypes = {"store_id": "category", "item_id": "category", "sell_price": "float64"}
    raw = _read(path, list(PRICE_COLUMNS), dtype=dtypes)
    item = raw["item_id"].astype("category")
    store = raw["store_id"].astype("category")
    week = pd.to_numeric(raw["wm_yr_wk"], errors="coerce").to_numpy(dtype="float64")
    pos = np.clip(np.searchsorted(weeks, week), 0, len(weeks) - 1)
    known = np.isfinite(week) & (weeks[pos] == week)
    n_stores = len(store.cat.categories)
    matrix = np.full((len(item.cat.categories) * n_stores, len(weeks)), np.nan)
    row = item.cat.codes.to_numpy().astype(np.int64) * n_stores + store.cat.codes.to_numpy()
    ok = known & (item.cat.codes.to_numpy() >= 0) & (store.cat.codes.to_numpy() >= 0)
    matrix[row[ok], pos[ok]] = raw["sell_price"].to_numpy(dtype="float64")[ok]
    median = raw.groupby(item, observed=True)["sell_price"].median()
    median.index = median.index.astype("str")
    return _Prices(
        pd.Index(item.cat.categories.astype("str")),
        pd.Index(store.cat.categories.astype("str")),
        weeks,
        matrix,
        median,
    )


def _day_columns(header: list[str], calendar: pd.DataFrame, path: Path) -> list[str]:
    days = [c for c in header if c.startswith("d_")]
    if not days:
        raise SourceError(f"{path} has no d_1..d_N day columns; give the M5 wide sales file")
    known = set(calendar["d"])
    unknown = [d for d in days if d not in known]
    if unknown:
        raise SourceError(
            f"{path} has day columns missing from the calendar ({', '.join(unknown[:5])}"
            f"{', ...' if len(unknown) > 5 else ''}); use the calendar file shipped with it"
        )
    return days


def _units(chunk: pd.DataFrame, days: list[str]) -> np.ndarray:
    block = chunk[days]
    try:
        return block.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        # A stray text cell: read it as NaN so validation quarantines just that row.
        return block.apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float64")


def _melt_chunk(
    chunk: pd.DataFrame, days: list[str], day_week: np.ndarray, prices: _Prices, offset: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(series index, day index, units, price) of the on-sale cells of one chunk."""
    units = _units(chunk, days)
    price = np.full(units.shape, np.nan)
    row = prices.rows(chunk["item_id"].astype("str"), chunk["store_id"].astype("str"))
    has = row >= 0
    week_ok = day_week >= 0
    if has.any() and week_ok.any():
        price[np.ix_(has, week_ok)] = prices.matrix[np.ix_(row[has], day_week[week_ok])]
    on_sale = np.logical_or.accumulate(~np.isnan(price), axis=1)
    series, day = np.nonzero(on_sale)
    # int32 indices: M5 has ~30k series and ~2k days, and the full melt is ~46M rows.
    return (series + offset).astype(np.int32), day.astype(np.int32), units[on_sale], price[on_sale]


def _sales_file(folder: Path) -> Path:
    """The evaluation file (it has 28 more days) when present, else the validation file."""
    for stem in _SALES_STEMS:
        found = find_file(folder, stem)
        if found is not None:
            return found
    present = sorted(p.name for p in folder.iterdir())[:12]
    raise SourceError(
        f"M5 folder {folder} has no sales_train_evaluation or sales_train_validation "
        f"(.csv or .parquet) (found: {', '.join(present) or 'nothing'}); {_HINT}"
    )


def _series_category(values: np.ndarray, series: np.ndarray) -> pd.Categorical:
    labels = pd.Categorical(pd.Series(values, dtype="str"))
    return pd.Categorical.from_codes(labels.codes[series], labels.categories)


def load_m5(folder: Path, *, max_series: int | None = None, chunk_rows: int = 1000) -> RawTables:
    """Read an M5 folder into long raw sales, items, locations and a calendar of events.

    `max_series` keeps the first N rows of the wide file (a quick subset); `chunk_rows` bounds
    peak memory while melting.
    """
    folder = Path(folder)
    require_folder(folder, _SOURCE, _HINT)
    sales_path = _sales_file(folder)
    calendar_path = require_file(folder, "calendar", _SOURCE, _HINT)
    prices_path = require_file(folder, "sell_prices", _SOURCE, _HINT)

    header = _header(sales_path)
    check_columns(pd.DataFrame(columns=header), ID_COLUMNS, sales_path, _SOURCE)
    calendar = _calendar(calendar_path)
    days = _day_columns(header, calendar, sales_path)
    by_d = calendar.drop_duplicates("d").set_index("d")
    day_dates = by_d.loc[days, "date"].to_numpy(dtype="datetime64[us]")
    weeks = np.unique(calendar["wm_yr_wk"].dropna().to_numpy(dtype="float64"))
    if len(weeks) == 0:
        raise SourceError(f"{calendar_path} has no readable wm_yr_wk week numbers; {_HINT}")
    day_wk = by_d.loc[days, "wm_yr_wk"].to_numpy(dtype="float64")
    pos = np.clip(np.searchsorted(weeks, day_wk), 0, len(weeks) - 1)
    day_week = np.where(np.isfinite(day_wk) & (weeks[pos] == day_wk), pos, -1)
    prices = _prices(prices_path, weeks)

    meta: list[pd.DataFrame] = []
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    offset = 0
    for chunk in _wide_chunks(sales_path, chunk_rows, max_series):
        chunk = chunk.reset_index(drop=True)
        parts.append(_melt_chunk(chunk, days, day_week, prices, offset))
        meta.append(chunk[list(ID_COLUMNS)].astype("str"))
        offset += len(chunk)
    if not parts:
        raise SourceError(f"{sales_path} has no series rows; give the M5 wide sales file")
    series_meta = pd.concat(meta, ignore_index=True)
    series, day, units, price = (np.concatenate([p[i] for p in parts]) for i in range(4))
    del parts  # halves the peak: the chunks are now copied into the four arrays
    n = len(series)
    sales = pd.DataFrame(
        {
            "sku": _series_category(series_meta["item_id"].to_numpy(), series),
            "location": _series_category(series_meta["store_id"].to_numpy(), series),
            "date": day_dates[day],
            "units": units,
            "price": price,
            "on_promo": np.zeros(n, dtype=bool),
            "stockout": np.zeros(n, dtype=bool),
        }
    )
    tables = {
        "sales": sales,
        "items": _items(series_meta, prices.median_by_item),
        "locations": _locations(series_meta),
        "calendar": calendar.drop(columns=["d", "wm_yr_wk"]),
    }
    sources = {
        "sales": str(sales_path),
        "items": str(sales_path),
        "locations": str(sales_path),
        "calendar": str(calendar_path),
    }
    return RawTables(tables, sources, frequency=Frequency.DAILY, name="m5")


def _items(meta: pd.DataFrame, median_price: pd.Series) -> pd.DataFrame:
    items = meta.drop_duplicates("item_id")[["item_id", "dept_id"]]
    return pd.DataFrame(
        {
            "sku": items["item_id"].astype("str").to_numpy(),
            "category": items["dept_id"].astype("str").to_numpy(),
            "unit_price": median_price.reindex(items["item_id"]).to_numpy(dtype="float64"),
        }
    ).astype({"sku": "str", "category": "str"})


def _locations(meta: pd.DataFrame) -> pd.DataFrame:
    stores = meta.drop_duplicates("store_id")[["store_id", "state_id"]]
    n = len(stores)
    return pd.DataFrame(
        {
            "location": stores["store_id"].to_numpy(),
            "kind": ["store"] * n,
            "region": stores["state_id"].to_numpy(),
            "parent": [None] * n,
        }
    ).astype({"location": "str", "kind": "str", "region": "str", "parent": "str"})
