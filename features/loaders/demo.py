"""A seeded synthetic retailer: every canonical table, realistic enough to learn from.

Sales are censored demand with trend, weekday and yearly seasonality, holidays, price changes
with elasticity, promotions, intermittent and lumpy items, launches, phase-outs and stockouts
(`features.loaders.demo_demand`); receipts and inventory follow from that demand through
suppliers with their own lead-time distributions (`features.loaders.demo_supply`).

The same `DemoConfig` always gives the same tables: each chunk of skus has its own random
stream, so writing in chunks (`write_demo`) and building in memory (`generate_demo`) agree.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.dataset import Frequency, RawTables
from features.defaults import DEFAULT_SERVICE_POLICY
from features.loaders.demo_demand import (
    CATEGORIES,
    DemandChunk,
    DemoCalendar,
    RegimeShift,
    SkuProfiles,
    demo_calendar,
    draw_sku_profiles,
    simulate_chunk,
)
from features.loaders.demo_supply import (
    SUPPLIERS,
    SupplyInputs,
    draw_suppliers,
    simulate_inventory,
    simulate_receipts,
)

__all__ = [
    "PRESETS",
    "DemoConfig",
    "demo_service_policy",
    "generate_demo",
    "hide_last_days",
    "write_demo",
]

# Cells (series x days) simulated at once: ~2M keeps a chunk's arrays near 200 MB at most.
_CHUNK_CELLS = 2_000_000
_REGIONS = ("north", "south", "east", "west", "central")
_PACK_SIZES = np.array([1, 6, 12, 24])
# Random streams: one for the catalogue, one per sales chunk, one for the supply side.
_CATALOGUE, _SALES, _SUPPLY = 0, 1, 2

_TABLES = ("sales", "items", "locations", "inventory", "receipts", "service_policy")


@dataclass(frozen=True)
class DemoConfig:
    """Size, calendar and seed of a demo; the same config always gives the same data."""

    n_skus: int = 40
    n_stores: int = 4
    n_dcs: int = 1
    days: int = 760  # daily data, >= 2 years by default
    end: dt.date = dt.date(2026, 9, 30)  # last sales day (fixed, so runs reproduce)
    seed: int = 7
    shift: RegimeShift | None = None  # a lasting demand change at the end (drift scenarios)

    def __post_init__(self) -> None:
        if self.n_skus < 1 or self.n_stores < 1 or self.n_dcs < 1:
            raise ValueError(
                f"a demo needs at least one sku, store and DC (got n_skus={self.n_skus}, "
                f"n_stores={self.n_stores}, n_dcs={self.n_dcs}); raise the counts"
            )
        if self.n_dcs > self.n_stores:
            raise ValueError(
                f"n_dcs={self.n_dcs} exceeds n_stores={self.n_stores}; every DC must serve a "
                "store, so lower n_dcs or add stores"
            )
        if self.days < 28:
            raise ValueError(f"days={self.days} is too short; give at least 28 days of history")

    @classmethod
    def preset(cls, name: str) -> DemoConfig:
        """A named size: tiny (tests), small (default), medium, m5 (M5 competition scale)."""
        if name not in PRESETS:
            raise ValueError(f"unknown demo preset '{name}'; choose one of: {', '.join(PRESETS)}")
        return PRESETS[name]


PRESETS: dict[str, DemoConfig] = {
    "tiny": DemoConfig(n_skus=8, n_stores=2, n_dcs=1),
    "small": DemoConfig(n_skus=40, n_stores=4, n_dcs=1),
    "medium": DemoConfig(n_skus=500, n_stores=10, n_dcs=2),
    "m5": DemoConfig(n_skus=3049, n_stores=10, n_dcs=3, days=1941),
}


def _rng(config: DemoConfig, stream: int, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([config.seed, stream, index])


def _names(prefix: str, n: int, width: int) -> np.ndarray:
    width = max(width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


@dataclass(frozen=True)
class _World:
    """Everything drawn before the sales: calendar, catalogue and network."""

    config: DemoConfig
    calendar: DemoCalendar
    profiles: SkuProfiles
    sku_names: np.ndarray
    store_names: np.ndarray
    dc_names: np.ndarray
    store_dc: np.ndarray
    store_size: np.ndarray
    supplier: np.ndarray
    pack_size: np.ndarray
    moq: np.ndarray
    unit_cost: np.ndarray

    @property
    def chunk_skus(self) -> int:
        return max(1, _CHUNK_CELLS // (self.config.n_stores * self.config.days))

    def chunks(self) -> Iterator[tuple[int, int, int]]:
        """(index, first sku, end sku) of each chunk, in sku order."""
        size = self.chunk_skus
        for k, lo in enumerate(range(0, self.config.n_skus, size)):
            yield k, lo, min(lo + size, self.config.n_skus)


def _calendar(config: DemoConfig) -> DemoCalendar:
    calendar = demo_calendar(config.end, config.days)
    return calendar if config.shift is None else config.shift.apply(calendar)


def _world(config: DemoConfig) -> _World:
    rng = _rng(config, _CATALOGUE)
    profiles = draw_sku_profiles(rng, config.n_skus, config.days)
    # Store sizes spread like real chains: a few big stores, many average ones.
    store_size = rng.lognormal(0.0, 0.4, config.n_stores)
    store_size /= store_size.mean()
    # Cheap items come in bigger cases; MOQ is a few cases, or none for a third of items.
    cheap = profiles.first_price < 5
    pack_p = np.where(cheap[:, None], [0.1, 0.3, 0.35, 0.25], [0.45, 0.35, 0.15, 0.05])
    pack = _PACK_SIZES[(rng.random(config.n_skus)[:, None] > np.cumsum(pack_p, axis=1)).sum(1)]
    moq = np.where(rng.random(config.n_skus) < 0.33, 0, pack * rng.choice([1, 2, 4], config.n_skus))
    margin = rng.uniform(0.45, 0.75, config.n_skus)
    return _World(
        config=config,
        calendar=_calendar(config),
        profiles=profiles,
        sku_names=_names("SKU", config.n_skus, 5),
        store_names=_names("S", config.n_stores, 3),
        dc_names=_names("DC", config.n_dcs, 2),
        store_dc=np.arange(config.n_stores) % config.n_dcs,
        store_size=store_size,
        supplier=draw_suppliers(rng, profiles.category),
        pack_size=pack.astype(np.int64),
        moq=moq.astype(np.int64),
        unit_cost=np.round(profiles.last_price * margin, 2),
    )


def _items(world: _World) -> pd.DataFrame:
    p = world.profiles
    return pd.DataFrame(
        {
            "sku": pd.Series(world.sku_names, dtype="str"),
            "category": pd.Series(np.array([c.name for c in CATEGORIES])[p.category], dtype="str"),
            "unit_cost": world.unit_cost,
            "unit_price": np.round(p.last_price, 2),
            "supplier": pd.Series(
                np.array([s.name for s in SUPPLIERS])[world.supplier], dtype="str"
            ),
            "pack_size": world.pack_size,
            "moq": world.moq,
            "lifecycle": pd.Series(p.lifecycle, dtype="str"),
        }
    )


def _locations(world: _World) -> pd.DataFrame:
    n_dcs = len(world.dc_names)
    regions = _REGIONS if n_dcs <= len(_REGIONS) else [f"region{k + 1:02d}" for k in range(n_dcs)]
    region = np.asarray(regions, dtype=object)[:n_dcs]
    return pd.DataFrame(
        {
            "location": pd.Series([*world.dc_names, *world.store_names], dtype="str"),
            "kind": pd.Series(["dc"] * n_dcs + ["store"] * len(world.store_names), dtype="str"),
            "region": pd.Series([*region, *region[world.store_dc]], dtype="str"),
            "parent": pd.Series([None] * n_dcs + list(world.dc_names[world.store_dc]), dtype="str"),
            # Every fourth store is a platinum customer, the next a gold one: enough of each
            # for allocation under short DC stock to show its tiers.
            "tier": pd.Series(
                ["standard"] * n_dcs
                + [_STORE_TIERS[k % len(_STORE_TIERS)] for k in range(len(world.store_names))],
                dtype="str",
            ),
        }
    )


_STORE_TIERS = ("platinum", "gold", "standard", "standard")


def demo_service_policy() -> pd.DataFrame:
    """Service targets per ABC-XYZ segment: the documented defaults (AX 0.98 ... CZ 0.85).

    Fill-rate targets halve the shortfall of the cycle service level (AX 0.99, CZ 0.925): a
    cycle with a stockout still serves most of its demand. Review is daily (period 1).
    """
    segments = list(DEFAULT_SERVICE_POLICY)
    csl = np.array([DEFAULT_SERVICE_POLICY[s] for s in segments])
    return pd.DataFrame(
        {
            "segment": pd.Series(segments, dtype="str"),
            "cycle_service_level": csl,
            "fill_rate": np.round(1.0 - (1.0 - csl) / 2.0, 4),
            "review_period": np.ones(len(segments), dtype=np.int64),
        }
    )


_SALES_SCHEMA = pa.schema(
    [
        ("sku", pa.dictionary(pa.int32(), pa.string())),
        ("location", pa.dictionary(pa.int32(), pa.string())),
        ("date", pa.timestamp("us")),
        ("units", pa.float32()),
        ("price", pa.float32()),
        ("on_promo", pa.bool_()),
        ("stockout", pa.bool_()),
    ]
)


def _sales_frame(world: _World, chunk: DemandChunk) -> pd.DataFrame:
    skus = pd.Index(world.sku_names, dtype="str")
    stores = pd.Index(world.store_names, dtype="str")
    return pd.DataFrame(
        {
            "sku": pd.Categorical.from_codes(chunk.sku, categories=skus),
            "location": pd.Categorical.from_codes(chunk.store, categories=stores),
            "date": world.calendar.dates[chunk.day],
            "units": chunk.units,
            "price": chunk.price,
            "on_promo": chunk.on_promo,
            "stockout": chunk.stockout,
        }
    )


def _sales_table(world: _World, chunk: DemandChunk) -> pa.Table:
    skus = pa.array(world.sku_names.tolist(), pa.string())
    stores = pa.array(world.store_names.tolist(), pa.string())
    dates = world.calendar.dates.to_numpy().astype("datetime64[us]")
    columns = [
        pa.DictionaryArray.from_arrays(pa.array(chunk.sku, pa.int32()), skus),
        pa.DictionaryArray.from_arrays(pa.array(chunk.store, pa.int32()), stores),
        pa.array(dates[chunk.day], pa.timestamp("us")),
        pa.array(chunk.units),
        pa.array(chunk.price),
        pa.array(chunk.on_promo),
        pa.array(chunk.stockout),
    ]
    return pa.Table.from_arrays(columns, schema=_SALES_SCHEMA)


class _Summaries:
    """Per-series demand summaries gathered chunk by chunk for the supply simulation."""

    def __init__(self, world: _World) -> None:
        shape = (world.config.n_skus, world.config.n_stores)
        self.mean_rate, self.recent_rate = np.zeros(shape), np.zeros(shape)
        self.stockout_end = np.zeros(shape, dtype=bool)
        self.n_stores = world.config.n_stores

    def add(self, lo: int, hi: int, chunk: DemandChunk) -> None:
        self.mean_rate[lo:hi] = chunk.mean_rate.reshape(hi - lo, self.n_stores)
        self.recent_rate[lo:hi] = chunk.recent_rate.reshape(hi - lo, self.n_stores)
        self.stockout_end[lo:hi] = chunk.stockout_end.reshape(hi - lo, self.n_stores)


def _simulate(world: _World, summaries: _Summaries) -> Iterator[tuple[int, DemandChunk]]:
    """Simulate the sales chunk by chunk, recording summaries; yields (skus done, chunk)."""
    for k, lo, hi in world.chunks():
        rng = _rng(world.config, _SALES, k)
        chunk = simulate_chunk(rng, world.profiles, world.calendar, world.store_size, lo, hi)
        summaries.add(lo, hi, chunk)
        yield hi, chunk


def _other_tables(world: _World, summaries: _Summaries) -> dict[str, pd.DataFrame]:
    names = np.array([c.name for c in CATEGORIES], dtype=object)
    inputs = SupplyInputs(
        dates=world.calendar.dates,
        sku_names=world.sku_names,
        dc_names=world.dc_names,
        store_names=world.store_names,
        store_dc=world.store_dc,
        supplier=world.supplier,
        product_group=names[world.profiles.category],
        pack_size=world.pack_size,
        moq=world.moq,
        unit_cost=world.unit_cost,
        first_day=world.profiles.first_day,
        last_day=world.profiles.last_day,
        mean_rate=summaries.mean_rate,
        recent_rate=summaries.recent_rate,
        stockout_end=summaries.stockout_end,
    )
    rng = _rng(world.config, _SUPPLY)
    receipts, pending = simulate_receipts(rng, inputs)
    return {
        "items": _items(world),
        "locations": _locations(world),
        "inventory": simulate_inventory(rng, inputs, pending),
        "receipts": receipts,
        "service_policy": demo_service_policy(),
    }


def generate_demo(config: DemoConfig) -> RawTables:
    """All six canonical tables in memory; meant for the tiny to medium presets."""
    world = _world(config)
    summaries = _Summaries(world)
    frames = [_sales_frame(world, chunk) for _, chunk in _simulate(world, summaries)]
    tables = {"sales": pd.concat(frames, ignore_index=True), **_other_tables(world, summaries)}
    return RawTables(
        tables={name: tables[name] for name in _TABLES},
        sources={name: "<demo>" for name in _TABLES},
        frequency=Frequency.DAILY,
        name="demo",
    )


def write_demo(config: DemoConfig, folder: Path, *, progress: bool = False) -> Path:
    """Write the demo as a canonical parquet folder, streaming sales in chunks of skus so that
    even the m5 preset (~59M rows) stays within a few hundred MB of memory."""
    folder.mkdir(parents=True, exist_ok=True)
    world = _world(config)
    summaries = _Summaries(world)
    # Written beside the target and renamed at the end: an interrupted run leaves no torn file.
    partial = folder / ".sales.parquet.partial"
    try:
        with (
            _progress(config, enabled=progress) as advance,
            pq.ParquetWriter(partial, _SALES_SCHEMA, compression="zstd") as writer,
        ):
            for done, chunk in _simulate(world, summaries):
                writer.write_table(_sales_table(world, chunk))
                advance(done)
        for name, table in _other_tables(world, summaries).items():
            table.to_parquet(folder / f"{name}.parquet", index=False)
        os.replace(partial, folder / "sales.parquet")
    finally:
        partial.unlink(missing_ok=True)
    return folder


@contextlib.contextmanager
def _progress(config: DemoConfig, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A rich progress bar counting skus simulated, or a no-op when disabled."""
    if not enabled:
        yield lambda done: None
        return
    from rich.progress import Progress

    with Progress() as bar:
        label = f"demo sales ({config.n_skus} skus x {config.n_stores} stores)"
        task = bar.add_task(label, total=config.n_skus)
        yield lambda done: bar.update(task, completed=done)


def hide_last_days(raw: RawTables, days: int) -> RawTables:
    """The demo as it looked `days` days before its end: later sales and receipts not yet
    happened, the stock snapshot taken on the new last day (its figures are the synthetic
    end-of-demo ones, which is all a planner needs to see a plan). For "new data arrives"."""
    if days <= 0:
        return raw
    tables = dict(raw.tables)
    sales = tables["sales"]
    cutoff = pd.to_datetime(sales["date"]).max() - pd.Timedelta(days=days)
    tables["sales"] = sales[pd.to_datetime(sales["date"]) <= cutoff].reset_index(drop=True)
    receipts = tables["receipts"]
    tables["receipts"] = receipts[pd.to_datetime(receipts["received_on"]) <= cutoff].reset_index(
        drop=True
    )
    inventory = tables["inventory"].copy()
    inventory["as_of"] = cutoff.date()
    tables["inventory"] = inventory
    return dataclasses.replace(raw, tables=tables)
