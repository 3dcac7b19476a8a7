"""The layout of a restock home: every command keeps its state under one folder.

Two homes never mix, and wiping a home folder resets restock completely.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["HomePaths"]


@dataclass(frozen=True)
class HomePaths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def ingested(self) -> Path:
        """Validated canonical tables, one parquet file per contract."""
        return self.data / "ingested"

    @property
    def quarantine(self) -> Path:
        """Rejected rows with a reason, one parquet file per contract, plus summary.json."""
        return self.data / "quarantine"

    @property
    def cleaned(self) -> Path:
        return self.data / "cleaned"

    @property
    def feature_store(self) -> Path:
        return self.root / "feature_store"

    @property
    def mlruns(self) -> Path:
        return self.root / "mlruns"

    @property
    def database(self) -> Path:
        return self.root / "restock.db"

    @property
    def prefect(self) -> Path:
        return self.root / ".prefect"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def ensure(self) -> HomePaths:
        for folder in (self.ingested, self.quarantine, self.cleaned, self.feature_store):
            folder.mkdir(parents=True, exist_ok=True)
        return self
