"""One way to draw a progress bar on long work, or nothing when progress is off."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(description: str, total: int, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    """Yield `advance(n)`; draws a rich bar on stderr only when `enabled`."""
    if not enabled:
        yield lambda _n: None
        return
    from rich.console import Console  # lazy: only long interactive runs draw bars
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
