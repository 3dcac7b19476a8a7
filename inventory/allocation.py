"""Share a DC's scarce stock among store requests: priority tiers first, fair share within one.

Rule: tiers are served from the highest priority down; a tier whose requests fit in what is
left is served in full; the first tier that does not fit shares what is left in proportion to
its requests (floor of each exact share, then the leftover units one each to the largest
remainders; ties go to the larger request, then the earlier one), and lower tiers get nothing.
Totals are exact integers: allocated = min(available, requested), never more than any request.

With a pack size everything moves in whole packs: requests must be whole packs, and only whole
packs of the available stock are shared (loose units stay at the DC).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Allocation", "allocate"]


@dataclass(frozen=True)
class Allocation:
    """Allocated units per request and what each request misses (request - allocated)."""

    allocated: np.ndarray
    shortfall: np.ndarray


def _whole(name: str, value: ArrayLike) -> np.ndarray:
    out = np.asarray(value)
    if out.dtype.kind not in "iu" and not np.all(out == np.round(out)):
        raise ValueError(f"{name} must be whole units; got {out[out != np.round(out)][:5]}")
    if np.any(out < 0):
        raise ValueError(f"{name} must be >= 0")
    return out.astype(np.int64)


def allocate(
    available: int,
    requests: ArrayLike,
    priority: ArrayLike | None = None,
    pack_size: int = 1,
) -> Allocation:
    """Allocate `available` units to `requests` (module docstring for the rule).

    `priority`: one number per request, higher served first (e.g. platinum 3, gold 2,
    standard 1); default: one tier for all.
    """
    want = _whole("requests", requests)
    stock = int(_whole("available stock", available))
    if want.ndim != 1:
        raise ValueError(f"requests must be one-dimensional; got shape {want.shape}")
    if pack_size < 1:
        raise ValueError(f"pack size must be >= 1; got {pack_size}")
    if np.any(want % pack_size):
        raise ValueError(
            f"requests {np.flatnonzero(want % pack_size)[:5].tolist()} are not whole packs of "
            f"{pack_size}; round the store requests to packs first"
        )
    tier = np.zeros(len(want)) if priority is None else np.asarray(priority, dtype=np.float64)
    if tier.shape != want.shape:
        raise ValueError(f"got {tier.shape[0]} priorities for {len(want)} requests")

    packs = want // pack_size
    left = stock // pack_size
    given = np.zeros_like(packs)
    for level in np.unique(tier)[::-1]:
        members = np.flatnonzero(tier == level)
        asked = int(packs[members].sum())
        if asked <= left:
            given[members] = packs[members]
            left -= asked
            continue
        given[members] = _fair_share(packs[members], left)
        break
    allocated = given * pack_size
    return Allocation(allocated=allocated, shortfall=want - allocated)


def _fair_share(requests: np.ndarray, supply: int) -> np.ndarray:
    """Largest-remainder split of `supply` < sum(requests) proportional to the requests."""
    # Python integers keep request x supply exact (int64 could overflow on huge quantities).
    asked = [int(r) for r in requests]
    total = sum(asked)
    share = [r * supply // total for r in asked]
    remainder = [r * supply % total for r in asked]
    extra = supply - sum(share)
    ranked = sorted(range(len(asked)), key=lambda i: (-remainder[i], -asked[i], i))
    for i in ranked[:extra]:
        share[i] += 1
    return np.asarray(share, dtype=np.int64)
