"""The planner's pages: find a sku-location, see its history, forecast band and drivers in
business words, the exceptions that deserve a look, and record an override with a rationale.

Forecasts and drivers come from the same `ForecastService` as the JSON API; overrides are
stored through `serving.override_service`, as `POST /api/overrides` does.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from planning.overrides import Kind, OverrideConflict, OverrideError, Overrides
from serving.deps import StateDep
from serving.forecasting import BadRequest, ForecastError, NoModel, NoPanel, UnknownSeries
from serving.override_service import OverrideDraft, create_override
from serving.planner_exceptions import bias_exceptions, forecast_change_exceptions
from serving.roles import Principal, Role
from serving.routers.overrides import OverridesDep, override_beside
from serving.series_history import series_history
from serving.state import AppState
from serving.web.access import ForecastReader, Planner, can
from serving.web.charts import driver_chart, forecast_chart
from serving.web.csrf import CsrfChecked
from serving.web.errors import PageError
from serving.web.forecast_view import explain_next, headline
from serving.web.services import AlertsDep
from serving.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

KINDS: tuple[str, ...] = get_args(Kind)
_LISTED = 5000  # series offered as suggestions in the search boxes
_OVERRIDE_DAYS = 14  # default life of an override


def _series_keys(state: AppState) -> list[tuple[str, str]]:
    try:
        return state.forecasts.series()
    except NoPanel:
        return []


@router.get("/planner", response_class=HTMLResponse)
def planner_page(
    request: Request,
    state: StateDep,
    me: ForecastReader,
    alerts: AlertsDep,
    overrides: OverridesDep,
) -> HTMLResponse:
    """Search, the exceptions list and the overrides in force."""
    keys = _series_keys(state)
    exceptions = [
        *forecast_change_exceptions(state.queue, threshold=state.settings.planning.forecast_change),
        *bias_exceptions(alerts.active(kinds=("accuracy_decay",))),
    ]
    return render(
        request,
        state,
        "planner.html",
        principal=me,
        title="Planner",
        skus=sorted({k[0] for k in keys})[:_LISTED],
        locations=sorted({k[1] for k in keys}),
        first=keys[0] if keys else None,
        exceptions=exceptions,
        threshold=state.settings.planning.forecast_change,
        in_force=overrides.active(),
        no_panel=not keys,
    )


def _form_defaults(first: dt.date, last: dt.date) -> dict[str, str]:
    today = dt.datetime.now(dt.UTC).date()
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "kind": "percent",
        "value": "",
        "rationale": "",
        "expires_on": (today + dt.timedelta(days=_OVERRIDE_DAYS)).isoformat(),
    }


def _series_page(
    request: Request,
    state: AppState,
    me: Principal,
    overrides: Overrides,
    sku: str,
    location: str,
    *,
    form: dict[str, str] | None = None,
    problems: list[str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        fc = state.forecasts.forecast(sku, location)
        why = explain_next(state, sku, location, top=5)
    except UnknownSeries as e:
        raise PageError(404, f"{e} Search again from the planner page.") from None
    except BadRequest as e:
        raise PageError(422, str(e)) from None
    except (NoModel, NoPanel) as e:
        raise PageError(503, str(e)) from None
    history = series_history(
        state.settings.paths.cleaned / "panel.parquet", sku, location, frequency=fc.frequency
    )
    beside = override_beside(fc, overrides.active(sku=sku, location=location))
    overridden = [] if beside is None else [(s.date.isoformat(), s.p50) for s in beside.steps]
    drivers = [(d.group, d.impact, d.text) for d in why.drivers]
    last = fc.steps[min(6, len(fc.steps) - 1)].date
    return render(
        request,
        state,
        "series.html",
        principal=me,
        title=f"{sku} at {location}",
        status_code=status_code,
        fc=fc,
        why=why,
        headline=headline(why) if drivers else why.summary,
        drivers=drivers,
        history=history,
        promotions=sum(p.on_promo for p in history),
        stockouts=sum(p.stockout for p in history),
        forecast_figure=forecast_chart(history, fc, overridden),
        driver_figure=driver_chart(drivers) if drivers else None,
        beside=beside,
        can_override=can(me, Role.PLANNER),
        form=form or _form_defaults(fc.steps[0].date, last),
        kinds=KINDS,
        problems=problems or [],
        notice=notice,
    )


@router.get("/planner/series", response_class=HTMLResponse)
def series_page(
    request: Request,
    state: StateDep,
    me: ForecastReader,
    overrides: OverridesDep,
    sku: Annotated[str, Query(max_length=256)] = "",
    location: Annotated[str, Query(max_length=256)] = "",
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """One sku-location: chart, drivers, overrides, and the override form for planners."""
    if not sku.strip() or not location.strip():
        raise PageError(422, "Give both a SKU and a location, e.g. SKU00001 at S001.")
    notice = "Override recorded; it applies from now on." if done == "override" else None
    return _series_page(request, state, me, overrides, sku.strip(), location.strip(), notice=notice)


def _date(text: str, name: str, problems: list[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        problems.append(f"{name} must be a date like 2026-11-02; got {text!r}")
        return None


def _draft(sku: str, location: str, form: dict[str, str]) -> tuple[OverrideDraft | None, list[str]]:
    problems: list[str] = []
    start = _date(form["start"], "the first period", problems)
    end = _date(form["end"], "the last period", problems)
    expires = _date(form["expires_on"], "the expiry date", problems)
    if form["kind"] not in KINDS:
        problems.append(f"the kind must be one of {', '.join(KINDS)}")
    try:
        value = float(form["value"])
        if not math.isfinite(value):
            raise ValueError
    except ValueError:
        problems.append(f"the value must be a number; got {form['value']!r}")
        value = math.nan
    if len(form["rationale"].strip()) < 3:
        problems.append("say why the model is wrong here (a rationale of 3 characters or more)")
    if problems or start is None or end is None or expires is None:
        return None, problems
    return (
        OverrideDraft(
            sku=sku,
            location=location,
            start=start,
            end=end,
            kind=form["kind"],  # type: ignore[arg-type]  # checked against KINDS above
            value=value,
            rationale=form["rationale"].strip(),
            expires_at=dt.datetime.combine(expires, dt.time(23, 59, 59), tzinfo=dt.UTC),
        ),
        [],
    )


Field = Annotated[str, Form(max_length=64)]


@router.post("/planner/overrides", response_model=None)
def record_override(
    request: Request,
    state: StateDep,
    me: Planner,
    overrides: OverridesDep,
    _: CsrfChecked,
    sku: Annotated[str, Form(max_length=256)] = "",
    location: Annotated[str, Form(max_length=256)] = "",
    start: Field = "",
    end: Field = "",
    kind: Field = "",
    value: Field = "",
    rationale: Annotated[str, Form(max_length=2000)] = "",
    expires_on: Field = "",
) -> Response:
    """Record an override of the series' forecast; the form comes back with what to fix."""
    form: dict[str, Any] = {
        "start": start,
        "end": end,
        "kind": kind,
        "value": value,
        "rationale": rationale,
        "expires_on": expires_on,
    }
    draft, problems = _draft(sku, location, form)
    code = 422
    if draft is not None:
        try:
            create_override(state=state, overrides=overrides, draft=draft, actor=me.username)
        except (OverrideError, ForecastError) as e:
            problems = [str(e)]
            code = 409 if isinstance(e, OverrideConflict) else 422
        else:
            query = urlencode({"sku": sku, "location": location, "done": "override"})
            return RedirectResponse(f"/planner/series?{query}", status_code=303)
    return _series_page(
        request, state, me, overrides, sku, location, form=form, problems=problems, status_code=code
    )
