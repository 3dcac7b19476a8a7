"""Which loader reads which kind of source: the one switch behind `restock ingest --source`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from features.dataset import RawTables
from features.loaders.errors import SourceError

__all__ = ["Source", "load_source"]


class Source(StrEnum):
    DEMO = "demo"
    CSV = "csv"
    WALMART = "walmart"
    M5 = "m5"
    SCMS = "scms"
    CARPARTS = "carparts"


def load_source(
    source: Source,
    path: Path | None,
    *,
    demo_size: str = "small",
    demo_faults: bool = False,
    demo_shift: str | None = None,
    demo_hidden_days: int = 0,
) -> RawTables:
    """Load `source` into raw tables; every source but the demo needs a path.

    `demo_faults` adds one deliberately broken sales row per rule to the demo, to show the
    quarantine at work; `demo_shift` (category:days:factor) changes a category's demand at the
    end, and `demo_hidden_days` leaves the last days out (data that has not arrived yet).
    """
    if source is Source.DEMO:
        import dataclasses

        from features.loaders.demo import DemoConfig, generate_demo, hide_last_days
        from features.loaders.demo_demand import RegimeShift
        from features.loaders.demo_faults import inject_faults

        config = DemoConfig.preset(demo_size)
        if demo_shift:
            config = dataclasses.replace(config, shift=RegimeShift.parse(demo_shift))
        raw = hide_last_days(generate_demo(config), demo_hidden_days)
        return inject_faults(raw) if demo_faults else raw
    if path is None:
        raise SourceError(f"--source {source.value} needs --path pointing at its file or folder")
    if source is Source.CSV:
        from features.loaders.canonical import load_canonical

        return load_canonical(path)
    if source is Source.WALMART:
        from features.loaders.walmart import load_walmart

        return load_walmart(path)
    if source is Source.M5:
        from features.loaders.m5 import load_m5

        return load_m5(path)
    if source is Source.SCMS:
        from features.loaders.scms import load_scms

        return load_scms(path)
    from features.loaders.carparts import load_carparts

    return load_carparts(path)
