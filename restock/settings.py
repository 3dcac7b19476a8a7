"""The one settings object: read once (env prefix `RESTOCK_`), then passed down explicitly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from restock.home import HomePaths

__all__ = [
    "MonitoringSettings",
    "DemoSettings",
    "FlowSettings",
    "PlanningSettings",
    "ScheduleSettings",
    "SegmentationThresholds",
    "ServingSettings",
    "Settings",
    "TrainingSettings",
    "load_settings",
]


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
    # A cap: early stopping on the calibration window picks the count (daily demo: 160-270;
    # Walmart weekly keeps improving to ~1,000: WMAE 1,651 at 300, 1,550 at 1,000).
    num_boost_round: int = Field(default=1000, ge=10, description="LightGBM trees per model (cap)")
    primary_metric: str = Field(default="MASE", description="lower is better; gate compares it")
    min_improvement: float = Field(
        default=0.0, ge=0, description="relative margin a challenger must win by"
    )
    coverage_target: float = Field(default=0.80, gt=0, lt=1, description="P10-P90 coverage aim")
    coverage_tolerance: float = Field(
        default=0.05, ge=0, lt=0.5, description="allowed |coverage - target| for the gate"
    )
    fresh_tolerance: float = Field(
        default=0.02,
        ge=0,
        lt=0.5,
        description="how far a challenger trained on newer data may trail the champion when "
        "both are scored on the folds the champion never saw",
    )


class PlanningSettings(BaseModel):
    """Replenishment planning: sampling, assumptions the data cannot give, flags, approvals."""

    n_samples: int = Field(1000, ge=100, description="Monte-Carlo paths per series")
    seed: int = Field(0, description="seed of the Monte Carlo: the same inputs give the same plan")
    # 0.2 on every series held 65% more stock on the demo simulation for +1 point of fill rate
    # and overshot every X target; 0 met them but left erratic (Z) series 15 points short, their
    # demand moving in runs that independent periods cannot produce; 0.3 on Z alone met them
    # (README, policy simulation).
    rho: float = Field(0.0, ge=0, le=1, description="correlation of demand between periods")
    rho_by_xyz: dict[str, float] = Field(
        default_factory=lambda: {"Z": 0.3},
        description="rho per XYZ variability class, overriding `rho` for its series",
    )
    transfer_days: float = Field(2.0, ge=0, description="DC-to-store transfer time (days)")
    assumed_lead_time_days: float = Field(
        14.0, ge=0, description="supplier lead time when no receipt says otherwise (days)"
    )
    forecast_change: float = Field(
        0.15, gt=0, description="flag a line whose expected demand moved more than this share"
    )
    far_above_history: float = Field(
        3.0, gt=1, description="flag a quantity above this multiple of the busiest past window"
    )
    auto_approve_below: float | None = Field(
        1000.0, ge=0, description="POs below this value with no flag are auto-approved"
    )
    dual_approval_above: float = Field(
        25000.0, ge=0, description="POs above this value need two distinct approvers"
    )
    budget: float | None = Field(
        None, ge=0, description="cap on the value of supplier orders per plan (None: no cap)"
    )
    tier_order: tuple[str, ...] = Field(
        ("platinum", "gold", "standard"), description="allocation priority, first served first"
    )


class MonitoringSettings(BaseModel):
    """Monitoring policy as data (STYLE.md: Evidently's spec vs calculation split): drift tests,
    live-accuracy and service-level thresholds, the retrain / rollback rules, the webhook."""

    # Drift (Evidently). Distance methods (wasserstein, jensenshannon, psi, ...) flag a column
    # when the distance is >= its threshold; p-value tests (ks, chisquare, z) when the p-value is
    # below it. Distances are used by default because a p-value on 20,000 rows flags shifts too
    # small to matter, and the verdict then does not depend on the sample size.
    drift_share: float = Field(
        0.5, gt=0, le=1, description="dataset drift when at least this share of columns drift"
    )
    num_method: str = Field("wasserstein", description="Evidently test for numeric columns")
    num_threshold: float = Field(0.1, gt=0, description="distance (or p-value) threshold")
    cat_method: str = Field("jensenshannon", description="Evidently test for categorical columns")
    cat_threshold: float = Field(0.1, gt=0, description="distance (or p-value) threshold")
    sample_size: int = Field(
        20_000, ge=100, description="rows sampled per side (seeded) before Evidently runs"
    )
    sample_seed: int = Field(0, description="seed of the drift sample: same data, same verdict")
    window_periods: int | None = Field(
        None, ge=1, description="length of the latest window in periods (None: the model horizon)"
    )
    min_rows: int = Field(100, ge=10, description="fewer rows on either side: drift not judged")
    prediction_columns: tuple[str, ...] = Field(
        ("p50", "p90"), description="forecast columns compared for prediction drift"
    )
    # Live accuracy and service level.
    live_window_days: int = Field(
        56, ge=1, description="score logged forecasts whose target date is this recent"
    )
    min_scored: int = Field(
        200, ge=1, description="scored forecast rows a version needs before its accuracy counts"
    )
    tracking_signal_limit: float = Field(
        4.0, gt=0, description="|cumulative error / MAD| beyond which a series is out of control"
    )
    service_period_days: int = Field(
        7, ge=1, description="service level is judged per block of this many days (or one period)"
    )
    consecutive_periods: int = Field(
        3, ge=1, description="periods in a row below target before a service-level breach"
    )
    supply_lookback_days: int = Field(
        28, ge=1, description="receipts promised this far before a stockout can explain it"
    )
    # Decision policy.
    decay_tolerance: float = Field(
        0.2, ge=0, description="retrain when live MASE exceeds the backtest's by this share"
    )
    coverage_target: float = Field(0.80, gt=0, lt=1, description="P10-P90 coverage aimed at")
    coverage_tolerance: float = Field(
        0.10, ge=0, lt=0.5, description="retrain when live |coverage - target| exceeds this"
    )
    rollback_tolerance: float = Field(
        0.10, ge=0, description="roll back when a new champion's live MASE is this much worse"
    )
    rollback_window_days: int = Field(
        28, ge=1, description="only a promotion this recent is rolled back automatically"
    )
    retrain_cooldown_days: int = Field(
        7, ge=0, description="no new retrain while a version registered this recently is judged"
    )
    # Alert webhook: POSTed in the background, never failing or blocking the caller.
    webhook_url: str | None = Field(None, description="POST every new alert here as JSON")
    webhook_timeout_seconds: float = Field(5.0, gt=0, description="per attempt")
    webhook_retries: int = Field(3, ge=0, description="extra attempts after a failed one")
    webhook_backoff_seconds: float = Field(
        0.5, ge=0, description="wait before retry k is backoff * 2**(k-1)"
    )
    webhook_min_severity: Literal["info", "warning", "critical"] = Field(
        "warning", description="alerts below this severity are stored and logged, not POSTed"
    )

    @model_validator(mode="after")
    def _consistent(self) -> MonitoringSettings:
        if not self.prediction_columns:
            raise ValueError("prediction_columns needs at least one forecast column, e.g. p50")
        if self.webhook_url is not None and not self.webhook_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError(f"webhook_url must be an http(s) URL; got {self.webhook_url!r}")
        return self


_DEFAULT_SECRET = "change-me-in-production"


class DemoSettings(BaseModel):
    """The built-in demo's scenario: a regime shift and data that has not arrived yet."""

    shift: str | None = Field(
        None, description="category:days:factor, e.g. snacks:28:1.8 (see RegimeShift)"
    )
    hidden_days: int = Field(0, ge=0, description="leave the demo's last days out of ingest")


class FlowSettings(BaseModel):
    """Where the flows' tasks run: threads in this process, or a Dask cluster (local or remote)."""

    task_runner: Literal["threads", "dask"] = Field(
        "threads", description="threads, or dask (prefect-dask; a local cluster unless an address)"
    )
    dask_address: str | None = Field(None, description="tcp://scheduler:8786 of a running cluster")
    dask_workers: int = Field(2, ge=1, description="workers of the local Dask cluster")
    feature_partitions: int = Field(
        1, ge=1, description="feature building split into this many parallel tasks (by series)"
    )


class ScheduleSettings(BaseModel):
    """Cron schedules `restock schedule` serves (minute hour day month weekday, server time)."""

    daily_cycle: str = Field("0 5 * * *", description="every day at 05:00")
    monitor_and_act: str = Field("0 */6 * * *", description="every six hours")
    train_models: str = Field("0 2 * * 0", description="Sundays at 02:00")

    @model_validator(mode="after")
    def _five_fields(self) -> ScheduleSettings:
        for name in ("daily_cycle", "monitor_and_act", "train_models"):
            cron = getattr(self, name)
            if len(str(cron).split()) != 5:
                raise ValueError(
                    f"schedules.{name} = {cron!r} is not a cron expression of five fields "
                    "(minute hour day month weekday), e.g. '0 5 * * *'"
                )
        return self


class ServingSettings(BaseModel):
    """The API and web UI: where it listens, how it finds new champions, its secrets."""

    host: str = Field("127.0.0.1", description="address `restock serve` binds")
    port: int = Field(8000, ge=1, le=65535)
    poll_seconds: float = Field(
        30.0, ge=0, description="how often serving checks the registry for alias moves (0: never)"
    )
    prefetch_series: int = Field(
        2048,
        ge=0,
        description="series whose forecasts and drivers are computed ahead after start-up and "
        "every model or panel change (0: none; at most the forecast cache's size is kept)",
    )
    secret_key: str = Field(
        _DEFAULT_SECRET, min_length=16, description="signs web sessions; set it in production"
    )
    production: bool = Field(
        False, description="refuse to start with default secrets or an unsafe configuration"
    )
    session_hours: float = Field(12.0, gt=0, description="web login lifetime")
    login_failures_per_user: int = Field(
        5, ge=1, description="failed sign-ins of one username per window before 429"
    )
    login_failures_per_address: int = Field(
        20, ge=1, description="failed sign-ins from one client address per window before 429"
    )
    login_window_seconds: float = Field(
        300.0, gt=0, description="sliding window of the sign-in rate limit"
    )

    @property
    def default_secret(self) -> bool:
        return self.secret_key == _DEFAULT_SECRET


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
        500, ge=1, description="series per chunk when building features (bounds peak memory)"
    )
    feature_store_keep: int = Field(
        3,
        ge=1,
        description="feature store entries kept after a build (newest; plus the newest of each "
        "spec, which drift checks read)",
    )
    anomaly_mad_k: float = Field(
        5.0, gt=0, description="robust z-score beyond which a non-promo period is an anomaly"
    )
    show_progress: bool = Field(True, description="draw progress bars on long work")
    training: TrainingSettings = Field(default_factory=TrainingSettings)
    planning: PlanningSettings = Field(default_factory=PlanningSettings)
    serving: ServingSettings = Field(default_factory=ServingSettings)
    schedules: ScheduleSettings = Field(default_factory=ScheduleSettings)
    flows: FlowSettings = Field(default_factory=FlowSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
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
