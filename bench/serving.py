"""Benchmark: forecast serving latency and throughput, restock beside `mlflow models serve`.

`python -m bench serving [--home DIR] [--quick] [--samples N] [--clients C] [--seconds T]`

On a home with the demo trained (built with `restock demo` unless `--home` already has one):
1. in process: `ForecastService` forecast + explanation (the 7-step drivers the API adds) and
   predict only, cold (a series not cached: features, LightGBM and TreeSHAP) and warm (cached);
2. over HTTP on loopback: `restock serve` as shipped (cache on), and the same app and uvicorn
   call with the forecast cache off (size 1, series asked round-robin, so every answer is
   computed); sequential latency with one client, throughput with C concurrent clients;
3. the peer: `mlflow models serve` of the same champion (predict only: POST /invocations with
   the series' recent cleaned-panel rows, what `DemandPyfunc` takes), same clients and duration.
The three servers run side by side and the HTTP rows take turns (`--rounds`), so background
load on the machine falls on every contender alike.
The fair predict-only comparison is restock with its cache off against MLflow. Results print as
a table and go to bench/out/serving.csv (and serving.md with the notes).
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import numpy as np
import pandas as pd

__all__ = ["ROWS", "TARGET_P99_MS", "TARGET_RATIO", "Row", "main"]

OUT = Path(__file__).resolve().parent / "out"
HOST = "127.0.0.1"
TARGET_P99_MS = 50.0
TARGET_RATIO = 2.0  # restock / MLflow predict-only throughput
IN_PROCESS, CACHE_OFF, SHIPPED, MLFLOW = (
    "restock in-process",
    "restock HTTP, cache off",
    "restock serve (cache on)",
    "mlflow models serve",
)
EXPLAINED, PREDICT = "forecast + explain", "predict only"
# (contender, mode): every row the table has, in order.
ROWS: tuple[tuple[str, str], ...] = (
    (IN_PROCESS, f"{EXPLAINED}, cold"),
    (IN_PROCESS, f"{EXPLAINED}, warm"),
    (IN_PROCESS, f"{PREDICT}, cold"),
    (IN_PROCESS, f"{PREDICT}, warm"),
    (CACHE_OFF, f"{EXPLAINED}, 1 client"),
    (CACHE_OFF, f"{PREDICT}, 1 client"),
    (CACHE_OFF, f"{PREDICT}, concurrent"),
    (SHIPPED, f"{EXPLAINED}, 1 client, warm"),
    (SHIPPED, f"{PREDICT}, concurrent, warm"),
    (MLFLOW, f"{PREDICT}, 1 client"),
    (MLFLOW, f"{PREDICT}, concurrent"),
)
Key = tuple[str, str]
Request = Callable[[httpx.Client, Key], httpx.Response]


@dataclass(frozen=True)
class Row:
    contender: str
    mode: str
    clients: int
    n: int
    p50_ms: float
    p99_ms: float
    req_s: float  # one client: 1 / mean latency


def _row(contender: str, mode: str, ms: np.ndarray, clients: int, seconds: float) -> Row:
    p50, p99 = np.percentile(ms, [50, 99])
    return Row(contender, mode, clients, len(ms), float(p50), float(p99), len(ms) / seconds)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench serving", description=__doc__.split("\n")[0])
    p.add_argument("--home", type=Path, help="a trained restock home (built there when absent)")
    p.add_argument("--size", default="small", help="demo size when the home is built")
    p.add_argument("--quick", action="store_true", help="tiny demo, 20 samples, 1.5 s, 2 rounds")
    p.add_argument("--samples", type=int, default=300, help="requests per latency row")
    p.add_argument("--clients", type=int, default=4, help="concurrent clients")
    p.add_argument("--seconds", type=float, default=10.0, help="duration of each load")
    p.add_argument("--rounds", type=int, default=5, help="turns the HTTP rows take")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=OUT, help="where serving.csv goes")
    p.add_argument("--child", choices=["cache-off-server"], help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with the hidden --child, the cache-off server)."""
    args = _parser().parse_args(argv)
    if args.child:
        _cache_off_server(args.home, args.port)
        return 0
    if args.quick:
        args.size, args.samples, args.seconds, args.rounds = "tiny", 20, 1.5, 2
    args.home = (args.home or args.out / f"serving-home-{args.size}").resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    env = _env(args.quick)
    _ensure_home(args.home, args.size, env, args.out)
    rows, notes = _run(args, env)
    _print(rows, notes)
    table = pd.DataFrame([asdict(r) for r in rows])
    table.to_csv(args.out / "serving.csv", index=False, float_format="%.4g")
    (args.out / "serving.md").write_text(_markdown(rows, notes, argv or []))
    print(f"written {args.out / 'serving.csv'}", file=sys.stderr)
    return 0


# ---- the home ----------------------------------------------------------------------------------


def _env(quick: bool) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)  # mlflow's server execs `uvicorn` from PATH
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "OMP_WAIT_POLICY": "PASSIVE",
        "RESTOCK_SHOW_PROGRESS": "false",
        "MLFLOW_LOGGING_LEVEL": "ERROR",
    }
    if quick:
        env |= {
            "RESTOCK_TRAINING__FOLDS": "1",
            "RESTOCK_TRAINING__NUM_BOOST_ROUND": "60",
            "RESTOCK_PLANNING__N_SAMPLES": "300",
        }
    return env


def _ensure_home(home: Path, size: str, env: dict[str, str], out: Path) -> None:
    """Reuse a home with a cleaned panel and a registry; otherwise `restock demo` builds it."""
    if (home / "data/cleaned/panel.parquet").is_file() and (home / "mlruns/mlflow.db").is_file():
        return
    log = out / "serving-demo.log"
    print(f"[bench serving] restock demo --size {size} in {home} (log: {log}) ...", file=sys.stderr)
    cmd = [_tool("restock"), "demo", "--size", size, "--home", str(home)]
    with log.open("w") as sink:
        done = subprocess.run(cmd, env=env, stdout=sink, stderr=subprocess.STDOUT)
    if done.returncode:
        raise SystemExit(f"`{' '.join(cmd)}` failed; see {log}:\n{_tail(log)}")


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _tail(path: Path, lines: int = 25) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# ---- in process --------------------------------------------------------------------------------


def _round_robin(keys: Sequence[Key], n: int, seed: int) -> list[Key]:
    """n requests cycling through the keys in a seeded order: consecutive keys always differ."""
    order = np.random.default_rng(seed).permutation(len(keys))
    return [keys[order[i % len(keys)]] for i in range(n)]


def _timed(call: Callable[[Key], object], keys: Sequence[Key]) -> tuple[np.ndarray, float]:
    """Latency of each call in ms, and the seconds all of them took."""
    ms = np.empty(len(keys))
    start = time.perf_counter()
    for i, key in enumerate(keys):
        t = time.perf_counter()
        call(key)
        ms[i] = (time.perf_counter() - t) * 1e3
    return ms, time.perf_counter() - start


def _in_process(home: Path, samples: int, seed: int) -> tuple[list[Row], list[Key], int]:
    """In-process rows, the model-forecast series (routed ones have no drivers) and the history
    rows a forecast reads (what the MLflow payload carries)."""
    from restock.settings import Settings
    from serving.forecasting import ForecastService
    from serving.model_store import ModelStore
    from serving.routers.forecasts import EXPLAIN_STEPS

    settings = Settings(home=home, show_progress=False, serving={"poll_seconds": 0})
    store = ModelStore(settings)
    store.refresh()
    warm = ForecastService(store, settings)
    cold = ForecastService(store, settings, cache_size=1)  # round-robin keys: every call a miss
    for service in (warm, cold):
        service.warm()
    keys = [(f.sku, f.location) for f in warm.forecast_many(warm.series()) if not f.routed]
    if len(keys) < 2:
        raise SystemExit(f"the home {home} has {len(keys)} model-forecast series; need 2 or more")
    model = store.current("demand-forecaster").python_model.forecaster.model  # type: ignore[union-attr]
    keep = model.feature_spec.max_lookback + model.horizon + 1

    def explained(service: ForecastService) -> Callable[[Key], object]:
        def call(key: Key) -> object:  # what GET /api/forecasts/{sku}/{location} computes
            service.forecast(*key)
            return service.explain(*key, horizon=EXPLAIN_STEPS, top=3)

        return call

    def predict(service: ForecastService) -> Callable[[Key], object]:
        return lambda key: service.forecast(*key)

    sequence = _round_robin(keys, samples, seed)
    _timed(explained(warm), keys)  # the warm service has every series cached, with drivers
    _timed(explained(cold), sequence[:3])  # first calls pay lazy imports
    rows = []
    for mode, make in ((EXPLAINED, explained), (PREDICT, predict)):
        for label, service in (("cold", cold), ("warm", warm)):
            ms, seconds = _timed(make(service), sequence)
            rows.append(_row(IN_PROCESS, f"{mode}, {label}", ms, 1, seconds))
    return rows, keys, keep


# ---- servers and clients -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(
    name: str, cmd: list[str], env: dict[str, str], port: int, log: Path, timeout: float = 180.0
) -> Iterator[str]:
    """Start a server in its own process group, wait until /health answers 200, yield its URL;
    always stop the whole group (mlflow's CLI runs uvicorn as a child)."""
    url = f"http://{HOST}:{port}"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            cmd, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with {proc.returncode}; see {log}:\n{_tail(log)}")
            try:
                if httpx.get(f"{url}/health", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"{name} not ready after {timeout:.0f} s; see {log}:\n{_tail(log)}"
                )
            time.sleep(0.25)
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise SystemExit(
            f"{response.request.url} answered {response.status_code}: {response.text[:300]}"
        )
    return response


def _sequential(url: str, request: Request, keys: Sequence[Key]) -> tuple[np.ndarray, float]:
    with httpx.Client(base_url=url, timeout=30.0) as client:
        return _timed(lambda key: _ok(request(client, key)), keys)


def _load(
    url: str, request: Request, keys: Sequence[Key], clients: int, seconds: float
) -> tuple[np.ndarray, float]:
    """`clients` threads, each with its own keep-alive connection, sending requests back to back
    for `seconds`; latencies in ms and the elapsed seconds until the last one finished."""
    counter = itertools.count()  # shared, so concurrent requests ask different series
    deadline = time.perf_counter() + seconds

    def client_loop() -> list[float]:
        mine = []
        with httpx.Client(base_url=url, timeout=60.0) as client:
            while time.perf_counter() < deadline:
                key = keys[next(counter) % len(keys)]
                t = time.perf_counter()
                _ok(request(client, key))
                mine.append((time.perf_counter() - t) * 1e3)
        return mine

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        done = [pool.submit(client_loop) for _ in range(clients)]
        ms = np.array([x for future in done for x in future.result()])  # re-raises failures
    return ms, time.perf_counter() - start


def _restock_request(token: str, explain: bool) -> Request:
    headers = {"Authorization": f"Bearer {token}"}
    params = {"explain": "true" if explain else "false"}

    def request(client: httpx.Client, key: Key) -> httpx.Response:
        path = f"/api/forecasts/{quote(key[0], safe='')}/{quote(key[1], safe='')}"
        return client.get(path, params=params, headers=headers)

    return request


def _mlflow_request(payloads: dict[Key, bytes]) -> Request:
    headers = {"Content-Type": "application/json"}
    return lambda client, key: client.post("/invocations", content=payloads[key], headers=headers)


def _payloads(home: Path, keys: Sequence[Key], keep: int) -> dict[Key, bytes]:
    """Per series, its last `keep` cleaned-panel rows as MLflow's `dataframe_split` JSON."""
    from training.pyfuncs import plain_columns

    panel = pd.read_parquet(home / "data/cleaned/panel.parquet")
    panel = plain_columns(panel).sort_values(["sku", "location", "date"], kind="stable")
    wanted = set(keys)
    out = {}
    for (sku, location), rows in panel.groupby(["sku", "location"], sort=False):
        key = (str(sku), str(location))
        if key in wanted:
            split = rows.tail(keep).to_json(orient="split", index=False, date_format="iso")
            out[key] = b'{"dataframe_split": ' + split.encode() + b"}"
    return out


@contextmanager
def _token(home: Path) -> Iterator[str]:
    """A planner's API token (planners read forecasts) on the home's database, revoked after."""
    from restock.settings import Settings
    from serving.audit import AuditLog
    from serving.roles import Role
    from serving.users import UserDirectory, UserExists

    database = Settings(home=home, show_progress=False).database
    audit = AuditLog(database)
    audit.create_tables()
    users = UserDirectory(database, audit=audit)
    why = {"actor": "bench", "reason": "python -m bench serving"}
    try:
        users.add_user("bench-planner", roles=[Role.PLANNER], **why)
    except UserExists:
        pass
    token = users.issue_token("bench-planner", label="bench serving", **why)
    try:
        yield token
    finally:
        users.revoke_token(token, **why)


def _cache_off_server(home: Path, port: int) -> None:
    """`restock serve`'s app and uvicorn call, with a forecast cache of one entry."""
    import uvicorn
    from fastapi import FastAPI

    from restock.settings import load_settings
    from serving.app import create_app
    from serving.forecasting import ForecastService

    settings = load_settings(home=home)
    # Every answer is computed here: a prefetcher warming the shipped service would only take
    # CPU from the measured one.
    serving = settings.serving.model_copy(update={"prefetch_series": 0})
    settings = settings.model_copy(update={"serving": serving})
    app = create_app(settings)
    shipped = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        async with shipped(api):
            state = api.state.restock
            state.forecasts = ForecastService(state.models, settings, cache_size=1)
            state.forecasts.warm()
            yield

    app.router.lifespan_context = lifespan
    uvicorn.run(app, host=HOST, port=port, log_level="warning")


# ---- the run -----------------------------------------------------------------------------------


Plan = list[tuple[str, Request, int]]  # a server's rows: mode, request, clients
_LOGS = {CACHE_OFF: "cache-off", SHIPPED: "restock-serve", MLFLOW: "mlflow"}  # server log names


def _servers(
    args: argparse.Namespace, env: dict[str, str], token: str, peer: Request
) -> dict[str, tuple[list[str], dict[str, str], Plan]]:
    """Per contender: its command (the port is appended), environment and rows."""
    explained, predict = _restock_request(token, True), _restock_request(token, False)
    home, c = ["--home", str(args.home)], args.clients
    registry = {"MLFLOW_TRACKING_URI": f"sqlite:///{args.home}/mlruns/mlflow.db"}
    mlflow = [_tool("mlflow"), "models", "serve", "-m", "models:/demand-forecaster@champion"]
    return {
        CACHE_OFF: (
            [sys.executable, "-m", "bench", "serving", "--child", "cache-off-server", *home],
            env,
            [(ROWS[4][1], explained, 1), (ROWS[5][1], predict, 1), (ROWS[6][1], predict, c)],
        ),
        SHIPPED: (
            [_tool("restock"), "serve", "--host", HOST, *home],
            env,
            [(ROWS[7][1], explained, 1), (ROWS[8][1], predict, c)],
        ),
        MLFLOW: (
            [*mlflow, "--env-manager", "local", "-h", HOST],
            env | registry,
            [(ROWS[9][1], peer, 1), (ROWS[10][1], peer, c)],
        ),
    }


def _run(args: argparse.Namespace, env: dict[str, str]) -> tuple[list[Row], list[str]]:
    print("[bench serving] in process ...", file=sys.stderr)
    rows, keys, keep = _in_process(args.home, args.samples, args.seed)
    sequence = _round_robin(keys, args.samples, args.seed + 1)
    payloads = _payloads(args.home, keys, keep)
    peer, size_kb = _mlflow_request(payloads), sum(map(len, payloads.values())) / len(keys) / 1e3
    answers: dict[str, Any] = {}
    with _token(args.home) as token, ExitStack() as servers:
        runs: list[tuple[str, str, str, Request, int]] = []  # contender, url, mode, request, C
        for name, (cmd, server_env, plan) in _servers(args, env, token, peer).items():
            print(f"[bench serving] starting {name} ...", file=sys.stderr)
            port, log = _free_port(), args.out / f"serving-{_LOGS[name]}.log"
            url = servers.enter_context(
                _server(name, [*cmd, "--port", str(port)], server_env, port, log)
            )
            # First calls pay lazy imports; restock serve's cache takes every series here.
            _sequential(url, plan[0][1], keys)
            answers[name] = _sequential_json(url, plan[-1][1], keys[0])
            runs += [(name, url, mode, request, clients) for mode, request, clients in plan]
        print(f"[bench serving] {len(runs)} rows over HTTP, in turn ...", file=sys.stderr)
        rows += _interleaved(runs, sequence, args.rounds, args.seconds)
    return rows, _notes(args, rows, keys, (keep, size_kb), _agreement(answers))


def _interleaved(
    runs: Sequence[tuple[str, str, str, Request, int]],
    sequence: Sequence[Key],
    rounds: int,
    seconds: float,
) -> list[Row]:
    """Each row measured in `rounds` turns, rows taking turns, so every contender meets the same
    background load; one-client rows split the sequence, concurrent rows the duration."""
    parts: list[list[np.ndarray]] = [[] for _ in runs]
    spent = [0.0] * len(runs)
    for chunk in np.array_split(np.arange(len(sequence)), rounds):
        for i, (_, url, _, request, clients) in enumerate(runs):
            if clients == 1:
                ms, took = _sequential(url, request, [sequence[j] for j in chunk])
            else:
                ms, took = _load(url, request, sequence, clients, seconds / rounds)
            parts[i].append(ms)
            spent[i] += took
    return [
        _row(name, mode, np.concatenate(parts[i]), clients, spent[i])
        for i, (name, _, mode, _, clients) in enumerate(runs)
    ]


def _sequential_json(url: str, request: Request, key: Key) -> Any:
    with httpx.Client(base_url=url, timeout=30.0) as client:
        return _ok(request(client, key)).json()


def _agreement(answers: dict[str, Any]) -> str:
    """Do restock and MLflow give the same p50 for the same series? (the same model, read the
    same way: a check that the comparison is like for like)."""
    ours = [s["p50"] for s in sorted(answers[SHIPPED]["steps"], key=lambda s: s["step"])]
    theirs = pd.DataFrame(answers[MLFLOW]["predictions"]).sort_values("step")
    routed = sorted(set(theirs["routed_to"]))
    if len(ours) != len(theirs):
        return f"restock answered {len(ours)} steps and MLflow {len(theirs)}: NOT comparable"
    gap = float(np.max(np.abs(np.array(ours) - theirs["p50"].to_numpy(dtype=float))))
    same = "same" if gap < 1e-6 * max(1.0, max(map(abs, ours))) else "DIFFERENT"
    return (
        f"{same} p50 on the first series ({len(ours)} steps; largest difference {gap:.2e}; "
        f"MLflow routed it to {', '.join(routed)})"
    )


# ---- report ------------------------------------------------------------------------------------


def _find(rows: Sequence[Row], contender: str, mode: str) -> Row:
    return next(r for r in rows if r.contender == contender and r.mode == mode)


def _notes(
    args: argparse.Namespace,
    rows: Sequence[Row],
    keys: Sequence[Key],
    payload: tuple[int, float],  # history rows a forecast reads, mean MLflow request KB
    agree: str,
) -> list[str]:
    keep, size_kb = payload
    fair, cached, peer = (_find(rows, *ROWS[i]) for i in (6, 8, 10))
    ours_one, peer_one = _find(rows, *ROWS[5]), _find(rows, *ROWS[9])
    ratio = fair.req_s / peer.req_s
    lines = [
        f"Predict-only throughput, {args.clients} clients, restock cache off (the fair "
        f"comparison): {fair.req_s:.1f} vs MLflow {peer.req_s:.1f} req/s = {ratio:.2f}x (target "
        f">= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'MISSED'}); restock with "
        f"its cache on: {cached.req_s / peer.req_s:.2f}x.",
        f"Predict-only p50, one client: restock (cache off) {ours_one.p50_ms:.1f} ms, MLflow "
        f"{peer_one.p50_ms:.1f} ms (MLflow / restock = {peer_one.p50_ms / ours_one.p50_ms:.2f}).",
    ]
    for contender, mode in (ROWS[4], ROWS[0], ROWS[1], ROWS[7]):
        p99 = _find(rows, contender, mode).p99_ms
        lines.append(
            f"p99 with explanation, {contender}, {mode}: {p99:.1f} ms = {p99 / TARGET_P99_MS:.2f}x "
            f"the {TARGET_P99_MS:.0f} ms target ({'met' if p99 < TARGET_P99_MS else 'MISSED'})."
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return [
        *lines,
        f"Check: restock and MLflow give the {agree}.",
        f"{len(keys)} model-forecast series of {args.home} (routed ones have no drivers: left "
        f"out), asked round-robin; {args.samples} requests per one-client row, {args.seconds:g} "
        f"s per concurrent row; the HTTP rows take turns in {args.rounds} rounds; "
        f"{os.cpu_count()} cores shared by servers and clients; load average {load} at the end.",
        f"restock computes the champion's quantiles for every horizon step from the series' last "
        f"{keep} cleaned-panel rows (features of the buckets needed, LightGBM); `forecast + "
        "explain` adds TreeSHAP drivers of the first 7 steps (what GET /api/forecasts/{sku}/"
        "{location} returns by default). cold: the series is not in the forecast cache; warm: "
        "answered from it (key: model version, series, panel version).",
        "Over HTTP restock also checks the API token (one SQLite lookup per request). `cache off` "
        "is `restock serve`'s app and uvicorn call with ForecastService(cache_size=1), so every "
        "answer is computed; `restock serve (cache on)` has every series cached before timing "
        "(auth and JSON only).",
        f"MLflow computes: POST /invocations with the same {keep} rows as `dataframe_split` JSON "
        f"({size_kb:.0f} KB a request), "
        "schema enforcement, DemandPyfunc.predict (features, LightGBM for every step, "
        "segmentation when the champion routes classes); no auth, cache or explanation. Both "
        "serve from one uvicorn process on loopback; clients are httpx threads with keep-alive; "
        "one-client req/s = 1 / mean latency.",
    ]


_HEADER = ("contender", "mode", "clients", "n", "p50 ms", "p99 ms", "req/s")


def _cells(row: Row) -> list[str]:
    ms = [f"{x:.2f}" if x < 10 else f"{x:.1f}" for x in (row.p50_ms, row.p99_ms)]
    return [row.contender, row.mode, str(row.clients), f"{row.n:,}", *ms, f"{row.req_s:,.1f}"]


def _print(rows: Sequence[Row], notes: Sequence[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="forecast serving: latency and throughput")
    for i, name in enumerate(_HEADER):
        table.add_column(name, justify="left" if i < 2 else "right")
    for row in rows:
        table.add_row(*_cells(row))
    console = Console(width=120)
    console.print(table)
    for note in notes:
        console.print(f"- {note}", highlight=False)


def _markdown(rows: Sequence[Row], notes: Sequence[str], argv: list[str]) -> str:
    table = ["| " + " | ".join(c) + " |" for c in (_HEADER, *map(_cells, rows))]
    table.insert(1, "|---|---|" + "---:|" * (len(_HEADER) - 2))
    command = f"`python -m bench serving {' '.join(argv)}`".replace(" `", "`")
    head = ["# Serving benchmark", "", f"{command}, run {time.strftime('%Y-%m-%d %H:%M')}", ""]
    return "\n".join([*head, *table, "", *(f"- {n}" for n in notes)]) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
