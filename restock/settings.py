"""The one settings object: read once (env prefix `RESTOCK_`), then passed down explicitly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from restock.home import HomePaths

__all__ = ["SegmentationThresholds", "Settings", "TrainingSettings", "load_settings"]


class SegmentationThresholds(BaseModel):
    """Class boundaries for ABC (value), XYZ (variability) and intermittency (ADI / CV^2).

    Defaults are the textbook ones: A covers the top 80% of value and B the next 15%; X has a
    coefficient of variation below 0.5 and Y below 1.0; Syntetos-Boylan cut-offs ADI 1.32 and
    CV^2 0.49 split smooth / intermittent / erratic / lumpy.
    """

    abc_a: float = Field(0.80, gt=0, lt=1)
    abc_b: float = Field(0.95, gt=0, lt=1)
    xyz_x: float = Field(0.5, gt=0)
    xyz_y: float = Field(1.0, gt=0)
    adi: float = Field(1.32, gt=1)
    cv2: float = Field(0.49, gt=0)
    # Value and variability are judged on the most recent year, so an item that was big long
    # ago does not stay an A forever.
    window_days: int = Field(365, ge=28)

    @model_validator(mode="after")
    def _ordered(self) -> SegmentationThresholds:
        if not self.abc_a < self.abc_b:
            raise ValueError(f"abc_a ({self.abc_a}) must be below abc_b ({self.abc_b})")
        if not self.xyz_x < self.xyz_y:
            raise ValueError(f"xyz_x ({self.xyz_x}) must be below xyz_y ({self.xyz_y})")
        return self


class TrainingSettings(BaseModel):
    """Backtest size and the promotion gate's thresholds."""

    folds: int = Field(default=3, ge=1, description="rolling-origin backtest folds")
    num_boost_round: int = Field(default=300, ge=10, description="LightGBM trees per model")
    primary_metric: str = Field(default="MASE", description="lower is better; gate compares it")
    min_improvement: float = Field(
        default=0.0, ge=0, description="relative margin a challenger must win by"
    )
    coverage_target: float = Field(default=0.80, gt=0, lt=1, description="P10-P90 coverage aim")
    coverage_tolerance: float = Field(
        default=0.05, ge=0, lt=0.5, description="allowed |coverage - target| for the gate"
    )


class Settings(BaseSettings):
    """Everything configurable, from the environment (`RESTOCK_HOME`, `RESTOCK_AS_OF`, ...).

    Nested values use a double underscore: `RESTOCK_SEGMENTATION__ABC_A=0.7`.
    """

    model_config = SettingsConfigDict(
        env_prefix="RESTOCK_", env_nested_delimiter="__", extra="ignore"
    )

    home: Path = Field(default_factory=Path.cwd, description="folder holding all restock state")
    as_of: dt.date | None = Field(
        None, description="'today' for the future-date rule; None means the real date"
    )
    segmentation: SegmentationThresholds = Field(default_factory=SegmentationThresholds)
    feature_chunk_series: int = Field(
        2000, ge=1, description="series per chunk when building features (bounds peak memory)"
    )
    anomaly_mad_k: float = Field(
        5.0, gt=0, description="robust z-score beyond which a non-promo period is an anomaly"
    )
    show_progress: bool = Field(True, description="draw progress bars on long work")
    training: TrainingSettings = Field(default_factory=TrainingSettings)
    tracking_uri: str | None = Field(
        None, description="MLflow tracking URI; default sqlite under <home>/mlruns"
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the restock database; default <home>/restock.db"
    )

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.paths.database}"

    @property
    def paths(self) -> HomePaths:
        return HomePaths(self.home.resolve())

    def today(self) -> dt.date:
        return self.as_of or dt.date.today()


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; explicit overrides (e.g. from CLI flags) win."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
