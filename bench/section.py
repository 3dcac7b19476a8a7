"""One benchmark section's result: tables, notes and headline numbers, saved as JSON.

`python -m bench all` runs each section, saves its `Section` under the output folder and renders
BENCHMARKS.md from the saved sections, so a report can be rebuilt without rerunning anything.
Tables hold already formatted cells: each section decides how its numbers read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["Headline", "Section", "Table", "better", "fmt", "frame_table", "mode_name", "num"]


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]

    def markdown(self) -> list[str]:
        align = ["---"] + ["---:"] * (len(self.columns) - 1)
        return [
            f"**{self.caption}**",
            "",
            "| " + " | ".join(self.columns) + " |",
            "|" + "|".join(align) + "|",
            *("| " + " | ".join(row) + " |" for row in self.rows),
        ]


@dataclass
class Headline:
    """A number the closing note reports, with the issue's target and whether it was met."""

    name: str
    value: str
    target: str
    met: bool | None  # None: not judged (e.g. quick mode, or a peer could not run)


@dataclass
class Section:
    key: str
    title: str
    mode: str  # "quick" or "full"
    seconds: float = 0.0
    setup: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headlines: list[Headline] = field(default_factory=list)
    error: str | None = None

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.key}.json"
        path.write_text(json.dumps(asdict(self), indent=1))
        return path

    @classmethod
    def load(cls, path: Path) -> Section:
        data: dict[str, Any] = json.loads(path.read_text())
        data["tables"] = [Table(**t) for t in data.get("tables", [])]
        data["headlines"] = [Headline(**h) for h in data.get("headlines", [])]
        return cls(**data)

    def markdown(self) -> list[str]:
        lines = [f"## {self.title}", ""]
        lines += [f"_{self.mode} mode, {self.seconds / 60:.1f} min_", ""]
        if self.error:
            return [*lines, f"**Did not complete:** {self.error}", ""]
        lines += [f"- {s}" for s in self.setup] + ([""] if self.setup else [])
        for table in self.tables:
            lines += [*table.markdown(), ""]
        lines += [f"- {n}" for n in self.notes] + ([""] if self.notes else [])
        return lines

    def print(self) -> None:
        from rich.console import Console
        from rich.table import Table as RichTable

        console = Console(width=140)
        console.rule(f"{self.title} ({self.mode}, {self.seconds:.0f} s)")
        if self.error:
            console.print(f"[red]did not complete:[/red] {self.error}")
            return
        for table in self.tables:
            out = RichTable(title=table.caption)
            for i, name in enumerate(table.columns):
                out.add_column(name, justify="left" if i == 0 else "right")
            for row in table.rows:
                out.add_row(*row)
            console.print(out)
        for note in self.notes:
            console.print(f"- {note}", highlight=False)


def mode_name(quick: bool) -> str:
    """A section's mode as reports name it."""
    return "quick" if quick else "full"


def num(value: Any) -> float:
    """A pandas cell as a float (the stubs type cells as any scalar)."""
    return float(value)


def better(gain: float) -> str:
    """'12.3% better' or '4.5% worse' for a relative gain (positive = better)."""
    return f"{gain:.1%} better" if gain >= 0 else f"{-gain:.1%} worse"


def fmt(value: Any, digits: int = 3) -> str:
    """A cell: '-' for missing, thousands separators for large numbers, `digits` significant
    decimals otherwise."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    number = float(value)
    if math.isnan(number):
        return "-"
    if abs(number) >= 1000:
        return f"{number:,.0f}"
    if abs(number) >= 100:
        return f"{number:,.1f}"
    return f"{number:.{digits}f}"


def frame_table(
    caption: str,
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    formats: dict[str, Callable[[Any], str]] | None = None,
    index_name: str = "method",
) -> Table:
    """A Table of `frame`'s index and `columns`, each cell through `formats` or `fmt`."""
    formats = formats or {}
    rows = [
        [str(index), *(formats.get(c, fmt)(row[c]) for c in columns)]
        for index, row in frame.iterrows()
    ]
    return Table(caption=caption, columns=[index_name, *columns], rows=rows)
