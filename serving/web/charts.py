"""Plotly figures as plain data (`{"data": [...], "layout": {...}}`): the page embeds them as
JSON and `static/restock.js` draws them with the plotly.js the plotly package ships, so no
chart library is imported on the server and nothing is fetched from the network.

Every chart also has a table or list beside it on the page, for screen readers and printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from serving.forecasting import SeriesForecast
from serving.kpi_panel import TrendPoint
from serving.series_history import HistoryPoint

__all__ = ["driver_chart", "forecast_chart", "kpi_trend_chart"]

Figure = dict[str, Any]

_BAND = "rgba(31, 119, 180, 0.18)"
_BLUE = "#1f6fb4"
_GREY = "#5b6770"
_RED = "#c0392b"
_GREEN = "#2e7d32"
_ORANGE = "#d35400"
_UNIT = {"daily": "units per day", "weekly": "units per week", "monthly": "units per month"}


def _layout(**more: Any) -> dict[str, Any]:
    return {
        "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
        "legend": {"orientation": "h", "y": -0.18},
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        **more,
    }


def forecast_chart(
    history: Sequence[HistoryPoint],
    forecast: SeriesForecast,
    overridden: Sequence[tuple[str, float]] = (),
) -> Figure:
    """History (sales, estimated demand), P10-P90 band and P50 of the forecast, promotions and
    stockouts marked, and the planner's P50 where an override applies."""
    dates = [p.date.isoformat() for p in history]
    steps = [s.date.isoformat() for s in forecast.steps]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "sold",
            "x": dates,
            "y": [p.units for p in history],
            "line": {"color": _GREY, "width": 1.5},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "estimated demand",
            "x": dates,
            "y": [p.demand for p in history],
            "line": {"color": _GREY, "width": 1, "dash": "dot"},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "P10",
            "x": steps,
            "y": [s.quantiles["p10"] for s in forecast.steps],
            "line": {"width": 0},
            "showlegend": False,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "P10-P90 band",
            "x": steps,
            "y": [s.quantiles["p90"] for s in forecast.steps],
            "fill": "tonexty",
            "fillcolor": _BAND,
            "line": {"width": 0},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"forecast P50 (v{forecast.model_version})",
            "x": steps,
            "y": [s.quantiles["p50"] for s in forecast.steps],
            "line": {"color": _BLUE, "width": 2},
        },
    ]
    if overridden:
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "planner override P50",
                "x": [d for d, _ in overridden],
                "y": [v for _, v in overridden],
                "line": {"color": _ORANGE, "width": 2, "dash": "dash"},
            }
        )
    promos = [p for p in history if p.on_promo]
    if promos:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "promotion",
                "x": [p.date.isoformat() for p in promos],
                "y": [p.demand for p in promos],
                "marker": {"symbol": "triangle-up", "size": 9, "color": _GREEN},
            }
        )
    stockouts = [p for p in history if p.stockout]
    if stockouts:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "stockout",
                "x": [p.date.isoformat() for p in stockouts],
                "y": [p.units for p in stockouts],
                "marker": {"symbol": "x", "size": 9, "color": _RED},
            }
        )
    origin = forecast.origin.isoformat()
    return {
        "data": data,
        "layout": _layout(
            hovermode="x unified",
            yaxis={
                "title": {"text": _UNIT.get(forecast.frequency, "units")},
                "rangemode": "tozero",
            },
            shapes=[
                {
                    "type": "line",
                    "x0": origin,
                    "x1": origin,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": _GREY, "width": 1, "dash": "dash"},
                }
            ],
        ),
    }


def driver_chart(drivers: Sequence[tuple[str, float, str]]) -> Figure:
    """Horizontal bars of driver impacts in units, (group, impact, text) largest first."""
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [group for group, _, _ in drivers],
                "x": [impact for _, impact, _ in drivers],
                "text": [f"{impact:+.1f}" for _, impact, _ in drivers],
                "hovertext": [text for _, _, text in drivers],
                "hoverinfo": "text",
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {"color": [_GREEN if i >= 0 else _RED for _, i, _ in drivers]},
            }
        ],
        "layout": _layout(
            height=max(160, 48 * len(drivers) + 60),
            xaxis={"title": {"text": "units over the explained periods"}, "zeroline": True},
            yaxis={"autorange": "reversed", "automargin": True},
            showlegend=False,
        ),
    }


def kpi_trend_chart(trend: Sequence[TrendPoint]) -> Figure:
    """Monthly fill rate per segment (one line each)."""
    segments: dict[str, list[TrendPoint]] = {}
    for point in trend:
        segments.setdefault(point.segment, []).append(point)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": segment,
                "x": [p.month.isoformat() for p in points],
                "y": [p.fill_rate for p in points],
            }
            for segment, points in sorted(segments.items())
        ],
        "layout": _layout(
            yaxis={"title": {"text": "fill rate"}, "tickformat": ".0%"},
            hovermode="x unified",
        ),
    }
