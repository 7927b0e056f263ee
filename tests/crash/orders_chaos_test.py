#!/usr/bin/env python3
"""Crash-and-chaos test of the store-orders flow, against real processes over loopback HTTP.

A `ponte sandbox` (Asaas, iFood, Twilio) runs as its own process and sends its webhooks to a
`ponte serve` that calls it (PONTE_SANDBOX_URL). The sandbox duplicates and reorders Asaas
webhooks (30 % each) and fails 10 % of Twilio calls with a 500, throughout. The test then
plays the customers and iFood:

  * 1,000 orders by default: PIX and CREDIT orders through the WhatsApp bot (each polled until
    the hub shows its Asaas charge and how to pay it, then paid in the sandbox; a few are
    never paid), CASH orders, and iFood orders placed in the sandbox;
  * policy A (three stores, each with its own WhatsApp number: Twilio lets a sender send 10
    messages a second, and the hub keeps to that) confirms paid orders at once; policy B (one
    store) requires confirmation and refunds (after 1 minute) the paid orders nobody confirms;
  * the hub is killed with SIGKILL twice while orders are being created and paid (after ~30 %
    and ~60 % of the work) and restarted on the same port and database; the clients retry
    what failed with the same Idempotency-Key, and never pay a charge twice; after each
    restart 25 orders made before it are sent again with their keys (200, the same order).

After the last restart everything must settle (bounded), and then:

  1. one hub order per customer order (Idempotency-Key retries made none twice) and one per
     iFood order; every paid order is CONFIRMED (or later) or REFUNDED, exactly as its store's
     policy says; unpaid ones are still PENDING and never reached the store; every online
     order shows the details to pay its charge (PIX code and QR, or the card payment link);
  2. the sandbox's Asaas account holds exactly one charge per online order (the hub's
     payment_id, the order's total), money moved once per paid charge and at most one refund
     per payment (exactly one, of the whole total, for each refunded order);
  3. each store's stream has sequences 1..N with no gap or duplicate; REMOTE_ORDER_RECEIVED
     appears exactly once per order that reached the store and never for one that did not;
     no status or payment change appears twice, and the last one is the order's status;
  4. no customer got the same WhatsApp message twice (no two messages in the simulated Twilio
     account with the same To and Body), every message the hub recorded is in Twilio, and
     each order got exactly the messages of its events;
  5. no job is dead, no stored webhook failed, no 5xx came from the hub, and the sandbox gave
     up delivering none of its webhooks.

Prints a readable summary and one JSON line; exits 1 on any violation, 2 on a setup error.

  python tests/crash/orders_chaos_test.py [--database SQLITE_PATH|postgres://...] [--orders 1000]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import heapq
import os
import random
import secrets
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests  # noqa: E402

import hub as hubmod  # noqa: E402

# The sandbox's default credentials (Sources/PonteSandbox/Core/SandboxCredentials.swift);
# hub and sandbox both take them because the test sets none.
ASAAS_API_KEY = hubmod.SANDBOX_ASAAS_API_KEY
TWILIO_SID = "AC00000000000000000000000000000000"
TWILIO_TOKEN = "ponte_sandbox_twilio_auth_token"
CPF = "529.982.247-25"
ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
CONFIRMED_OR_LATER = {"CONFIRMED", "PREPARING", "READY", "DELIVERING", "DELIVERED", "COMPLETED"}
FAULTS = {
    "asaas": {"webhook_duplicate_rate": 0.3, "webhook_reorder_rate": 0.3},
    "twilio": {"error_rate": 0.1},
}
# The customer messages each kind of order must get (CustomerNotifier's events).
EXPECTED_EVENTS = {
    ("A", "online", True): {"payment:PAID", "status:CONFIRMED"},
    ("A", "online", False): set(),
    ("A", "CASH", None): {"status:CONFIRMED"},
    ("B", "online", True): {"payment:PAID", "status:CANCELLED", "payment:REFUNDED", "status:REFUNDED"},
    ("B", "CASH", None): {"status:CANCELLED"},
}


# The sandbox process, the hub that calls it, the retrying admin client and the checks' record
# are shared with tests/crash/kiosk_crash_test.py: they live in tests/hub.py.
HarnessError = hubmod.HarnessError
Sandbox = hubmod.Sandbox
ChaosHub = hubmod.SandboxedHub
Checks = hubmod.Checks
clean_env = hubmod.clean_env
sample = hubmod.sample


class Api(hubmod.Api):
    """tests/hub.py's retrying admin client, plus the store streams."""

    def events(self, store_id: str) -> list[dict]:
        events, after = [], 0
        for _ in range(10000):
            page = self.ok("GET", f"/stores/{store_id}/events", params={"after": after, "limit": 500})
            events.extend(page["events"])
            if not page["events"]:
                return events
            after = page["next_after"]
        raise HarnessError("the store's stream did not end")


# ---------------------------------------------------------------------------- the workload

class Task:
    """One order the test places, and what became of it on the client's side."""

    def __init__(self, n: int, kind: str, store: str, pay: bool | None):
        self.n = n
        self.kind = kind          # PIX, CREDIT, CASH, IFOOD
        self.store = store        # the policy: A (confirms at once) or B (needs confirmation, refunds)
        self.shop = store + "1"   # the store itself: A1, A2, ... B1
        self.pay = pay            # online orders: whether the customer pays
        self.key = f"chaos-{n:05d}-{secrets.token_hex(4)}"
        self.phone = f"+55119{n:08d}"
        self.body: dict | None = None
        self.order_id: str | None = None
        self.payment_id: str | None = None
        self.ifood_id: str | None = None
        self.paid = False
        self.polls = 0
        self.no_details_since: float | None = None
        self.replayed = False     # a retry of POST /orders was answered 200 with the order

    @property
    def online(self) -> bool:
        return self.kind in ("PIX", "CREDIT")

    def expected_events(self) -> set[str]:
        if self.online:
            return EXPECTED_EVENTS[(self.store, "online", self.pay)]
        return EXPECTED_EVENTS[(self.store, self.kind, None)]


def plan(total: int, seed: int, a_stores: int) -> list[Task]:
    """The mix: 33 % PIX, 27 % CREDIT, 25 % CASH, 15 % iFood; about one online order in eight
    and one cash order in eight go to policy B's store, the rest round-robin to policy A's
    stores, and 4 % of policy A's online orders are never paid. B's orders are all in the
    first quarter of the run, so that their one-minute
    refund deadlines come while the rest of the load is still going on rather than after it
    (which keeps the run short)."""
    rng = random.Random(seed)
    n_ifood = total * 15 // 100
    n_cash = total * 25 // 100
    n_credit = total * 27 // 100
    n_pix = total - n_ifood - n_cash - n_credit
    kinds = ["PIX"] * n_pix + ["CREDIT"] * n_credit + ["CASH"] * n_cash + ["IFOOD"] * n_ifood
    rng.shuffle(kinds)
    tasks = []
    for n, kind in enumerate(kinds, 1):
        if kind == "IFOOD":
            tasks.append(Task(n, kind, "A", None))
        elif rng.random() < 0.125:
            tasks.append(Task(n, kind, "B", True if kind != "CASH" else None))
        elif kind == "CASH":
            tasks.append(Task(n, kind, "A", None))
        else:
            tasks.append(Task(n, kind, "A", rng.random() >= 0.04))
    for i, t in enumerate(t for t in tasks if t.store == "A"):
        t.shop = f"A{i % a_stores + 1}"
    early = [t for t in tasks if t.store == "B"]
    late = [t for t in tasks if t.store == "A"]
    # B's orders spread over the first quarter of the run.
    head = late[: max(0, int(total * 0.25) - len(early))]
    mixed = early + head
    rng.shuffle(mixed)
    return mixed + late[len(head):]


def payable(task: Task, order: dict) -> bool:
    """Whether the order shows its customer how to pay: the PIX code and QR image, or the card
    payment page."""
    details = order.get("payment_details") or {}
    if task.kind == "PIX":
        return bool(details.get("pix_copy_paste") and details.get("pix_qr_code_base64"))
    return bool(details.get("payment_link"))


class Load:
    """Creators place orders; payers poll online orders until the hub shows their charge and
    pay it once. `done` counts tasks finished on the client side (the kills are timed by it)."""

    def __init__(self, api: Api, sandbox: Sandbox, stores: dict[str, dict], tasks: list[Task],
                 creators: int, payers: int, max_in_flight: int):
        self.max_in_flight = max_in_flight
        self.api = api
        self.sandbox = sandbox
        self.stores = stores
        self.tasks = tasks
        self.creators = creators
        self.payers = payers
        self.lock = threading.Condition()
        self.next_task = 0
        self.waiting: list[tuple[float, int, Task]] = []   # (next poll time, n, task) of online orders
        self.done = 0
        self.errors: list[str] = []
        self.threads: list[threading.Thread] = []
        self.stop = threading.Event()
        self.anomalies: list[str] = []   # answers the hub should not have given

    def start(self) -> None:
        for i in range(self.creators):
            self.threads.append(threading.Thread(target=self._guard, args=(self._create_loop,), daemon=True))
        for i in range(self.payers):
            self.threads.append(threading.Thread(target=self._guard, args=(self._pay_loop,), daemon=True))
        for t in self.threads:
            t.start()

    def _guard(self, loop) -> None:
        try:
            loop()
        except Exception as exc:  # a harness failure stops the load
            with self.lock:
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self.stop.set()
                self.lock.notify_all()

    def _finish(self) -> None:
        with self.lock:
            self.done += 1
            self.lock.notify_all()

    # -- creating
    def _create_loop(self) -> None:
        ifood = requests.Session()
        while not self.stop.is_set():
            with self.lock:
                # Customers come at the pace the hub serves them: at most max_in_flight orders
                # between "placed" and "done" (so that polling does not crowd out the hub's work).
                while self.next_task - self.done >= self.max_in_flight and not self.stop.is_set():
                    self.lock.wait(0.2)
                if self.next_task >= len(self.tasks) or self.stop.is_set():
                    return
                task = self.tasks[self.next_task]
                self.next_task += 1
            if task.kind == "IFOOD":
                self._place_ifood(ifood, task)
                self._finish()
                continue
            self._create(task)
            if task.online:
                with self.lock:
                    heapq.heappush(self.waiting, (time.monotonic() + 0.3, task.n, task))
                    self.lock.notify_all()
            else:
                self._finish()

    def _place_ifood(self, session: requests.Session, task: Task) -> None:
        store = self.stores[task.shop]
        body = {"merchantId": store["ifood_merchant_id"], "customerName": f"Cliente iFood {task.n}",
                "orderType": "DELIVERY", "deliveryFee": 5.9,
                "items": [{"name": "Açaí 500 ml", "externalCode": "acai-500", "quantity": 1 + task.n % 3,
                           "unitPrice": 12.34}]}
        response = session.post(self.sandbox.base + "/_sandbox/ifood/orders", json=body, timeout=15)
        if response.status_code not in (200, 201):
            raise HarnessError(f"placing iFood order {task.n}: {response.status_code} {response.text[:200]!r}")
        task.ifood_id = response.json()["id"]

    def _create(self, task: Task) -> None:
        store = self.stores[task.shop]
        body = {
            "client_id": store["client_id"], "store_id": store["id"], "source": "WHATSAPP_BOT",
            "customer_id": task.key, "customer_name": f"Cliente {task.n}", "phone_number": task.phone,
            "items": [{"item_id": "x-burger", "name": "X-Burger", "quantity": 1 + task.n % 3, "unit_price": 2990},
                      {"item_id": "suco", "name": "Suco de laranja", "quantity": 1, "unit_price": 800 + task.n % 50}],
            "delivery_type": "DELIVERY", "delivery_fee": 500, "payment_method": task.kind,
        }
        if task.online:
            body["customer_cpf"] = CPF
        task.body = body
        response = self.api.call("POST", "/orders", body=body, headers={"Idempotency-Key": task.key})
        if response.status_code not in (200, 201):
            raise HarnessError(f"POST /orders for order {task.n}: {response.status_code} {response.text[:300]!r}")
        task.order_id = response.json()["id"]
        task.replayed = response.status_code == 200
        if task.replayed and response.tries == 1:
            with self.lock:
                self.anomalies.append(f"order {task.n}: its first POST /orders was answered 200, as a replay")

    # -- paying
    def _pay_loop(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                while not self.waiting and not self.stop.is_set():
                    if self.next_task >= len(self.tasks) and self.done >= len(self.tasks):
                        return
                    self.lock.wait(0.2)
                if self.stop.is_set():
                    return
                due, _, task = self.waiting[0]
                now = time.monotonic()
                if due > now:
                    self.lock.wait(min(0.05, due - now))
                    continue
                heapq.heappop(self.waiting)
            order = self.api.ok("GET", f"/orders/{task.order_id}")
            if not order.get("payment_id"):
                if order["status"] != "PENDING" or order["payment_status"] != "PENDING":
                    # Given up before it had a charge (e.g. the charge job dead-lettered): the
                    # checks report the order; the customer cannot pay it.
                    with self.lock:
                        self.anomalies.append(f"order {task.order_id} moved to {order['status']}/"
                                              f"{order['payment_status']} without a charge: "
                                              f"{order.get('payment_details')}")
                    self._finish()
                    continue
                task.polls += 1
                delay = min(0.2 * 1.5 ** task.polls, 2.0)
                with self.lock:
                    heapq.heappush(self.waiting, (time.monotonic() + delay, task.n, task))
                continue
            task.payment_id = order["payment_id"]
            if task.pay and not payable(task, order):
                # A customer pays with what the order shows (the PIX code, the card's payment
                # page); payment_id alone tells them nothing. Wait for the details a while (a
                # charge job cut by the kill runs again once its 30 s lease has expired), then
                # report the order and pay anyway so that its flow goes on.
                now = time.monotonic()
                task.no_details_since = task.no_details_since or now
                if now - task.no_details_since < 45:
                    with self.lock:
                        heapq.heappush(self.waiting, (now + 1.0, task.n, task))
                    continue
                with self.lock:
                    self.anomalies.append(f"order {task.order_id} ({task.kind}) showed payment_id {task.payment_id} "
                                          f"but no way to pay for 45 s: payment_details {order['payment_details']}")
            if task.pay:
                self._pay(task)
            self._finish()

    def _pay(self, task: Task) -> None:
        """The customer pays the charge in the sandbox, once (the sandbox is never killed)."""
        response = self.sandbox.http.post(
            f"{self.sandbox.base}/asaas/v3/sandbox/payment/{task.payment_id}/confirm",
            headers={"access_token": ASAAS_API_KEY}, timeout=15)
        if response.status_code != 200:
            raise HarnessError(f"paying {task.payment_id} (order {task.order_id}): {response.status_code} "
                               f"{response.text[:200]!r}")
        task.paid = True

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))


def replay_sample(api: Api, tasks: list[Task], rng: random.Random, count: int) -> tuple[int, list[str]]:
    """Sends `count` orders created before the last kill again with their Idempotency-Key: each
    must be answered 200 with the order made the first time."""
    created = [t for t in tasks if t.body is not None and t.order_id]
    wrong = []
    chosen = rng.sample(created, min(count, len(created)))
    for t in chosen:
        response = api.call("POST", "/orders", body=t.body, headers={"Idempotency-Key": t.key})
        got = response.json().get("id") if response.status_code in (200, 201) else None
        if response.status_code != 200 or got != t.order_id:
            wrong.append(f"{t.key}: {response.status_code} {got}, want 200 {t.order_id}")
    return len(chosen), wrong


# ---------------------------------------------------------------------------- settling

def wait_settled(api: Api, stores: dict[str, dict], tasks: list[Task],
                 timeout: float) -> tuple[float, dict, dict[str, dict]]:
    """Polls until no order is still on its way, cheapest questions first (lists of the few
    orders that may still move): policy A's PENDING orders are exactly the unpaid ones; policy
    B's store has nothing PENDING, nothing PAID, and CANCELLED only its cash orders (its paid ones get
    refunded); then every iFood order is stored and CONFIRMED; then every customer message has
    left for Twilio (only orders not yet seen complete are read again). Returns the seconds
    taken, what was still waiting, and each customer order as last read (with its messages)."""
    started = time.monotonic()
    unpaid_a = {t.order_id for t in tasks if t.store == "A" and t.online and not t.pay}
    cash_b = {t.order_id for t in tasks if t.store == "B" and t.kind == "CASH"}
    customer = [t for t in tasks if t.kind != "IFOOD"]
    n_ifood = sum(1 for t in tasks if t.kind == "IFOOD")
    messages_sent: set[str] = set()
    details: dict[str, dict] = {}
    a = [store["id"] for store in stores.values() if store["policy"] == "A"]
    b = [store["id"] for store in stores.values() if store["policy"] == "B"]
    last_report = started

    def rows(ids: list[str], **params) -> list[dict]:
        return [r for store_id in ids for r in api.pages("/orders", {"store_id": store_id, **params})]

    def ids(store_ids: list[str], **params) -> set[str]:
        return {r["id"] for r in rows(store_ids, **params)}

    while True:
        waiting = {
            "store_a_pending_beyond_unpaid": len(ids(a, status="PENDING") - unpaid_a),
            "store_b_pending": len(ids(b, status="PENDING")),
            "store_b_cancelled_not_refunded": len(ids(b, status="CANCELLED") - cash_b),
            "store_b_paid_not_refunded": len(ids(b, payment_status="PAID")),
        }
        if not any(waiting.values()):
            ifood = [r for r in rows(a, payment_status="NOT_APPLICABLE") if r["source"] == "IFOOD"]
            waiting["ifood_orders_not_stored"] = n_ifood - len(ifood)
            waiting["ifood_orders_not_confirmed"] = sum(1 for r in ifood if r["status"] != "CONFIRMED")
        if not any(waiting.values()):
            for task in customer:
                if task.order_id in messages_sent:
                    continue
                order = details[task.order_id] = api.ok("GET", f"/orders/{task.order_id}")
                if all(n["status"] not in ("pending", "submitting") for n in order["notifications"]) \
                        and len(order["notifications"]) >= len(task.expected_events()):
                    messages_sent.add(task.order_id)
            waiting["orders_with_messages_not_sent"] = len(customer) - len(messages_sent)
            if not waiting["orders_with_messages_not_sent"]:
                return time.monotonic() - started, waiting, details
        now = time.monotonic()
        if now - started > timeout:
            return now - started, waiting, details
        if now - last_report >= 10:
            last_report = now
            print(f"orders-chaos: settling ({now - started:.0f}s): "
                  f"{ {k: v for k, v in waiting.items() if v} }", file=sys.stderr)
        time.sleep(2)


# ---------------------------------------------------------------------------- the checks

def seconds_between(start: str, end: str) -> float:
    parse = lambda text: datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def check_orders(c: Checks, tasks: list[Task], orders: list[dict], details: dict[str, dict]) -> None:
    by_customer = collections.defaultdict(list)
    by_external = collections.defaultdict(list)
    for o in orders:
        if o["source"] == "IFOOD":
            by_external[o.get("external_id")].append(o)
        else:
            by_customer[o.get("customer_id")].append(o)
    customer_tasks = [t for t in tasks if t.kind != "IFOOD"]
    ifood_tasks = [t for t in tasks if t.kind == "IFOOD"]
    keys = {t.key for t in customer_tasks}
    doubled = {k: [o["id"] for o in v] for k, v in by_customer.items() if len(v) > 1}
    missing = [t.key for t in customer_tasks if t.key not in by_customer]
    strangers = [k for k in by_customer if k not in keys]
    c.expect(not doubled, f"{len(doubled)} customer orders stored more than once: {sample(doubled.items())}")
    c.expect(not missing, f"{len(missing)} customer orders not stored: {sample(missing)}")
    c.expect(not strangers, f"{len(strangers)} stored orders of unknown customers: {sample(strangers)}")
    wrong_id = [t.key for t in customer_tasks if t.key in by_customer and by_customer[t.key][0]["id"] != t.order_id]
    c.expect(not wrong_id, f"{len(wrong_id)} orders stored under another id than the API answered: "
                           f"{sample(wrong_id)}")
    ifood_ids = {t.ifood_id for t in ifood_tasks}
    ifood_doubled = {k: len(v) for k, v in by_external.items() if len(v) > 1}
    ifood_missing = [i for i in ifood_ids if i not in by_external]
    c.expect(not ifood_doubled, f"{len(ifood_doubled)} iFood orders stored more than once: "
                                f"{sample(ifood_doubled.items())}")
    c.expect(not ifood_missing, f"{len(ifood_missing)} iFood orders never stored: {sample(ifood_missing)}")
    c.expect(set(by_external) <= ifood_ids,
             f"iFood orders the test never placed: {sample(set(by_external) - ifood_ids)}")
    for t in ifood_tasks:
        if t.ifood_id in by_external:
            t.order_id = by_external[t.ifood_id][0]["id"]

    by_id = {o["id"]: o for o in orders}
    wrong: list[str] = []
    no_details: list[str] = []
    paid_not_settled: list[str] = []
    outcome = collections.Counter()
    for t in tasks:
        o = by_id.get(t.order_id)
        if o is None:
            continue
        status, payment = o["status"], o["payment_status"]
        outcome[f"{t.store}:{t.kind}:{status}"] += 1
        if t.paid and status not in CONFIRMED_OR_LATER | {"REFUNDED"}:
            paid_not_settled.append(f"{o['id']} ({t.kind}, store {t.store}) is {status}/{payment}")
        if t.kind == "IFOOD":
            want = ("CONFIRMED", "NOT_APPLICABLE", True)
        elif t.kind == "CASH":
            want = ("CONFIRMED" if t.store == "A" else "CANCELLED", "NOT_APPLICABLE", True)
        elif not t.pay:
            want = ("PENDING", "PENDING", False)
        elif t.store == "A":
            want = ("CONFIRMED", "PAID", True)
        else:
            want = ("REFUNDED", "REFUNDED", True)
        got = (status, payment, o.get("reached_store_at") is not None)
        if got != want:
            wrong.append(f"{o['id']} ({t.kind}, store {t.store}, paid={t.paid}): {got}, want {want}")
        if t.online and o.get("payment_id") != t.payment_id:
            wrong.append(f"{o['id']}: payment_id {o.get('payment_id')} but the test paid {t.payment_id}")
        shown = details.get(t.order_id, o)
        if t.online and not (payable(t, shown) and (shown.get("payment_details") or {}).get("expires_at")):
            no_details.append(f"{o['id']} ({t.kind}, {status}/{payment}): {o.get('payment_details')}")
    c.expect(not paid_not_settled, f"{len(paid_not_settled)} paid orders neither CONFIRMED (or later) nor REFUNDED: "
                                   f"{sample(paid_not_settled)}")
    c.expect(not wrong, f"{len(wrong)} orders not where their store's policy puts them: {sample(wrong)}")
    c.expect(not no_details, f"{len(no_details)} online orders with a charge but without the details to pay it "
                             f"(PIX code and QR, or payment link, and expires_at): {sample(no_details)}")
    c.numbers["final_statuses"] = dict(sorted(outcome.items()))
    # How long paid orders took from creation to the store (charge job, payment, webhook).
    lags = sorted(seconds_between(by_id[t.order_id]["created_at"], by_id[t.order_id]["reached_store_at"])
                  for t in tasks if t.paid and t.order_id in by_id and by_id[t.order_id].get("reached_store_at"))
    if lags:
        c.numbers["paid_order_to_store_seconds"] = {"p50": round(lags[len(lags) // 2], 1),
                                                    "p95": round(lags[int(len(lags) * 0.95)], 1),
                                                    "max": round(lags[-1], 1)}


def check_asaas(c: Checks, tasks: list[Task], by_id: dict[str, dict], payments: list[dict], ledger: dict) -> None:
    online = [t for t in tasks if t.online]
    ours = {t.order_id for t in online}
    by_ref = collections.defaultdict(list)
    for p in payments:
        by_ref[p.get("externalReference")].append(p)
    not_one = {t.order_id: len(by_ref.get(t.order_id, [])) for t in online if len(by_ref.get(t.order_id, [])) != 1}
    strangers = [r for r in by_ref if r not in ours]
    c.expect(not not_one, f"{len(not_one)} online orders without exactly one Asaas charge (order: charges): "
                          f"{sample(not_one.items(), 5)}")
    c.expect(not strangers, f"Asaas charges for no order of the test: {sample(strangers)}")
    mismatched = []
    for t in online:
        charges = by_ref.get(t.order_id, [])
        o = by_id.get(t.order_id)
        if len(charges) == 1 and o is not None:
            p = charges[0]
            if p["id"] != o.get("payment_id") or round(float(p["value"]) * 100) != o["total"]:
                mismatched.append(f"{t.order_id}: charge {p['id']} of {p['value']} vs payment_id "
                                  f"{o.get('payment_id')} total {o['total']}")
    c.expect(not mismatched, f"{len(mismatched)} charges that are not the order's: {sample(mismatched)}")

    entries = [e for e in ledger["entries"] if e["provider"] == "asaas"]
    charges = collections.Counter(e["reference"] for e in entries if e["kind"] == "charge")
    refunds = collections.defaultdict(list)
    for e in entries:
        if e["kind"] == "refund":
            refunds[e["payment_id"]].append(e)
    charged_wrong = {t.order_id: charges.get(t.order_id, 0) for t in online
                     if charges.get(t.order_id, 0) != (1 if t.paid else 0)}
    c.expect(not charged_wrong, f"{len(charged_wrong)} orders whose money moved other than once per payment "
                                f"(order: ledger charges): {sample(charged_wrong.items(), 5)}")
    twice = {p: len(v) for p, v in refunds.items() if len(v) > 1}
    c.expect(not twice, f"{len(twice)} payments refunded more than once: {sample(twice.items())}")
    refund_wrong = []
    for t in online:
        want = 1 if (t.paid and t.store == "B") else 0
        got = refunds.get(t.payment_id, [])
        o = by_id.get(t.order_id)
        if len(got) != want or (want and o is not None and got[0]["amount"] != o["total"]):
            refund_wrong.append(f"{t.order_id} ({t.payment_id}, store {t.store}): "
                                f"{[e['amount'] for e in got]}, want {want} of {o['total'] if o else '?'}")
    c.expect(not refund_wrong, f"{len(refund_wrong)} payments with the wrong refunds: {sample(refund_wrong)}")
    c.expect(not ledger["duplicated_references"],
             f"the sandbox's ledger reports references that moved money twice: "
             f"{sample(ledger['duplicated_references'])}")
    c.numbers["asaas"] = {"charges": len(payments), "money_moved": sum(charges.values()),
                          "refunds": sum(len(v) for v in refunds.values())}


def check_stream(c: Checks, name: str, events: list[dict], tasks: list[Task], by_id: dict[str, dict]) -> None:
    seqs = [e["seq"] for e in events]
    contiguous = seqs == list(range(1, len(seqs) + 1))
    if not contiguous:
        counts = collections.Counter(seqs)
        gaps = sorted(set(range(1, max(seqs, default=0) + 1)) - set(seqs))
        c.expect(False, f"store {name}: stream sequences are not 1..{len(seqs)}: gaps {gaps[:5]}, "
                        f"duplicates {[s for s, k in counts.items() if k > 1][:5]}")
    received = collections.Counter(e["data"]["order"]["id"] for e in events if e["type"] == "REMOTE_ORDER_RECEIVED")
    mine = [t for t in tasks if t.shop == name and t.order_id in by_id]
    reached = {t.order_id for t in mine if by_id[t.order_id].get("reached_store_at")}
    not_once = {o: received.get(o, 0) for o in reached if received.get(o, 0) != 1}
    unreached = [o for o in received if o not in reached]
    c.expect(not not_once, f"store {name}: {len(not_once)} orders that reached the store without exactly one "
                           f"REMOTE_ORDER_RECEIVED (order: count): {sample(not_once.items(), 5)}")
    c.expect(not unreached, f"store {name}: REMOTE_ORDER_RECEIVED for {len(unreached)} orders that never reached "
                            f"it: {sample(unreached)}")
    changes = collections.Counter()
    last = {}
    for e in events:
        d = e["data"]
        if e["type"] == "ORDER_STATUS_CHANGED":
            changes[("status", d["order_id"], d["from"], d["to"])] += 1
            last[d["order_id"]] = d["to"]
        elif e["type"] == "PAYMENT_STATUS_CHANGED":
            changes[("payment", d["order_id"], d["from"], d["to"])] += 1
    repeated = [k for k, n in changes.items() if n > 1]
    c.expect(not repeated, f"store {name}: {len(repeated)} status or payment changes on the stream more than once: "
                           f"{sample(repeated)}")
    stale = [f"{o}: stream says {s}, order is {by_id[o]['status']}" for o, s in last.items()
             if o in by_id and by_id[o]["status"] != s]
    c.expect(not stale, f"store {name}: {len(stale)} orders whose last stream status is not their status: "
                        f"{sample(stale)}")
    c.numbers[f"stream_{name}"] = {"events": len(events), "last_seq": seqs[-1] if seqs else 0,
                                   "orders_received": len(received),
                                   "by_type": dict(collections.Counter(e["type"] for e in events))}


def check_messages(c: Checks, tasks: list[Task], details: dict[str, dict], messages: list[dict]) -> None:
    pairs = collections.defaultdict(list)
    for m in messages:
        pairs[(m["to"], m["body"])].append(m)
    twice = [(to, body[:48] + "…", sorted(m["date_created"][-14:-6] for m in copies))
             for (to, body), copies in pairs.items() if len(copies) > 1]
    c.expect(not twice, f"{len(twice)} WhatsApp messages sent to the same customer more than once "
                        f"(to, body, created at; the hub was killed at {c.numbers.get('kill_times_utc')}): "
                        f"{sample(twice, 5)}")
    by_sid = {m["sid"]: m for m in messages}
    lost, unsent, wrong_events = [], [], []
    recorded = 0
    for t in tasks:
        if t.kind == "IFOOD":
            continue
        d = details.get(t.order_id)
        if d is None:
            continue
        events = collections.Counter(n["event"] for n in d["notifications"])
        if set(events) != t.expected_events() or any(k > 1 for k in events.values()):
            wrong_events.append(f"{t.order_id} ({t.kind}, store {t.store}, paid={t.paid}): {dict(events)}, "
                                f"want {sorted(t.expected_events())}")
        for n in d["notifications"]:
            if not n.get("message_sid"):
                unsent.append(f"{t.order_id} {n['event']}: {n['status']} {n.get('error')}")
                continue
            recorded += 1
            m = by_sid.get(n["message_sid"])
            if m is None or m["to"] != f"whatsapp:{n['to']}" or m["body"] != n["body"]:
                lost.append(f"{t.order_id} {n['event']} {n['message_sid']}")
    ours = {f"whatsapp:{t.phone}" for t in tasks if t.kind != "IFOOD"}
    strangers = [m["sid"] for m in messages if m["to"] not in ours]
    c.expect(not wrong_events, f"{len(wrong_events)} orders without exactly the messages of their events: "
                               f"{sample(wrong_events)}")
    c.expect(not unsent, f"{len(unsent)} customer messages never sent: {sample(unsent)}")
    c.expect(not lost, f"{len(lost)} messages the hub recorded that Twilio does not have as recorded: {sample(lost)}")
    c.expect(not strangers, f"{len(strangers)} Twilio messages to numbers of no order: {sample(strangers)}")
    c.expect(len(messages) == recorded, f"Twilio holds {len(messages)} messages, the hub recorded {recorded} sends")
    c.numbers["whatsapp"] = {"twilio_messages": len(messages), "hub_notifications_sent": recorded,
                             "distinct_to_body": len(pairs)}


def twilio_messages(sandbox: Sandbox) -> list[dict]:
    messages, page = [], 0
    while True:
        response = sandbox.get(f"/twilio/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
                               params={"PageSize": 1000, "Page": page}, auth=(TWILIO_SID, TWILIO_TOKEN))
        if response.status_code != 200:
            raise HarnessError(f"Twilio messages: {response.status_code} {response.text[:200]!r}")
        body = response.json()
        messages.extend(body["messages"])
        if not body.get("next_page_uri"):
            return messages
        page += 1


def fetch_details(api: Api, ids: list[str], threads: int = 6) -> dict[str, dict]:
    out: dict[str, dict] = {}
    lock = threading.Lock()
    queue = list(ids)

    def work():
        while True:
            with lock:
                if not queue:
                    return
                order_id = queue.pop()
            d = api.ok("GET", f"/orders/{order_id}")
            with lock:
                out[order_id] = d

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return out


# ---------------------------------------------------------------------------- main

POLICIES = {
    "A": {"requires_confirmation": False},
    "B": {"requires_confirmation": True, "refund_unconfirmed_orders": True, "refund_timeout": 1},
}


def setup_stores(api: Api, run: str, a_stores: int) -> dict[str, dict]:
    """One client; stores A1..An with policy A and B1 with policy B, each with a WhatsApp number
    of its own."""
    client = api.ok("POST", "/clients", {"name": f"Chaos {run}"})
    stores = {}
    names = [f"A{i}" for i in range(1, a_stores + 1)] + ["B1"]
    for n, name in enumerate(names, 1):
        merchant = f"chaos-{run}-{name.lower()}"
        store = api.ok("POST", f"/clients/{client['id']}/stores", {
            "name": f"Loja {name}", "time_zone": "America/Sao_Paulo", "operating_hours": ALL_DAY,
            "whatsapp_number": f"+55119999900{n:02d}", "ifood_merchant_id": merchant})
        api.ok("PUT", f"/clients/{client['id']}/stores/{store['id']}/order-config", POLICIES[name[0]],
               statuses=(200,))
        stores[name] = {"id": store["id"], "client_id": client["id"], "ifood_merchant_id": merchant,
                        "policy": name[0]}
    return stores


def print_summary(s: dict, violations: list[str]) -> None:
    keys = ["kills", "kill_times_utc", "load_seconds", "settle_seconds", "seconds", "client", "faults_injected",
            "webhook_deliveries", "final_statuses", "paid_order_to_store_seconds", "asaas"]
    keys += sorted(k for k in s if k.startswith("stream_")) + ["whatsapp", "hub"]
    header = f"database: {s.get('database')}   orders: {s.get('orders')} {s.get('mix')}"
    hubmod.print_summary("orders chaos test", header, keys, s, violations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("PONTE_TEST_DATABASE", ""),
                        help="SQLite file path or postgres:// URL of a server (a fresh database is created on it); "
                             "default: a SQLite file in a temporary directory")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--a-stores", type=int, default=3, help="stores with policy A (confirm at once)")
    parser.add_argument("--creators", type=int, default=8, help="threads placing orders")
    parser.add_argument("--payers", type=int, default=4, help="threads polling charges and paying them")
    parser.add_argument("--max-in-flight", type=int, default=48, help="orders placed and not yet done, at most")
    parser.add_argument("--kill-at", default="0.3,0.6", help="fractions of the work after which the hub is killed")
    parser.add_argument("--settle-timeout", type=float, default=240.0,
                        help="after the load, how long everything may take to settle, in seconds")
    parser.add_argument("--deadline", type=float, default=390.0,
                        help="the whole run's limit, in seconds (scripts/test's timeout is 420)")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PONTE_CHAOS_SEED", "20240601")))
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()

    # `timeout` (scripts/test) sends SIGTERM: leave through the cleanup below, not around it.
    def terminated(*_):
        raise HarnessError("terminated by SIGTERM (the caller's timeout?)")
    signal.signal(signal.SIGTERM, terminated)
    started = time.monotonic()
    kill_at = [float(x) for x in args.kill_at.split(",") if x]
    summary: dict = {"test": "orders_chaos",
                     "database": "postgres" if hubmod.is_postgres(args.database) else "sqlite",
                     "orders": args.orders, "seed": args.seed}
    checks = Checks()
    log_dir = tempfile.mkdtemp(prefix="ponte-orders-chaos-")
    database = hub = sandbox = None
    load = None
    ok_exit = 2
    try:
        database = hubmod.Database(args.database, prefix="ponte_chaos")
        hub_port = hubmod.free_port()
        hub_url = f"http://127.0.0.1:{hub_port}"
        sandbox = Sandbox(hub_url, log_dir, args.seed)
        hub = ChaosHub(database.url, sandbox.base, hub_port, log_dir)
        hub.start(ready_timeout=60)
        print(f"orders-chaos: hub {hub.base_url} on {database.describe()}, sandbox {sandbox.base}; logs in {log_dir}",
              file=sys.stderr)
        api = Api(hub.base_url, hub.token("admin", ("--ttl", "1h")), started + args.deadline)
        run = secrets.token_hex(3)
        stores = setup_stores(api, run, args.a_stores)
        sandbox.set_faults(FAULTS)

        tasks = plan(args.orders, args.seed, args.a_stores)
        rng = random.Random(args.seed)
        summary["mix"] = dict(collections.Counter(f"{t.store}:{t.kind}" + ("" if t.pay is not False else ":unpaid")
                                                  for t in tasks))
        load = Load(api, sandbox, stores, tasks, args.creators, args.payers, args.max_in_flight)
        load_start = time.monotonic()
        load.start()

        def after_restart() -> dict:
            replayed, wrong = replay_sample(api, tasks, rng, 25)
            checks.expect(not wrong, f"{len(wrong)} of {replayed} orders sent again with their Idempotency-Key "
                                     f"after the restart were not answered 200 with the same order: {sample(wrong)}")
            return {"replayed_after_restart": replayed}

        summary["kills"] = hubmod.run_load_killing_hub(load, hub, len(tasks), kill_at, started + args.deadline,
                                                       checks, "orders", "orders-chaos", after_restart)
        summary["load_seconds"] = round(time.monotonic() - load_start, 1)
        checks.expect(not load.anomalies, f"{len(load.anomalies)} wrong answers: {sample(load.anomalies)}")

        # ---- settle
        left = started + args.deadline - time.monotonic() - 30
        settle_seconds, still, details = wait_settled(api, stores, tasks, min(args.settle_timeout, left))
        summary["settle_seconds"] = round(settle_seconds, 1)
        checks.expect(not any(still.values()), f"not settled after {settle_seconds:.0f}s: {still}")

        # ---- collect
        orders = [o for store in stores.values() for o in api.pages("/orders", {"store_id": store["id"]})]
        by_id = {o["id"]: o for o in orders}
        # Orders settle reads only until their messages have left; any it did not read (it ran
        # out of time first) are read now. Once sent, a message's recipient, body and sid stay.
        unread = [t.order_id for t in tasks if t.kind != "IFOOD" and t.order_id not in details]
        details.update(fetch_details(api, unread))
        events = {name: api.events(store["id"]) for name, store in stores.items()}
        dead = api.pages("/jobs", {"status": "dead"})
        failed_webhooks = api.pages("/webhooks", {"status": "failed"})
        payments = sandbox.asaas_payments()
        ledger = sandbox.get("/_sandbox/ledger").json()
        messages = twilio_messages(sandbox)
        overview = sandbox.get("/_sandbox").json()
        deliveries = sandbox.get("/_sandbox/webhooks").json()["deliveries"]

        # ---- check
        check_orders(checks, tasks, orders, details)
        check_asaas(checks, tasks, by_id, payments, ledger)
        for name in stores:
            check_stream(checks, name, events[name], tasks, by_id)
        check_messages(checks, tasks, details, messages)
        checks.expect(not dead, f"{len(dead)} dead jobs: "
                                f"{[(j['kind'], (j.get('last_error') or '')[:120]) for j in dead[:3]]}")
        checks.expect(not failed_webhooks, f"{len(failed_webhooks)} stored webhooks failed: "
                                           f"{[(w['provider'], w['event_type']) for w in failed_webhooks[:3]]}")
        injected = overview.get("faults_injected", {})
        summary["faults_injected"] = injected
        for provider, kind in (("asaas", "webhook_duplicate"), ("asaas", "webhook_reorder"),
                               ("twilio", "server_error")):
            checks.expect(injected.get(provider, {}).get(kind, 0) > 0, f"the sandbox injected no {provider} {kind}")
        summary["webhook_deliveries"] = {"last_logged": len(deliveries),
                                         "by_status": dict(collections.Counter(d["status"] for d in deliveries))}
        given_up = [(d["provider"], d["event_type"], d.get("last_error"))
                    for d in deliveries if d["status"] == "failed"]
        checks.expect(not given_up, f"the sandbox gave up delivering {len(given_up)} of its last {len(deliveries)} "
                                    f"webhooks: {sample(given_up)}")
        replays = sum(1 for t in tasks if t.replayed)
        summary["client"] = {"hub_requests": api.requests, "connection_errors": api.connection_errors,
                             "server_errors": len(api.server_errors), "idempotent_replays": replays,
                             "paid": sum(1 for t in tasks if t.paid)}
        checks.expect(not api.server_errors, f"{len(api.server_errors)} 5xx answers from the hub: "
                                             f"{sample(api.server_errors)}")
        summary["hub"] = {"starts": hub.starts, "dead_jobs": len(dead), "failed_webhooks": len(failed_webhooks)}
        summary.update(checks.numbers)
        code = hub.stop(timeout=15)
        checks.expect(code == 0, f"after SIGTERM the hub exited {code} (want 0 within 15 s)")
        ok_exit = 1 if checks.violations else 0
    except Exception as exc:  # harness or setup failure: exit 2
        summary["error"] = str(exc).splitlines()[0] if str(exc) else repr(exc)
        print(f"orders-chaos: error: {exc}", file=sys.stderr)
        if hub is not None:
            print(hub.log_tail(6000), file=sys.stderr)
        ok_exit = 2
    finally:
        if load is not None:
            load.stop.set()
        if hub is not None:
            hub.kill()
        if sandbox is not None:
            sandbox.stop()
        if database is not None:
            database.drop()

    return hubmod.finish("orders-chaos", summary, checks, started, ok_exit, log_dir, args.keep_logs, print_summary)


if __name__ == "__main__":
    sys.exit(main())
