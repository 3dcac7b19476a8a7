"""The supply side of the demo data: suppliers, purchase-order receipts and the stock snapshot.

Each supplier ships on one or more lanes (mode) with its own lead-time distribution: lognormal
around a median, longer for sea freight in the Q4 peak and for Asian origins around the lunar new
year, slightly longer for big orders, and for unreliable suppliers a Pareto slip now and then
(a fat right tail). DCs order from suppliers on a cadence sized to the demand of the stores they
serve; lines still in transit at the end become the DC's `on_order` instead of a receipt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORY_SUPPLIERS",
    "SUPPLIERS",
    "Lane",
    "SupplierProfile",
    "SupplyInputs",
    "draw_suppliers",
    "simulate_inventory",
    "simulate_receipts",
]


@dataclass(frozen=True)
class Lane:
    """One way a supplier ships: its mode, share of lines and lead-time distribution (days)."""

    mode: str
    share: float
    median_days: float
    sigma: float  # lognormal spread
    promised_days: int


@dataclass(frozen=True)
class SupplierProfile:
    name: str
    origin: str
    lanes: tuple[Lane, ...]
    late_prob: float  # chance a line slips beyond its usual spread
    late_days: float  # scale of the slip; Pareto, so a few slips are very long


SUPPLIERS: tuple[SupplierProfile, ...] = (
    SupplierProfile("SUP01", "US", (Lane("road", 1.0, 3, 0.20, 3),), 0.02, 3),
    # Domestic but unreliable: short median, frequent long slips.
    SupplierProfile("SUP02", "US", (Lane("road", 1.0, 6, 0.35, 5),), 0.15, 8),
    SupplierProfile(
        "SUP03", "CN", (Lane("sea", 0.85, 35, 0.12, 35), Lane("air", 0.15, 7, 0.20, 6)), 0.05, 10
    ),
    # Far and unreliable: the longest median and the fattest tail.
    SupplierProfile("SUP04", "VN", (Lane("sea", 1.0, 42, 0.20, 40),), 0.20, 20),
    SupplierProfile(
        "SUP05", "MX", (Lane("road", 0.85, 9, 0.25, 8), Lane("air", 0.15, 3, 0.20, 2)), 0.06, 5
    ),
)

# Which suppliers carry each category: rows follow demo_demand.CATEGORIES (beverages, snacks,
# household, personal_care, garden, toys), columns SUPPLIERS. Toys come from Asia by sea.
CATEGORY_SUPPLIERS = np.array(
    [
        [0.5, 0.3, 0.0, 0.0, 0.2],
        [0.4, 0.4, 0.0, 0.0, 0.2],
        [0.3, 0.2, 0.2, 0.1, 0.2],
        [0.3, 0.2, 0.2, 0.2, 0.1],
        [0.1, 0.3, 0.3, 0.1, 0.2],
        [0.0, 0.1, 0.5, 0.4, 0.0],
    ]
)


def draw_suppliers(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    """The supplier (index into SUPPLIERS) of each sku, drawn from its category's weights."""
    cum = np.cumsum(CATEGORY_SUPPLIERS[category], axis=1)
    pick = (rng.random(len(category))[:, None] * cum[:, -1:] > cum).sum(axis=1)
    return np.minimum(pick, len(SUPPLIERS) - 1)


@dataclass(frozen=True)
class SupplyInputs:
    """What the supply simulation needs from the catalogue and from the simulated demand."""

    dates: pd.DatetimeIndex
    sku_names: np.ndarray
    dc_names: np.ndarray
    store_names: np.ndarray
    store_dc: np.ndarray  # DC index of each store
    supplier: np.ndarray  # SUPPLIERS index of each sku
    product_group: np.ndarray  # category name of each sku
    pack_size: np.ndarray
    moq: np.ndarray
    unit_cost: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray
    mean_rate: np.ndarray  # (skus, stores) expected demand per active day
    recent_rate: np.ndarray  # (skus, stores) expected demand per day over the last 28 days
    stockout_end: np.ndarray  # (skus, stores) shelf empty on the last day

    def per_dc(self, per_store: np.ndarray) -> np.ndarray:
        """Sum a (skus, stores) array over the stores each DC replenishes."""
        onehot = np.zeros((len(self.store_names), len(self.dc_names)))
        onehot[np.arange(len(self.store_names)), self.store_dc] = 1.0
        return np.asarray(per_store @ onehot)


def _text(names: np.ndarray | list[str], codes: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(names, dtype=object)[codes], dtype="str")


def _dates(dates: pd.DatetimeIndex, day: np.ndarray) -> np.ndarray:
    """Day offsets from the first date as datetimes (offsets may run past the calendar)."""
    return np.asarray(dates[:1].to_numpy()[0] + day.astype("timedelta64[D]"))


@dataclass(frozen=True)
class _LaneTable:
    """All lanes flattened, with per supplier its first lane and cumulative shares (padded)."""

    first: np.ndarray
    cum_share: np.ndarray  # (suppliers, most lanes)
    mode: np.ndarray
    median: np.ndarray
    sigma: np.ndarray
    promised: np.ndarray

    @classmethod
    def build(cls) -> _LaneTable:
        lanes = [lane for s in SUPPLIERS for lane in s.lanes]
        counts = np.array([len(s.lanes) for s in SUPPLIERS])
        cum = np.ones((len(SUPPLIERS), counts.max()))
        for k, sup in enumerate(SUPPLIERS):
            cum[k, : len(sup.lanes)] = np.cumsum([lane.share for lane in sup.lanes])
        return cls(
            first=np.cumsum(counts) - counts,
            cum_share=cum,
            mode=np.array([lane.mode for lane in lanes], dtype=object),
            median=np.array([lane.median_days for lane in lanes]),
            sigma=np.array([lane.sigma for lane in lanes]),
            promised=np.array([lane.promised_days for lane in lanes]),
        )

    def pick(self, rng: np.random.Generator, supplier: np.ndarray) -> np.ndarray:
        """A lane for each line of the given suppliers, by their lane shares."""
        above = (rng.random(len(supplier))[:, None] > self.cum_share[supplier]).sum(axis=1)
        return self.first[supplier] + np.minimum(above, self.cum_share.shape[1] - 1)


def _lead_times(
    rng: np.random.Generator,
    lanes: _LaneTable,
    lane: np.ndarray,
    supplier: np.ndarray,
    ordered_at: pd.DatetimeIndex,
    packs: np.ndarray,
) -> np.ndarray:
    """Lead time in whole days (at least 1) of each line."""
    days = lanes.median[lane] * np.exp(lanes.sigma[lane] * rng.standard_normal(len(lane)))
    # Q4 peak season congests ports; Asian factories close around the lunar new year.
    peak = (lanes.mode[lane] == "sea") & (np.asarray(ordered_at.month) >= 10)
    days *= np.where(peak, 1.15, 1.0)
    asia = np.isin(np.array([s.origin for s in SUPPLIERS])[supplier], ["CN", "VN"])
    doy = np.asarray(ordered_at.dayofyear)
    days += np.where(asia & (doy >= 15) & (doy <= 50), 7.0, 0.0)
    days *= 1.0 + 0.015 * np.log(packs)  # bigger orders take a little longer to make and pick
    late_prob = np.array([s.late_prob for s in SUPPLIERS])[supplier]
    late_days = np.array([s.late_days for s in SUPPLIERS])[supplier]
    slip = late_days * np.minimum(0.5 + rng.pareto(2.5, len(lane)), 6.0)
    days += np.where(rng.random(len(lane)) < late_prob, slip, 0.0)
    return np.maximum(np.round(days), 1).astype(np.int64)


def simulate_receipts(
    rng: np.random.Generator, inputs: SupplyInputs
) -> tuple[pd.DataFrame, np.ndarray]:
    """PO lines received by the last day, and the (skus, dcs) quantity still in transit."""
    n_days = len(inputs.dates)
    n_skus, n_dcs = len(inputs.sku_names), len(inputs.dc_names)
    rate = inputs.per_dc(inputs.mean_rate).reshape(-1)  # pairs in (sku, dc) order
    pair_sku = np.repeat(np.arange(n_skus), n_dcs)
    pair_dc = np.tile(np.arange(n_dcs), n_skus)
    supplier = inputs.supplier[pair_sku]
    overseas = np.array([s.lanes[0].mode == "sea" for s in SUPPLIERS])[supplier]
    cadence = np.where(rate >= 20, 7, np.where(rate >= 3, 14, 28)) * np.where(overseas, 2, 1)
    start = np.maximum(inputs.first_day[pair_sku] - 30, 0) + rng.integers(0, cadence)
    # Phase-out items stop being ordered a month before their last sale.
    stop = np.where(inputs.last_day[pair_sku] < n_days - 1, inputs.last_day[pair_sku] - 30, n_days)
    stop = np.minimum(stop, n_days - 1)
    count = np.where(stop >= start, (stop - start) // cadence + 1, 0)
    pair = np.repeat(np.arange(len(rate)), count)
    k = np.arange(len(pair)) - np.repeat(np.cumsum(count) - count, count)
    jitter = rng.integers(-2, 3, len(pair))
    ordered = np.clip(start[pair] + k * cadence[pair] + jitter, 0, n_days - 1)

    sku, dc, sup = pair_sku[pair], pair_dc[pair], supplier[pair]
    pack, moq = inputs.pack_size[sku], inputs.moq[sku]
    want = rate[pair] * cadence[pair] * rng.lognormal(0.0, 0.2, len(pair))
    qty = np.maximum(np.maximum(np.ceil(want / pack), 1) * pack, moq).astype(np.float64)
    lanes = _LaneTable.build()
    lane = lanes.pick(rng, sup)
    ordered_at = pd.DatetimeIndex(_dates(inputs.dates, ordered))
    received = ordered + _lead_times(rng, lanes, lane, sup, ordered_at, qty / pack)
    promised = ordered + lanes.promised[lane]
    arrived = received <= n_days - 1
    pending = np.zeros((n_skus, n_dcs))
    np.add.at(pending, (sku[~arrived], dc[~arrived]), qty[~arrived])

    # One PO per supplier, DC and order day, numbered in time order; lines by sku within it.
    key = (ordered * len(SUPPLIERS) + sup) * n_dcs + dc
    order = np.lexsort((sku, key))
    order = order[arrived[order]]
    _, first, po = np.unique(key[order], return_index=True, return_inverse=True)
    line = np.arange(len(order)) - first[po]
    po_line = (
        "PO"
        + pd.Series(po + 1).astype("str").str.zfill(6)
        + "-"
        + pd.Series(line + 1).astype("str").str.zfill(3)
    )
    o = order
    receipts = pd.DataFrame(
        {
            "po_line": po_line.astype("str"),
            "supplier": _text([s.name for s in SUPPLIERS], sup[o]),
            "sku": _text(inputs.sku_names, sku[o]),
            "location": _text(inputs.dc_names, dc[o]),
            "ordered_on": _dates(inputs.dates, ordered[o]),
            "promised_on": _dates(inputs.dates, promised[o]),
            "received_on": _dates(inputs.dates, received[o]),
            "qty": qty[o],
            "mode": _text(lanes.mode, lane[o]),
            "origin": _text([s.origin for s in SUPPLIERS], sup[o]),
            "product_group": _text(inputs.product_group, sku[o]),
            "value": np.round(qty[o] * inputs.unit_cost[sku[o]], 2),
        }
    )
    return receipts, pending


def simulate_inventory(
    rng: np.random.Generator, inputs: SupplyInputs, pending: np.ndarray
) -> pd.DataFrame:
    """One stock snapshot per sku and location (DCs and stores) on the last day."""
    n_skus, n_stores = inputs.recent_rate.shape
    n_dcs = len(inputs.dc_names)
    selling = (inputs.last_day == len(inputs.dates) - 1)[:, None]
    recent = inputs.recent_rate
    cover = rng.uniform(2, 14, recent.shape)
    store_on_hand = np.where(
        selling & ~inputs.stockout_end,
        np.round(recent * cover) + rng.integers(0, 3, recent.shape),
        0.0,
    )
    transfer = rng.random(recent.shape) < 0.35
    store_on_order = np.where(
        selling & transfer, np.ceil(recent * rng.uniform(2, 7, recent.shape)), 0
    )
    dc_recent = inputs.per_dc(recent)
    dc_out = rng.random(dc_recent.shape) < 0.03  # the DC ran dry and owes its stores
    dc_on_hand = np.where(
        selling & ~dc_out, np.round(dc_recent * rng.uniform(5, 30, dc_recent.shape)), 0
    )
    dc_backorders = np.where(
        selling & dc_out, np.ceil(dc_recent * rng.uniform(0.5, 3, dc_recent.shape)), 0
    )

    # Columns of the grid follow location names: DCs ("DC..") sort before stores ("S..").
    on_hand = np.hstack([dc_on_hand, store_on_hand])
    on_order = np.hstack([pending, store_on_order])
    backorders = np.hstack([dc_backorders, np.zeros((n_skus, n_stores))])
    n_locations = n_dcs + n_stores
    locations = np.concatenate([inputs.dc_names, inputs.store_names])
    return pd.DataFrame(
        {
            "sku": _text(inputs.sku_names, np.repeat(np.arange(n_skus), n_locations)),
            "location": _text(locations, np.tile(np.arange(n_locations), n_skus)),
            "as_of": np.full(n_skus * n_locations, inputs.dates[-1].to_datetime64()),
            "on_hand": on_hand.reshape(-1).astype(np.float64),
            "on_order": on_order.reshape(-1).astype(np.float64),
            "backorders": backorders.reshape(-1).astype(np.float64),
        }
    )
