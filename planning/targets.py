"""Service targets of a dataset: its service_policy table, with default customer tiers."""

from __future__ import annotations

import pandas as pd

from inventory.service_targets import DEFAULT_TIER_TARGETS, ServiceTargets

__all__ = ["service_targets"]


def service_targets(service_policy: pd.DataFrame) -> ServiceTargets:
    """Segment targets from the table; tiers it does not name keep the documented defaults
    (platinum 98%, gold 95%, standard 92% fill rate)."""
    table = ServiceTargets.from_table(service_policy)
    return ServiceTargets(segments=table.segments, tiers={**DEFAULT_TIER_TARGETS, **table.tiers})
