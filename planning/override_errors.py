"""What a planner-override request can fail with, one class per answer the API gives."""

from __future__ import annotations

__all__ = ["InvalidOverride", "OverrideConflict", "OverrideError", "UnknownOverride"]


class OverrideError(Exception):
    """An override request cannot be done; the message says why and what to do."""


class InvalidOverride(OverrideError, ValueError):
    """Fields out of range (the API answers 422)."""


class UnknownOverride(OverrideError, LookupError):
    """No override with that id (404)."""


class OverrideConflict(OverrideError):
    """Overlaps an override in force, or is already revoked (409)."""
