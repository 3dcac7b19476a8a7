"""Rich renderings of pipeline reports for the terminal (the CLI's only output format)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.columns import Columns
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    import pandas as pd

    from features.contracts import Column, Contract
    from features.ingest import IngestReport
    from features.pipeline import FeaturesReport
    from flows.monitor_and_act import MonitorOutcome
    from planning.plan import PlanResult
    from planning.simulate import SimulationReport
    from training.alias_history import AliasMove
    from training.outcome import ModelOutcome
    from training.registry import VersionInfo

__all__ = [
    "show_contract",
    "show_features",
    "show_history",
    "show_ingest",
    "show_outcome",
    "show_quarantine",
    "show_versions",
]


def _rules(col: Column) -> str:
    rules = []
    if col.min_value is not None:
        rules.append(f"{'>=' if col.min_inclusive else '>'} {col.min_value:g}")
    if col.max_value is not None:
        rules.append(f"{'<=' if col.max_inclusive else '<'} {col.max_value:g}")
    if col.choices:
        rules.append("one of " + "/".join(col.choices))
    if col.not_in_future:
        rules.append("not after today")
    if col.nullable:
        rules.append("may be empty")
    return ", ".join(rules)


def show_contract(console: Console, contract: Contract) -> None:
    """One contract as a table: what each column means and the rules validation applies."""
    table = Table(
        "column",
        "type",
        "unit",
        "required",
        "rules",
        "meaning",
        title=f"{contract.name}  (key: {', '.join(contract.key)})",
        caption=contract.description,
    )
    for col in contract.columns:
        required = "yes" if col.required else f"no (default {col.default!r})"
        table.add_row(col.name, col.kind.value, col.unit, required, _rules(col), col.description)
    console.print(table)


def show_ingest(console: Console, report: IngestReport) -> None:
    """Rows in = valid + quarantined per table, with the reasons counted."""
    span = f"{report.first_date} .. {report.last_date}" if report.first_date else "no sales"
    console.print(
        f"[bold]Ingested[/] '{report.name}': {report.frequency}, {report.series:,} series, {span}"
    )
    table = Table("table", "source", "rows in", "valid", "quarantined", "reasons")
    for t in report.tables:
        reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(t.reasons.items())) or "-"
        source = "default (not given)" if t.defaulted else Path(t.source).name
        table.add_row(
            t.table,
            source,
            f"{t.rows_in:,}",
            f"{t.valid:,}",
            f"[red]{t.quarantined:,}[/]" if t.quarantined else "0",
            reasons,
        )
    console.print(table)
    for t in report.tables:
        if t.ignored_columns:
            console.print(f"  {t.table}: ignored columns not in the contract: {t.ignored_columns}")
    if report.quarantined:
        console.print(
            f"[yellow]{report.quarantined:,} row(s) quarantined[/]; see them with "
            "`restock quarantine --table TABLE`"
        )


def show_quarantine(console: Console, rows: pd.DataFrame, table_name: str, limit: int) -> None:
    if rows.empty:
        console.print(f"No quarantined rows in '{table_name}'.")
        return
    table = Table("row", "reason", "column", "detail", title=f"quarantine: {table_name}")
    for _, r in rows.head(limit).iterrows():
        table.add_row(str(r["q_row"]), r["q_reason"], r["q_column"], r["q_detail"])
    console.print(table)
    if len(rows) > limit:
        console.print(f"... {len(rows) - limit:,} more (use --limit)")


def show_features(console: Console, report: FeaturesReport) -> None:
    """Cleaning counts, the ABC x XYZ matrix and the feature store entry."""
    head = Table.grid(padding=(0, 2))
    head.add_row("series", f"{report.series:,}", "rows (dense panel)", f"{report.rows:,}")
    head.add_row(
        "gaps filled", f"{report.filled_gaps:,}", "censored (stockout)", f"{report.censored:,}"
    )
    head.add_row(
        "anomalies flagged", f"{report.anomalies:,}", "promo periods", f"{report.promo_share:.1%}"
    )
    matrix = Table("ABC \\ XYZ", "X", "Y", "Z", title="series per segment")
    for abc in "ABC":
        matrix.add_row(abc, *(f"{report.segments.get(abc + xyz, 0):,}" for xyz in "XYZ"))
    kinds = Table("intermittency", "series", title="demand pattern")
    for kind, count in sorted(report.intermittency.items()):
        kinds.add_row(kind, f"{count:,}")
    state = "reused (same inputs and spec)" if report.reused else "built"
    console.print(
        Group(
            Text(f"Features for '{report.dataset}' ({report.frequency})", style="bold"),
            head,
            Columns([matrix, kinds]),
            Text(
                f"feature store {report.store_key}: {state}, {len(report.feature_columns)} "
                f"features, {report.seconds:.1f} s\n  {report.store_path}"
            ),
            Text(f"segmentation plot: {report.segments_plot}"),
        )
    )


_OUTCOME_COLUMNS = ("method", "MAE", "RMSE", "MASE", "WAPE", "bias", "pinball", "coverage80")


def show_outcome(console: Console, outcome: ModelOutcome) -> None:
    """The evaluation table (model vs baselines) and the gate's verdict for one trained model."""
    shown = [c for c in _OUTCOME_COLUMNS if c in outcome.table.columns]
    columns = shown if len(shown) > 2 else [c for c in outcome.table.columns if c != "segment"]
    table = Table(title=f"{outcome.model}: {outcome.evaluation}")
    for column in columns:
        table.add_column(column, justify="left" if column == "method" else "right")
    for _, row in outcome.table.iterrows():
        table.add_row(*(_cell(row[c]) for c in columns))
    console.print(table)
    for note in outcome.notes:
        console.print(f"  {note}")
    verdict = (
        "[green]promoted to champion[/]" if outcome.promoted else "[yellow]kept as challenger[/]"
    )
    console.print(f"version {outcome.version}: {verdict}")
    for check in outcome.checks:
        console.print(f"  {check}")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "-" if value != value else f"{value:.3f}"  # NaN: the method has no such number
    return str(value)


def show_versions(console: Console, name: str, versions: list[VersionInfo], metric: str) -> None:
    table = Table("version", "aliases", "created", metric, "coverage80", "gate", title=name)
    for v in versions:
        table.add_row(
            str(v.version),
            ", ".join(v.aliases) or "-",
            v.created.strftime("%Y-%m-%d %H:%M"),
            f"{v.metrics.get(metric, float('nan')):.3f}",
            f"{v.metrics.get('coverage80', float('nan')):.3f}",
            v.gate.get("passed", "-"),
        )
    console.print(table)


def show_history(console: Console, name: str, moves: list[AliasMove]) -> None:
    table = Table("at (UTC)", "alias", "from", "to", "action", "actor", "reason", title=name)
    for m in moves:
        table.add_row(
            m.at.strftime("%Y-%m-%d %H:%M:%S"),
            m.alias,
            "-" if m.from_version is None else str(m.from_version),
            str(m.to_version),
            m.action,
            m.actor,
            m.reason,
        )
    console.print(table)


def show_plan(console: Console, result: PlanResult, *, top: int = 10) -> None:
    """The plan's totals, its POs by status, and the largest lines with their reasons."""
    summary = result.summary
    table = result.table
    ordered = table[table["quantity"] > 0]
    console.rule("replenishment plan")
    if summary is not None:
        console.print(
            f"review date {summary.review_date}: {summary.order_count} POs, "
            f"{summary.line_count} lines, total value {summary.total_value:,.2f}; "
            f"[bold]{summary.needs_approval} need approval[/bold], "
            f"{summary.auto_approved} auto-approved (plan {summary.plan_id})"
        )
    console.print(
        f"{len(table)} series reviewed ({(table['source_kind'] == 'dc').sum()} store lines from "
        f"a DC), {len(ordered)} to order; "
        f"{int(ordered['short'].sum())} cut by DC allocation"
    )
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    if ordered.empty:
        return
    # Narrow terminals get the essentials (the rest is in the queue and the API) rather than
    # eleven truncated columns.
    wide = console.width >= 120
    columns: list[tuple[str, str]] = [
        ("sku", "sku"),
        ("location", "loc"),
        ("from", "from"),
        ("qty", "qty"),
        ("value", "value"),
        ("E[demand L+R]", "E[D]"),
        ("safety", "SS"),
        ("position", "pos"),
        ("LT p50/p90 d", "LT p50/90"),
        ("P(stockout)", "P(out)"),
        ("flags", "flags"),
    ]
    shown = [long if wide else short for long, short in columns]
    keep = [wide or short not in ("pos", "LT p50/90") for _, short in columns]
    grid = Table(
        title=f"largest {min(top, len(ordered))} lines by value",
        box=box.SIMPLE_HEAD if not wide else box.HEAVY_HEAD,
        padding=(0, 1),
    )
    for name, (_, short), kept in zip(shown, columns, keep, strict=True):
        if kept:
            grid.add_column(
                name,
                justify="left" if short in ("sku", "loc", "from", "flags") else "right",
                no_wrap=short != "flags",
            )
    value = ordered["quantity"] * ordered["unit_cost"].fillna(0.0)
    for i in value.sort_values(ascending=False).index[:top]:
        row = ordered.loc[i]
        cells = [
            str(row["sku"]),
            str(row["location"]),
            str(row["source"]),
            f"{int(row['quantity']):,}",
            f"{value[i]:,.0f}" if not wide else f"{value[i]:,.2f}",
            f"{row['expected_demand']:.1f}",
            f"{row['safety_stock']:.1f}",
            f"{row['position']:.0f}",
            f"{row['lead_time_p50']:.1f}/{row['lead_time_p90']:.1f}",
            f"{row['stockout_probability']:.0%}",
            ", ".join(str(f) for f in row["flags"]) or "-",
        ]
        grid.add_row(*(c for c, k in zip(cells, keep, strict=True) if k))
    console.print(grid)


def show_simulation(console: Console, report: SimulationReport) -> None:
    """Per segment: target vs achieved fill rate and the stock each policy needed for it."""
    console.rule("policy simulation")
    for line in report.setup:
        console.print(f"  {line}")
    table = report.table
    grid = Table(title="achieved service and stock per segment (nominal targets)")
    grid.add_column("segment")
    grid.add_column("series", justify="right")
    grid.add_column("target fill", justify="right")
    policies = list(dict.fromkeys(table["policy"]))
    for policy in policies:
        grid.add_column(f"{policy}\nfill / CSL", justify="right")
        grid.add_column(f"{policy}\nstock value", justify="right")
    for segment, rows in table.groupby("segment", sort=True):
        by = rows.set_index("policy")
        first = by.iloc[0]
        cells = [str(segment), f"{int(first['series'])}", f"{first['target_fill_rate']:.1%}"]
        for policy in policies:
            row = by.loc[policy]
            cells.append(f"{row['fill_rate']:.1%} / {row['cycle_service_level']:.1%}")
            cells.append(f"{row['inventory_value']:,.0f}")
        grid.add_row(*cells)
    console.print(grid)


def show_monitoring(console: Console, outcome: MonitorOutcome) -> None:
    """What monitoring found, the decision, the alerts, and the retraining it caused."""
    run = outcome.run
    console.rule("monitoring")
    for line in run.lines():
        style = "bold" if line.startswith("decision") else ""
        console.print(f"  {line}", style=style)
    if run.drift is not None and run.drift.reports:
        console.print(f"  drift reports: {run.drift.reports[0].parent}")
    if run.summary_path is not None:
        console.print(f"  run summary: {run.summary_path}")
    if outcome.retrained is not None:
        console.print("[bold]retrained through the promotion gate:[/bold]")
        for trained in outcome.retrained:
            if trained is not None:
                show_outcome(console, trained)
