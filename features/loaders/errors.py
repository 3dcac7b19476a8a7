"""The one error type a loader raises: the message names the path and the fix."""

from __future__ import annotations

__all__ = ["SourceError"]


class SourceError(ValueError):
    """A source cannot be read (missing path or file, wrong format, missing columns)."""
