"""A storm of buyers deciding one plan's POs over HTTP, and what must hold after it.

`seed_queue` saves one plan of `n` single-line POs straight through the repository (a mix of
auto-approved, one-approver and two-approver values) and one API token per buyer. `storm` runs
`clients` threads against a live server: each takes its share of (PO, intent) tasks (every PO
is the target of several clients, on purpose), reads the PO, then approves, rejects, edits or
releases it with the version it read and a fresh Idempotency-Key; some requests are repeated
with the same key afterwards (a client retrying after a lost answer) and some are sent twice
at the same time (a double click). `Outcome` keeps every answer for the checks.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from orders.repository import PurchaseOrderQueue
from serving.audit import AuditLog
from serving.roles import Role
from serving.users import UserDirectory
from tests.orders.factories import line, plan

__all__ = ["Answer", "Outcome", "seed_queue", "storm"]

INTENTS = ("approve", "approve", "reject", "edit", "release")
RETRY_AFTER, DOUBLE_CLICK = 0.25, 0.10  # shares of tasks repeated later / sent twice at once
TRANSPORT_TRIES = 3


@dataclass(frozen=True)
class Answer:
    """One decision request and its answer."""

    client: int
    order_id: int
    intent: str
    key: str
    status: int
    body: dict[str, Any]

    @property
    def applied(self) -> bool:
        """The request acted (a 200 that is not the replay of an earlier answer)."""
        return self.status == 200 and not self.body["replayed"]


@dataclass
class Outcome:
    answers: list[Answer] = field(default_factory=list)
    reads: Counter[int] = field(default_factory=Counter)  # GET status codes
    transport_retries: int = 0  # requests resent after a dropped connection
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return len(self.answers) + self.reads.total()


def seed_queue(database: str, *, orders: int, buyers: int) -> tuple[list[int], list[str]]:
    """Save one plan of `orders` POs (one line each) and `buyers` buyer tokens; returns the PO
    ids and the tokens."""
    rng = random.Random(7)
    lines = []
    for n in range(orders):
        # 20% auto-approved (< 1000), 60% one approver, 20% two approvers (> 25000).
        unit = rng.choice([Decimal("9.5")] * 2 + [Decimal("250")] * 6 + [Decimal("3000")] * 2)
        lines.append(line(source=f"S{n:04d}", sku=f"K{n:04d}", quantity=10, unit_cost=unit))
    record = PurchaseOrderQueue(database).save_plan(
        plan(*lines, auto_approve_below=Decimal("1000"))
    )
    audit = AuditLog(database)
    users = UserDirectory(database, audit=audit)
    tokens = []
    for n in range(buyers):
        users.add_user(f"buyer-{n}", roles=[Role.BUYER], actor="test", reason="storm")
        tokens.append(users.issue_token(f"buyer-{n}", label="storm"))
    return list(record.order_ids), tokens


def _tasks(order_ids: list[int], clients: int, per_order: int) -> list[list[tuple[int, str]]]:
    """Each PO handed to `per_order` distinct clients, each with its own intent."""
    rng = random.Random(11)
    share: list[list[tuple[int, str]]] = [[] for _ in range(clients)]
    for order_id in order_ids:
        for client in rng.sample(range(clients), per_order):
            share[client].append((order_id, rng.choice(INTENTS)))
    for tasks in share:
        rng.shuffle(tasks)
    return share


def _request(intent: str, detail: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The path and body deciding `intent` on the PO as read."""
    order_id, version = detail["id"], detail["version"]
    base = f"/api/queue/orders/{order_id}"
    if intent == "edit":
        first = detail["lines"][0]
        body = {"expected_version": version, "quantity": first["quantity"] + 1, "reason": "storm"}
        return f"{base}/lines/{first['id']}/edit", body
    body = {"expected_version": version}
    if intent == "reject":
        body["reason"] = "storm"
    return f"{base}/{intent}", body


def _read(reply: httpx.Response) -> tuple[int, dict[str, Any]]:
    try:
        return reply.status_code, reply.json()
    except ValueError:  # not JSON: keep the text for the failure message
        return reply.status_code, {"text": reply.text[:500]}


def _send(out: Outcome, http: httpx.Client, method: str, path: str, **sent: Any) -> httpx.Response:
    """One request, resent as it was (same Idempotency-Key) when the connection drops: a kept-
    alive connection the server closes as the request leaves is a reset, as in production."""
    for attempt in range(TRANSPORT_TRIES):
        try:
            return http.request(method, path, **sent)
        except httpx.TransportError:
            with out.lock:
                out.transport_retries += 1
            if attempt == TRANSPORT_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def _client(
    base_url: str, token: str, client: int, tasks: list[tuple[int, str]], out: Outcome
) -> None:
    rng = random.Random(1000 + client)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as http:
        for n, (order_id, intent) in enumerate(tasks):
            read = _send(out, http, "GET", f"/api/queue/orders/{order_id}")
            with out.lock:
                out.reads[read.status_code] += 1
            if read.status_code != 200:
                continue
            path, body = _request(intent, read.json())
            key = f"c{client}-{n}"
            sent = {"headers": {"Idempotency-Key": key}, "json": body}
            roll = rng.random()
            if roll < DOUBLE_CLICK:
                with ThreadPoolExecutor(2) as pair:
                    twice = [pair.submit(_send, out, http, "POST", path, **sent) for _ in "ab"]
                    replies = [future.result() for future in twice]
            else:
                replies = [_send(out, http, "POST", path, **sent)]
                if roll < DOUBLE_CLICK + RETRY_AFTER:
                    replies.append(_send(out, http, "POST", path, **sent))
            answers = [Answer(client, order_id, intent, key, *_read(r)) for r in replies]
            with out.lock:
                out.answers.extend(answers)


def storm(
    base_url: str, tokens: list[str], order_ids: list[int], *, clients: int, per_order: int
) -> Outcome:
    """Run `clients` concurrent buyers (tokens round-robin) over the POs; every answer kept."""
    out = Outcome()
    shares = _tasks(order_ids, clients, per_order)
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        done = [
            pool.submit(_client, base_url, tokens[c % len(tokens)], c, shares[c], out)
            for c in range(clients)
        ]
        for future in done:
            future.result()
    out.seconds = time.perf_counter() - start
    return out
