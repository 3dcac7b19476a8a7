"""Data drift with Evidently: per-column verdicts and a dataset-level one, as plain data.

`detect_drift` samples both sides (`monitoring.sampling`), runs Evidently's `DataDriftPreset`
with tests on, and reads each column's verdict from Evidently's own test status (a FAIL is a
drifted column), so a p-value method (drift below the threshold) and a distance (drift at or
above it) need no special casing here. The dataset drifts when the share of drifted columns
reaches `drift_share`. Methods and thresholds come from `MonitoringSettings`: the policy is
data, the calculation is Evidently's.

`DriftReport.save` writes `<stem>.json` (this module's result plus Evidently's snapshot) and
`<stem>.html` (Evidently's report) under `<home>/reports/monitoring/`.

Evidently is imported inside `detect_drift` only: it costs seconds to import and planning, the
CLI and the API import this package without needing it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from monitoring.reference import ReferenceChoice
from monitoring.sampling import sample_rows
from restock.settings import MonitoringSettings

__all__ = [
    "ColumnDrift",
    "ColumnKind",
    "DriftReport",
    "DriftResult",
    "Subject",
    "detect_drift",
    "load_drift_result",
]

Subject = Literal["features", "predictions"]
ColumnKind = Literal["numerical", "categorical"]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ColumnDrift:
    """Evidently's verdict on one column: the method, its threshold, the score, drifted or not."""

    column: str
    kind: ColumnKind
    method: str
    threshold: float
    score: float
    drifted: bool


@dataclass(frozen=True)
class DriftResult:
    """One drift check of `subject` (model features or predictions), machine-readable.

    `judged` is False when a side had fewer rows than `min_rows`: then nothing drifted because
    nothing was compared, and `note` says so.
    """

    subject: Subject
    columns: tuple[ColumnDrift, ...]
    drift_share_threshold: float
    reference_rows: int
    current_rows: int
    sampled_reference_rows: int
    sampled_current_rows: int
    seconds: float
    judged: bool = True
    note: str = ""
    skipped: tuple[tuple[str, str], ...] = ()  # (column, why it was not compared)
    reference: ReferenceChoice | None = None
    model_name: str | None = None
    model_version: int | None = None
    computed_at: dt.datetime = field(default_factory=_utcnow)

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.columns if c.drifted)

    @property
    def share(self) -> float:
        """Share of compared columns that drifted (0 when none was compared)."""
        return len(self.drifted_columns) / len(self.columns) if self.columns else 0.0

    @property
    def dataset_drift(self) -> bool:
        return self.judged and bool(self.columns) and self.share >= self.drift_share_threshold

    def summary(self) -> str:
        """One line for logs and alerts."""
        if not self.judged:
            return f"{self.subject} drift not judged: {self.note}"
        verdict = "drift detected" if self.dataset_drift else "no dataset drift"
        top = sorted((c for c in self.columns if c.drifted), key=lambda c: -c.score)[:5]
        named = ", ".join(f"{c.column} ({c.score:.3g})" for c in top)
        where = ""
        if self.reference is not None:
            where = f"; reference {self.reference.kind} {self.reference.reference}"
        return (
            f"{self.subject}: {verdict}, {len(self.drifted_columns)}/{len(self.columns)} "
            f"columns drifted (share {self.share:.0%}, threshold {self.drift_share_threshold:.0%})"
            + (f": {named}" if named else "")
            + where
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "dataset_drift": self.dataset_drift,
            "share": self.share,
            "drift_share_threshold": self.drift_share_threshold,
            "drifted_columns": list(self.drifted_columns),
            "columns": [c.__dict__ for c in self.columns],
            "judged": self.judged,
            "note": self.note,
            "skipped": [list(s) for s in self.skipped],
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "sampled_reference_rows": self.sampled_reference_rows,
            "sampled_current_rows": self.sampled_current_rows,
            "seconds": self.seconds,
            "reference": None if self.reference is None else self.reference.to_dict(),
            "model_name": self.model_name,
            "model_version": self.model_version,
            "computed_at": self.computed_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftResult:
        reference = data.get("reference")
        return cls(
            subject=data["subject"],
            columns=tuple(ColumnDrift(**c) for c in data["columns"]),
            drift_share_threshold=float(data["drift_share_threshold"]),
            reference_rows=int(data["reference_rows"]),
            current_rows=int(data["current_rows"]),
            sampled_reference_rows=int(data["sampled_reference_rows"]),
            sampled_current_rows=int(data["sampled_current_rows"]),
            seconds=float(data["seconds"]),
            judged=bool(data["judged"]),
            note=str(data["note"]),
            skipped=tuple((str(a), str(b)) for a, b in data["skipped"]),
            reference=None if reference is None else ReferenceChoice.from_dict(reference),
            model_name=data.get("model_name"),
            model_version=data.get("model_version"),
            computed_at=dt.datetime.fromisoformat(data["computed_at"]),
        )


@dataclass(frozen=True)
class DriftReport:
    """A result and the Evidently snapshot behind it (None when nothing was compared)."""

    result: DriftResult
    snapshot: Any = None

    def save(self, folder: Path, stem: str | None = None) -> tuple[Path, Path | None]:
        """Write `<stem>.json` and, when Evidently ran, `<stem>.html`; return their paths.

        The default stem `drift_<subject>_<current end>[_<model>-v<version>]` makes a re-run
        over the same window replace its report instead of piling up copies.
        """
        folder.mkdir(parents=True, exist_ok=True)
        stem = stem or _default_stem(self.result)
        payload = {"result": self.result.to_dict()}
        if self.snapshot is not None:
            payload["evidently"] = self.snapshot.dict()
        json_path = folder / f"{stem}.json"
        tmp = json_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2, default=str))
        tmp.replace(json_path)  # a reader never sees half a report
        html_path = None
        if self.snapshot is not None:
            html_path = folder / f"{stem}.html"
            self.snapshot.save_html(str(html_path))
        return json_path, html_path


def load_drift_result(path: Path) -> DriftResult:
    """Read back the result part of a saved report."""
    return DriftResult.from_dict(json.loads(path.read_text())["result"])


def _default_stem(result: DriftResult) -> str:
    when = (
        result.reference.current.end.isoformat()
        if result.reference is not None
        else result.computed_at.strftime("%Y-%m-%dT%H%M%S")
    )
    model = ""
    if result.model_name is not None:
        model = f"_{result.model_name}-v{result.model_version}"
    return f"drift_{result.subject}_{when}{model}"


def _prepare(
    frame: pd.DataFrame, numerical: Sequence[str], categorical: Sequence[str], side: str
) -> pd.DataFrame:
    missing = [c for c in (*numerical, *categorical) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"the {side} frame lacks column(s) {missing}; pass frames with every monitored column"
        )
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column in numerical:
        out[column] = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64")
    for column in categorical:
        out[column] = frame[column].to_numpy()
    return out


def _empty_columns(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, str]:
    # Evidently refuses a column without values on a side; report it instead of failing.
    skipped = {}
    for column in reference.columns:
        for side, frame in (("reference", reference), ("current", current)):
            if column not in skipped and frame[column].notna().sum() == 0:
                skipped[column] = f"no values in the {side} window"
    return skipped


def _run_evidently(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numerical: list[str],
    categorical: list[str],
    settings: MonitoringSettings,
) -> Any:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    preset = DataDriftPreset(
        columns=[*numerical, *categorical],
        drift_share=settings.drift_share,
        num_method=settings.num_method,
        num_threshold=settings.num_threshold,
        cat_method=settings.cat_method,
        cat_threshold=settings.cat_threshold,
    )
    with warnings.catch_warnings():
        # Evidently's column statistics divide by a zero spread on constant columns.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return Report([preset], include_tests=True).run(
                Dataset.from_pandas(current, data_definition=definition),
                Dataset.from_pandas(reference, data_definition=definition),
            )
        except ValueError as error:
            if "stattest" in str(error).lower():
                raise ValueError(
                    f"{error}; set RESTOCK_MONITORING__NUM_METHOD / __CAT_METHOD to one of them"
                ) from error
            raise


def _status(value: Any) -> str:
    return str(getattr(value, "value", value)).upper()


def _columns_from(snapshot: Any, kinds: dict[str, ColumnKind]) -> tuple[ColumnDrift, ...]:
    data = snapshot.dict()
    failed: dict[str, bool] = {}
    for test in data.get("tests", []):
        metric_id = test.get("metric_config", {}).get("metric_id")
        if metric_id is not None:
            failed[metric_id] = _status(test.get("status")) == "FAIL"
    out = []
    for metric in data["metrics"]:
        config = metric.get("config", {})
        column = config.get("column")
        if column not in kinds or not str(config.get("type", "")).endswith("ValueDrift"):
            continue
        if metric["id"] not in failed:
            raise RuntimeError(
                f"Evidently returned no test verdict for column {column!r}; the installed "
                "evidently does not match the 0.7 API this module reads"
            )
        out.append(
            ColumnDrift(
                column=str(column),
                kind=kinds[column],
                method=str(config.get("method")),
                threshold=float(config.get("threshold", float("nan"))),
                score=float(metric["value"]),
                drifted=failed[metric["id"]],
            )
        )
    order = {name: i for i, name in enumerate(kinds)}
    return tuple(sorted(out, key=lambda c: order[c.column]))


def detect_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    subject: Subject,
    numerical: Sequence[str],
    categorical: Sequence[str] = (),
    settings: MonitoringSettings,
    reference_choice: ReferenceChoice | None = None,
    model_name: str | None = None,
    model_version: int | None = None,
) -> DriftReport:
    """Compare `current` with `reference` on the given columns, sampling each side to
    `settings.sample_size` rows first (seeded, so the same data gives the same verdict)."""
    if not numerical and not categorical:
        raise ValueError("name at least one column to compare (numerical or categorical)")
    overlap = set(numerical) & set(categorical)
    if overlap:
        raise ValueError(f"columns {sorted(overlap)} are both numerical and categorical")
    started = time.perf_counter()
    make = partial(
        DriftResult,
        subject=subject,
        drift_share_threshold=settings.drift_share,
        reference_rows=len(reference),
        current_rows=len(current),
        reference=reference_choice,
        model_name=model_name,
        model_version=model_version,
    )
    ref = _prepare(reference, numerical, categorical, "reference")
    cur = _prepare(current, numerical, categorical, "current")
    small = min(len(ref), len(cur))
    if small < settings.min_rows:
        return DriftReport(
            make(
                columns=(),
                sampled_reference_rows=0,
                sampled_current_rows=0,
                seconds=time.perf_counter() - started,
                judged=False,
                note=(
                    f"{len(ref)} reference and {len(cur)} current rows; at least "
                    f"{settings.min_rows} each are needed (RESTOCK_MONITORING__MIN_ROWS)"
                ),
            )
        )
    # Different seeds per side: the same positions of two aligned frames are not a sample.
    ref = sample_rows(ref, settings.sample_size, seed=settings.sample_seed).reset_index(drop=True)
    cur = sample_rows(cur, settings.sample_size, seed=settings.sample_seed + 1)
    cur = cur.reset_index(drop=True)
    skipped = _empty_columns(ref, cur)
    num = [c for c in numerical if c not in skipped]
    cat = [c for c in categorical if c not in skipped]
    kinds: dict[str, ColumnKind] = {}
    for column in num:
        kinds[column] = "numerical"
    for column in cat:
        kinds[column] = "categorical"
    snapshot = None
    columns: tuple[ColumnDrift, ...] = ()
    if kinds:
        snapshot = _run_evidently(ref[list(kinds)], cur[list(kinds)], num, cat, settings)
        columns = _columns_from(snapshot, kinds)
    result = make(
        columns=columns,
        sampled_reference_rows=len(ref),
        sampled_current_rows=len(cur),
        seconds=time.perf_counter() - started,
        judged=bool(kinds),
        note="" if kinds else "every column was empty on one side",
        skipped=tuple(skipped.items()),
    )
    return DriftReport(result, snapshot)
