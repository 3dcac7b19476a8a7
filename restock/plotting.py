"""Matplotlib for files only: every plot in restock goes through `pyplot()`."""

from __future__ import annotations

from typing import Any

__all__ = ["pyplot"]


def pyplot() -> Any:
    """`matplotlib.pyplot` on the Agg backend (no display on servers and CI), imported late so
    that importing a module that can plot costs nothing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
