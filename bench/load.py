"""Benchmark: `restock serve` under sustained mixed load (issue 9): forecast, explanation and
queue endpoints together, on loopback, for a bounded time.

`python -m bench load [--home DIR] [--seconds T] [--clients C] [--quick] [--out DIR]`

On a trained home (built with `restock demo --size tiny --no-drift` when absent), starts
`restock serve` as shipped, issues a buyer-and-planner API token, then C asyncio clients send
requests back to back for T seconds, each picking the next endpoint in turn:
- forecast: `GET /api/forecasts/{sku}/{location}?explain=false` (series round-robin);
- explanation: the same with `explain=true` (SHAP drivers);
- queue list: `GET /api/queue?limit=100`;
- queue detail: `GET /api/queue/orders/{id}` (lines, explanations, audited history).
Any answer but 200, and any dropped connection or timeout, is an error (target: none). Prints
throughput, p50/p99 latency and error rate per endpoint and overall, and writes them to
bench/out/load.csv. Exits 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np
import pandas as pd

from bench.serving import _env, _free_port, _server, _tail, _tool

__all__ = ["ENDPOINTS", "Tally", "main"]

OUT = Path(__file__).resolve().parent / "out"
FORECAST, EXPLANATION, QUEUE_LIST, QUEUE_DETAIL = (
    "forecast",
    "explanation",
    "queue list",
    "queue detail",
)
ENDPOINTS = (FORECAST, EXPLANATION, QUEUE_LIST, QUEUE_DETAIL)
TIMEOUT_SECONDS = 60.0
Key = tuple[str, str]


@dataclass
class Tally:
    """One endpoint's answers: latencies of the 200s (ms) and the failures by cause."""

    ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def fail(self, cause: str) -> None:
        self.errors[cause] = self.errors.get(cause, 0) + 1


@dataclass(frozen=True)
class Row:
    endpoint: str
    requests: int
    errors: int
    error_rate: float
    req_s: float
    p50_ms: float
    p99_ms: float
    clients: int
    seconds: float
    causes: str


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.split("\n")[0])
    p.add_argument("--home", type=Path, help="a trained restock home (built there when absent)")
    p.add_argument("--seconds", type=float, default=60.0, help="duration of the load")
    p.add_argument("--clients", type=int, default=16, help="concurrent asyncio clients")
    p.add_argument("--quick", action="store_true", help="5 s with 8 clients (CI smoke run)")
    p.add_argument("--out", type=Path, default=OUT, help="where load.csv goes")
    return p


def main(argv: list[str] | None = None) -> int:
    """Build the home if needed, serve it, load it; 1 when any request failed."""
    args = _parser().parse_args(argv)
    if args.quick:
        args.seconds, args.clients = min(args.seconds, 5.0), min(args.clients, 8)
    if not 0 < args.seconds <= 3600 or not 1 <= args.clients <= 512:
        print("--seconds must be in (0, 3600] and --clients in 1..512", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    home = (args.home or args.out / "load-home-tiny").resolve()
    env = _env(quick=True)
    _ensure_home(home, env, args.out)
    series = _series(home)
    with _token(home) as token, _serve(home, env, args.out) as url:
        orders = _order_ids(url, token)
        tallies, elapsed = asyncio.run(
            _drive(url, token, series, orders, clients=args.clients, seconds=args.seconds)
        )
    rows = _rows(tallies, clients=args.clients, seconds=elapsed)
    _print(rows)
    pd.DataFrame([asdict(r) for r in rows]).to_csv(
        args.out / "load.csv", index=False, float_format="%.4g"
    )
    print(f"written {args.out / 'load.csv'}", file=sys.stderr)
    return 1 if rows[-1].errors else 0


# ---- the home and the server -------------------------------------------------------------------


def _ensure_home(home: Path, env: dict[str, str], out: Path) -> None:
    """Reuse a home with a cleaned panel, a registry and a plan; else `restock demo` builds one."""
    built = ("data/cleaned/panel.parquet", "mlruns/mlflow.db", "restock.db")
    if all((home / path).is_file() for path in built):
        return
    log = out / "load-demo.log"
    cmd = [_tool("restock"), "demo", "--size", "tiny", "--no-drift", "--home", str(home)]
    print(f"[bench load] {' '.join(cmd[1:])} (log: {log}) ...", file=sys.stderr)
    with log.open("w") as sink:
        done = subprocess.run(cmd, env=env, stdout=sink, stderr=subprocess.STDOUT)
    if done.returncode:
        raise SystemExit(f"`{' '.join(cmd)}` failed; see {log}:\n{_tail(log)}")


def _series(home: Path) -> list[Key]:
    panel = pd.read_parquet(home / "data/cleaned/panel.parquet", columns=["sku", "location"])
    pairs = panel.drop_duplicates().itertuples(index=False)
    return sorted((str(sku), str(location)) for sku, location in pairs)


@contextmanager
def _token(home: Path) -> Iterator[str]:
    """An API token of a user who is buyer and planner (reads forecasts and the queue); the
    token is revoked afterwards."""
    from restock.settings import Settings
    from serving.audit import AuditLog
    from serving.database import upgrade
    from serving.roles import Role
    from serving.users import UserDirectory, UserExists

    database = Settings(home=home, show_progress=False).database
    upgrade(database)
    audit = AuditLog(database)
    users = UserDirectory(database, audit=audit)
    why = {"actor": "bench", "reason": "python -m bench load"}
    try:
        users.add_user("bench-load", roles=[Role.BUYER, Role.PLANNER], **why)
    except UserExists:
        pass
    token = users.issue_token("bench-load", label="bench load", **why)
    try:
        yield token
    finally:
        users.revoke_token(token, **why)


@contextmanager
def _serve(home: Path, env: dict[str, str], out: Path) -> Iterator[str]:
    port = _free_port()
    cmd = [_tool("restock"), "serve", "--home", str(home), "--host", "127.0.0.1"]
    with _server(
        "restock serve", [*cmd, "--port", str(port)], env, port, out / "load-serve.log"
    ) as url:
        yield url


def _order_ids(url: str, token: str) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"}
    answer = httpx.get(f"{url}/api/queue", params={"limit": 1000}, headers=headers, timeout=60)
    if answer.status_code != 200:
        raise SystemExit(f"GET /api/queue answered {answer.status_code}: {answer.text[:300]}")
    found = [int(order["id"]) for order in answer.json()]
    if not found:
        raise SystemExit("the home's queue is empty: run `restock plan` on it first")
    return found


# ---- the load ----------------------------------------------------------------------------------


def _paths(series: list[Key], orders: list[int]) -> dict[str, Callable[[int], str]]:
    """Per endpoint, the path of its n-th request (series and POs round-robin)."""

    def forecast(n: int, explain: bool) -> str:
        sku, location = series[n % len(series)]
        flag = "true" if explain else "false"
        return f"/api/forecasts/{quote(sku, safe='')}/{quote(location, safe='')}?explain={flag}"

    return {
        FORECAST: lambda n: forecast(n, explain=False),
        EXPLANATION: lambda n: forecast(n, explain=True),
        QUEUE_LIST: lambda n: "/api/queue?limit=100",
        QUEUE_DETAIL: lambda n: f"/api/queue/orders/{orders[n % len(orders)]}",
    }


async def _drive(
    url: str, token: str, series: list[Key], orders: list[int], *, clients: int, seconds: float
) -> tuple[dict[str, Tally], float]:
    """`clients` tasks sending back to back until the deadline, endpoints in turn."""
    paths = _paths(series, orders)
    tallies = {name: Tally() for name in ENDPOINTS}
    turn = itertools.count()  # shared: concurrent requests ask different endpoints and series
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    deadline = start + seconds

    async def client(http: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            n = next(turn)
            name = ENDPOINTS[n % len(ENDPOINTS)]
            tally = tallies[name]
            t = time.perf_counter()
            try:
                answer = await http.get(paths[name](n // len(ENDPOINTS)))
            except httpx.HTTPError as e:  # dropped connection or timeout
                tally.fail(type(e).__name__)
                continue
            if answer.status_code == 200:
                tally.ms.append((time.perf_counter() - t) * 1e3)
            else:
                tally.fail(f"HTTP {answer.status_code}")

    async with httpx.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=TIMEOUT_SECONDS
    ) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return tallies, time.perf_counter() - start


def _row(name: str, tally: Tally, *, clients: int, seconds: float) -> Row:
    errors = sum(tally.errors.values())
    total = len(tally.ms) + errors
    ms = np.asarray(tally.ms) if tally.ms else np.asarray([np.nan])
    return Row(
        endpoint=name,
        requests=total,
        errors=errors,
        error_rate=errors / total if total else 0.0,
        req_s=len(tally.ms) / seconds,
        p50_ms=float(np.percentile(ms, 50)),
        p99_ms=float(np.percentile(ms, 99)),
        clients=clients,
        seconds=round(seconds, 2),
        causes="; ".join(f"{k}: {v}" for k, v in sorted(tally.errors.items())),
    )


def _rows(tallies: dict[str, Tally], *, clients: int, seconds: float) -> list[Row]:
    """One row per endpoint, then `all` over every request."""
    everything = Tally()
    for tally in tallies.values():
        everything.ms.extend(tally.ms)
        for cause, count in tally.errors.items():
            everything.errors[cause] = everything.errors.get(cause, 0) + count
    named = [(name, tallies[name]) for name in ENDPOINTS] + [("all", everything)]
    return [_row(name, tally, clients=clients, seconds=seconds) for name, tally in named]


def _print(rows: list[Row]) -> None:
    head = f"{'endpoint':<13} {'requests':>9} {'errors':>7} {'err %':>6} {'req/s':>8} "
    print(head + f"{'p50 ms':>8} {'p99 ms':>8}")
    for r in rows:
        print(
            f"{r.endpoint:<13} {r.requests:>9} {r.errors:>7} {100 * r.error_rate:>6.2f} "
            f"{r.req_s:>8.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f}"
            + (f"  ({r.causes})" if r.causes else "")
        )
    last = rows[-1]
    print(f"{last.clients} clients for {last.seconds:.1f} s on loopback; target: 0 errors")
