"""The forecast answers pages show, asked of the same `ForecastService` as the JSON API."""

from __future__ import annotations

from serving.drivers import Explanation
from serving.state import AppState

__all__ = ["EXPLAIN_STEPS", "explain_next", "headline"]

# As in the API (serving.routers.forecasts): the drivers of the next week of periods, what a
# buyer acts on.
EXPLAIN_STEPS = 7


def explain_next(state: AppState, sku: str, location: str, *, top: int) -> Explanation:
    """The `top` drivers of the series' forecast over its first `EXPLAIN_STEPS` periods (fewer
    when the model's horizon is shorter); raises the forecast errors (`ForecastError`)."""
    horizon = state.forecasts.forecast(sku, location).horizon
    return state.forecasts.explain(sku, location, horizon=min(EXPLAIN_STEPS, horizon), top=top)


def headline(why: Explanation) -> str:
    """The explanation's expected demand against a typical series', in one sentence."""
    if why.expected is None or why.baseline is None:
        return why.summary
    return (
        f"Expected {why.expected:.1f} units over the next {why.horizon} periods, against "
        f"{why.baseline:.1f} for a typical series; the drivers make up the difference."
    )
