#!/usr/bin/env python3
"""Crash test of the kiosk flow (payment session -> ticket -> ESC/POS print -> service queue),
against real processes over loopback.

A `ponte sandbox` runs as its own process and duplicates and reorders its Asaas webhooks (30 %
each); a `ponte serve` calls it (PONTE_SANDBOX_URL). Each kiosk location prints to a printer
double of its own (tests/escpos/decode.py --listen, run with the escpos Python:
PONTE_ESCPOS_PYTHON, else what tests/escpos/setup prints) that resets every fifth connection
without reading it. The test plays the customers:

  * 500 payment sessions by default, PIX and card mixed, spread over two locations whose
    services have different ticket prefixes and accented names ("Emissão de 2ª via",
    "Atendimento preferencial"); each is created with an Idempotency-Key (retried with the same
    key after a connection error or a 5xx), paid in the sandbox (which sends the webhooks,
    duplicated and out of order), and for a share of them the test posts a second webhook of
    its own for the same payment, with another event id and the other type (PAYMENT_CONFIRMED
    after PAYMENT_RECEIVED, or the other way round);
  * the hub is killed with SIGKILL twice (after ~30 % and ~60 % of the work) and restarted on
    the same port and database; after each restart 25 earlier session creations are sent again
    with their keys and must be answered with the same session.

After the load everything must settle (bounded): every session PAID with a ticket IN_QUEUE.
Then:

  1. exactly one session per customer, all PAID, each with exactly one ticket; exactly as many
     tickets as sessions, no two for one session; the sandbox holds one charge per session, and
     money moved once for each;
  2. per (location, service day, prefix) the ticket sequences are exactly 1..N, and each
     ticket_number is the prefix and the sequence in three digits;
  3. every ticket is on paper: its id is the QR payload of at least one cut job of its own
     location's printer double; a ticket on paper more than once has print attempts that say
     why (a reprint, or an earlier attempt interrupted by the kill), and no attempt the hub
     says printed is missing from the paper;
  4. the printed jobs are in code page CP860 and show the service name, accents intact, and the
     ticket number;
  5. no job is dead, no stored webhook failed, no 5xx came from the hub, the sandbox gave up
     delivering none of its webhooks;
  6. GET /api/v1/payment-sessions/integration/status counts as many paid sessions as tickets
     created, and reports no issues.

Prints a readable summary (stderr) and one JSON line (stdout); exits 1 on any violation, 2 on a
setup error.

  python tests/crash/kiosk_crash_test.py [--database SQLITE_PATH|postgres://...] [--payments 500]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


import hub as hubmod  # noqa: E402
from hub import Api, Checks, HarnessError, Sandbox, sample  # noqa: E402

# ---------------------------------------------------------------------------- the kiosk API
# Everything this test assumes about the kiosk module's API is here, to adjust in one place.

PATH_LOCATIONS = "/kiosk/locations"
PATH_SERVICES = "/kiosk/locations/{location_id}/services"
PATH_SESSIONS = "/payment-sessions"
PATH_SESSION = "/payment-sessions/{session_id}"
PATH_TICKETS = "/tickets"                       # ?location_id=&status=&limit=&cursor=
PATH_TICKET = "/tickets/{ticket_id}"
PATH_INTEGRATION_STATUS = "/payment-sessions/integration/status"
PATH_ASAAS_WEBHOOK = "/webhooks/asaas"          # under the hub's root, not /api/v1
TICKETS_PAGE_LIMIT = 100


class F:
    """Field names of the kiosk API's JSON."""
    ID = "id"
    CREATED_AT = "created_at"
    # location and service
    PRINTER = "printer"
    TICKET_PREFIX = "ticket_prefix"
    PRICE = "price"
    # payment session
    STATUS = "status"
    LOCATION = "location_id"
    SERVICE = "service_id"
    SERVICE_NAME = "service_name"
    METHOD = "payment_method"
    AMOUNT = "amount"
    TRANSACTION = "transaction_id"           # the Asaas payment id
    PIX = "pix"
    PIX_COPY_PASTE = "copy_paste"
    PIX_QR_PNG = "qr_code_png_base64"
    PAYMENT_LINK = "payment_link"
    PAID_AT = "paid_at"
    TICKET = "ticket"                        # on a session: null or {"id", "ticket_number", "status"}
    STATUS_HISTORY = "status_history"        # [{"status", "at", "reason"}]
    # ticket
    SESSION = "session_id"
    TICKET_NUMBER = "ticket_number"
    SERVICE_DAY = "service_day"
    SEQUENCE = "sequence"
    PRINTS = "prints"
    PRINT_ATTEMPTS = "print_attempts"        # [{"number", "reprint", "started_at", "finished_at", "outcome", "error"}]
    REPRINT = "reprint"
    OUTCOME = "outcome"
    FINISHED_AT = "finished_at"
    ERROR = "error"
    # integration status
    SUMMARY = "summary"
    TOTAL_SESSIONS = "total_payment_sessions"
    PAID_SESSIONS = "paid_sessions"
    TICKETS_CREATED = "tickets_created"
    HEALTH = "integration_health"
    ISSUES = "issues"


SESSION_PAID = "PAID"
SESSION_PENDING = "PENDING"
TICKET_IN_QUEUE = "IN_QUEUE"
TICKET_ON_ITS_WAY = {"PAID", "PRINTING", "PRINT_ERROR"}   # a ticket that is still to be printed
OUTCOME_PRINTED = "printed"
OUTCOME_FAILED = "failed"
OUTCOME_INTERRUPTED = "interrupted"
OUTCOME_SENDING = "sending"
# A creation sent again with its key after it was answered: the same session (201 is accepted
# too, for a hub that replays the first answer's status).
REPLAY_STATUSES = (200, 201)
# A creation that meets its own earlier request still in progress (cut by the kill) may be told
# so with a 409; it is sent again, a while.
IN_PROGRESS_STATUS = 409


def ticket_number(prefix: str, sequence: int) -> str:
    return f"{prefix}{sequence:03d}"


def location_body(spec: dict, printer_port: int) -> dict:
    return {"name": spec["name"], "time_zone": "America/Sao_Paulo",
            "printer": {"type": "tcp", "host": "127.0.0.1", "port": printer_port, "connect_timeout_ms": 1000,
                        "write_timeout_ms": 2000, "code_page": "CP860"}}


def service_body(spec: dict) -> dict:
    return {"name": spec["service"], "price": spec["price"], "ticket_prefix": spec["prefix"]}


def session_body(task: "Task", service_id: str) -> dict:
    return {"service_id": service_id, "customer_name": task.customer, "customer_cpf": CPF,
            "payment_method": task.method}


LOCATIONS = [
    {"name": "Poupatempo Sé", "service": "Emissão de 2ª via", "prefix": "A", "price": 1500},
    {"name": "Poupatempo Itaquera", "service": "Atendimento preferencial", "prefix": "P", "price": 990},
]
CUSTOMERS = ["João Silva", "Maria da Conceição", "Antônio Araújo", "Luíza Gonçalves"]
CPF = "529.982.247-25"
CODE_PAGE = "CP860"

# ---------------------------------------------------------------------------- the sandbox

ASAAS_API_KEY = hubmod.SANDBOX_ASAAS_API_KEY
ASAAS_WEBHOOK_TOKEN = hubmod.SANDBOX_ASAAS_WEBHOOK_TOKEN
FAULTS = {"asaas": {"webhook_duplicate_rate": 0.3, "webhook_reorder_rate": 0.3}}
# The sandbox confirms a PIX charge with PAYMENT_RECEIVED and a card charge with
# PAYMENT_CONFIRMED (AsaasAccount.markPaid); the test's own second webhook is the other one.
EXTRA_WEBHOOK = {"pix": ("PAYMENT_CONFIRMED", "CONFIRMED"), "card": ("PAYMENT_RECEIVED", "RECEIVED")}
BRAZIL = datetime.timezone(datetime.timedelta(hours=-3))

REPO_ROOT = hubmod.REPO_ROOT
DECODE_PY = os.path.join(REPO_ROOT, "tests", "escpos", "decode.py")
ESCPOS_SETUP = os.path.join(REPO_ROOT, "tests", "escpos", "setup")


# ---------------------------------------------------------------------------- the printer double

def escpos_python() -> str:
    """The interpreter of the decoder's venv: PONTE_ESCPOS_PYTHON, else the last line that
    tests/escpos/setup prints (it creates .tmp/escpos-venv the first time)."""
    path = os.environ.get("PONTE_ESCPOS_PYTHON", "")
    if path:
        if not os.access(path, os.X_OK):
            raise HarnessError(f"PONTE_ESCPOS_PYTHON={path} is not an executable")
        return path
    try:
        result = subprocess.run([ESCPOS_SETUP], capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HarnessError(f"tests/escpos/setup: {exc}") from exc
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise HarnessError(f"tests/escpos/setup exited {result.returncode}: {result.stderr.strip()[-500:]}")
    return lines[-1].strip()


class Printer:
    """tests/escpos/decode.py --listen on a free loopback port: a TCP 9100 printer that answers
    DLE EOT, resets every drop_every-th connection at once, and stores each other connection as
    job-N.bin and (decoded by emupos) job-N.json; every event is a line of connections.jsonl."""

    def __init__(self, python: str, name: str, log_dir: str, drop_every: int, max_seconds: float, scan_qr: bool):
        self.name = name
        self.dir = os.path.join(log_dir, f"printer-{name}")
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(log_dir, f"printer-{name}.log")
        self._log = open(self.log_path, "wb")
        cmd = [python, DECODE_PY, "--listen", "0", "--out", self.dir, "--drop-every", str(drop_every),
               "--max-seconds", str(int(max_seconds)), "--idle-timeout", "10"]
        if not scan_qr:
            cmd.append("--no-scan-qr")  # OpenCV reading each job's image back costs ~0.15 s of CPU a job
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.dir)
        port_file = os.path.join(self.dir, "port")
        deadline = time.monotonic() + 60
        while True:
            text = open(port_file).read().strip() if os.path.exists(port_file) else ""
            if text:
                self.port = int(text)
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise HarnessError(f"printer double {name} did not start (exit {self.proc.poll()}): "
                                   f"{self._tail()}")
            time.sleep(0.05)

    def _tail(self) -> str:
        self._log.flush()
        with open(self.log_path, "rb") as f:
            return f.read()[-1500:].decode("utf-8", "replace")

    def stop(self) -> int | None:
        """SIGTERM (the listener finishes and decodes the open connections, then logs
        "stopped"); SIGKILL after 30 s."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self._log.closed:
            self._log.close()
        return self.proc.returncode

    def events(self) -> list[dict]:
        path = os.path.join(self.dir, "connections.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def jobs(self) -> list[dict]:
        """One record per connection the double read: n, how it ended, bytes, and the decoded
        job (None when decoding failed)."""
        out = []
        for e in self.events():
            if e.get("event") != "job":
                continue
            json_path = e["file"][: -len(".bin")] + ".json"
            decoded = None
            if os.path.exists(json_path):
                with open(json_path, encoding="utf-8") as f:
                    decoded = json.load(f)
            out.append({"printer": self.name, "n": e["n"], "ended": e.get("ended"), "bytes": e.get("bytes", 0),
                        "decode_error": e.get("decode_error"), "job": decoded})
        return out


def classify(job: dict) -> tuple[str, list[str], list[str]]:
    """(kind, QR payloads printed whole, QR payloads cut short) of one connection: "print" (at
    least one receipt with a QR code and a cut after it), "status" (nothing printed: status
    queries only, or no bytes), "partial" (something printed, no cut after it), "undecodable"."""
    decoded = job["job"]
    if decoded is None:
        return "undecodable", [], []
    qr = list(decoded.get("qr") or [])
    cuts = len(decoded.get("cuts") or [])
    lines = [line for line in decoded.get("lines") or [] if line.get("text")]
    if not qr and not lines and not cuts:
        return "status", [], []
    whole, short = qr[:cuts], qr[cuts:]
    if whole:
        return "print", whole, short
    return "partial", [], short


# ---------------------------------------------------------------------------- the workload

class Task:
    """One customer's payment at the kiosk, and what became of it on the client's side."""

    def __init__(self, n: int, location: int, method: str, extra_webhook: bool):
        self.n = n
        self.location = location        # index into the locations made
        self.method = method            # pix or card
        self.extra_webhook = extra_webhook
        self.customer = CUSTOMERS[n % len(CUSTOMERS)]
        self.key = f"kiosk-{n:05d}-{secrets.token_hex(4)}"
        self.body: dict | None = None
        self.session_id: str | None = None
        self.transaction_id: str | None = None
        self.payable: bool | None = None
        self.paid = False
        self.extra_sent = False
        self.replayed = False           # a retry of the creation was answered 200 with the session


def plan(total: int, seed: int, locations: int, pix_share: float, extra_share: float) -> list[Task]:
    rng = random.Random(seed)
    return [Task(n, n % locations, "pix" if rng.random() < pix_share else "card", rng.random() < extra_share)
            for n in range(1, total + 1)]


def payable(task: Task, session: dict) -> bool:
    """Whether the session shows the customer how to pay: the PIX code and QR image, or the
    card payment link."""
    if task.method == "pix":
        pix = session.get(F.PIX) or {}
        return bool(pix.get(F.PIX_COPY_PASTE) and pix.get(F.PIX_QR_PNG))
    return bool(session.get(F.PAYMENT_LINK))


class Load:
    """Worker threads each take the next customer: create the session, wait for its charge if
    the answer has none yet, pay it in the sandbox, and for some post the second webhook. `done`
    counts customers finished (the kills are timed by it)."""

    def __init__(self, api: Api, sandbox: Sandbox, locations: list[dict], tasks: list[Task], workers: int):
        self.api = api
        self.sandbox = sandbox
        self.locations = locations
        self.tasks = tasks
        self.workers = workers
        self.lock = threading.Condition()
        self.next_task = 0
        self.done = 0
        self.errors: list[str] = []
        self.anomalies: list[str] = []   # answers the hub should not have given
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.in_progress_answers = 0     # 409s to a creation whose first request the kill cut
        self.extra_webhooks = collections.Counter()

    def start(self) -> None:
        for _ in range(self.workers):
            self.threads.append(threading.Thread(target=self._guard, daemon=True))
        for t in self.threads:
            t.start()

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))

    def _guard(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # a harness failure stops the load
            with self.lock:
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self.stop.set()
                self.lock.notify_all()

    def _anomaly(self, text: str) -> None:
        with self.lock:
            self.anomalies.append(text)

    def _loop(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                if self.next_task >= len(self.tasks):
                    return
                task = self.tasks[self.next_task]
                self.next_task += 1
            self._run(task)
            with self.lock:
                self.done += 1
                self.lock.notify_all()

    def _run(self, task: Task) -> None:
        session = self._create(task)
        if not session.get(F.TRANSACTION):
            session = self._wait_for_charge(task)
            if session is None:
                return
        task.transaction_id = session[F.TRANSACTION]
        task.payable = payable(task, session)
        if not task.payable:
            self._anomaly(f"session {task.session_id} ({task.method}) has charge {task.transaction_id} but shows no "
                          f"way to pay it: pix {session.get(F.PIX)!r:.80}, payment_link {session.get(F.PAYMENT_LINK)!r}")
        self._pay(task)
        if task.paid and task.extra_webhook:
            self._second_webhook(task)

    def _create(self, task: Task) -> dict:
        service_id = self.locations[task.location]["service_id"]
        task.body = session_body(task, service_id)
        tries = 0
        for _ in range(120):
            response = self.api.call("POST", PATH_SESSIONS, body=task.body, headers={"Idempotency-Key": task.key})
            tries += response.tries
            if response.status_code != IN_PROGRESS_STATUS:
                break
            with self.lock:
                self.in_progress_answers += 1
            time.sleep(0.25)
        if response.status_code not in (200, 201):
            raise HarnessError(f"POST {PATH_SESSIONS} for customer {task.n}: {response.status_code} "
                               f"{response.text[:300]!r}")
        session = response.json()
        task.session_id = session[F.ID]
        task.replayed = response.status_code == 200
        if task.replayed and tries == 1:
            self._anomaly(f"customer {task.n}: the first POST {PATH_SESSIONS} was answered 200, as a replay")
        return session

    def _wait_for_charge(self, task: Task) -> dict | None:
        """The session's charge, should the creation have answered before it had one."""
        started = time.monotonic()
        polls = 0
        while time.monotonic() - started < 45 and not self.stop.is_set():
            polls += 1
            time.sleep(min(0.2 * 1.5 ** polls, 2.0))
            session = self.api.ok("GET", PATH_SESSION.format(session_id=task.session_id))
            if session.get(F.TRANSACTION):
                return session
            if session.get(F.STATUS) != SESSION_PENDING:
                self._anomaly(f"session {task.session_id} became {session.get(F.STATUS)} without a charge")
                return None
        self._anomaly(f"session {task.session_id} still had no charge (transaction_id) after 45 s")
        return None

    def _pay(self, task: Task) -> None:
        """The customer pays the charge in the sandbox, once (the sandbox is never killed); the
        sandbox then sends the webhooks."""
        response = self.sandbox.http.post(
            f"{self.sandbox.base}/asaas/v3/sandbox/payment/{task.transaction_id}/confirm",
            headers={"access_token": ASAAS_API_KEY}, timeout=15)
        if response.status_code != 200:
            self._anomaly(f"paying {task.transaction_id} (session {task.session_id}) in the sandbox: "
                          f"{response.status_code} {response.text[:200]!r}")
            return
        task.paid = True

    def _second_webhook(self, task: Task) -> None:
        """The same payment's other paid event, with an event id of its own, posted by the test
        (as Asaas sends both PAYMENT_CONFIRMED and PAYMENT_RECEIVED for one payment)."""
        response = self.sandbox.get(f"/asaas/v3/payments/{task.transaction_id}",
                                    headers={"access_token": ASAAS_API_KEY})
        if response.status_code != 200:
            raise HarnessError(f"GET sandbox payment {task.transaction_id}: {response.status_code}")
        payment = response.json()
        event, status = EXTRA_WEBHOOK[task.method]
        payment.update({"id": task.transaction_id, "status": status})
        if not payment.get("externalReference"):
            payment["externalReference"] = task.session_id
        body = {"id": f"evt_kiosk_{secrets.token_hex(12)}", "event": event,
                "dateCreated": datetime.datetime.now(BRAZIL).strftime("%Y-%m-%d %H:%M:%S"), "payment": payment}
        answer = self.api.call("POST", PATH_ASAAS_WEBHOOK, body=body, root=True,
                               headers={"asaas-access-token": ASAAS_WEBHOOK_TOKEN, "Authorization": None})
        with self.lock:
            self.extra_webhooks[answer.status_code] += 1
        if answer.status_code != 200:
            self._anomaly(f"the hub answered {answer.status_code} to the test's {event} webhook for "
                          f"{task.transaction_id}: {answer.text[:200]!r}")
            return
        task.extra_sent = True


def replay_sample(api: Api, tasks: list[Task], rng: random.Random, count: int) -> tuple[int, list[str]]:
    """Sends `count` creations answered before the last kill again with their Idempotency-Key:
    each must be answered with the session made the first time."""
    created = [t for t in tasks if t.body is not None and t.session_id]
    wrong = []
    chosen = rng.sample(created, min(count, len(created)))
    for t in chosen:
        response = api.call("POST", PATH_SESSIONS, body=t.body, headers={"Idempotency-Key": t.key})
        got = response.json().get(F.ID) if response.status_code in (200, 201) else None
        if response.status_code not in REPLAY_STATUSES or got != t.session_id:
            wrong.append(f"{t.key}: {response.status_code} {got or response.text[:120]!r}, want {t.session_id}")
    return len(chosen), wrong


# ---------------------------------------------------------------------------- settling

def list_tickets(api: Api, locations: list[dict]) -> list[dict]:
    return [t for loc in locations for t in api.pages(PATH_TICKETS, {"location_id": loc["id"]},
                                                      limit=TICKETS_PAGE_LIMIT)]


def fetch_all(api: Api, paths: list[str], threads: int = 6) -> dict[str, dict]:
    """GET each path, a few at a time; path -> body."""
    out: dict[str, dict] = {}
    lock = threading.Lock()
    queue = list(paths)
    errors: list[str] = []

    def work():
        while True:
            with lock:
                if not queue or errors:
                    return
                path = queue.pop()
            try:
                body = api.ok("GET", path)
            except HarnessError as exc:
                with lock:
                    errors.append(str(exc))
                return
            with lock:
                out[path] = body

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise HarnessError(errors[0])
    return out


def wait_settled(api: Api, locations: list[dict], tasks: list[Task], timeout: float) -> tuple[float, dict]:
    """Polls until there is a ticket for every paid session and none is still on its way
    (PAID, PRINTING, PRINT_ERROR), then until every paid session reads PAID with its ticket
    IN_QUEUE (only sessions not yet seen so are read again). Returns the seconds taken and what
    was still waiting."""
    started = time.monotonic()
    paid = [t for t in tasks if t.paid]
    settled: set[str] = set()
    last_report = started
    while True:
        tickets = list_tickets(api, locations)
        statuses = collections.Counter(t.get(F.STATUS) for t in tickets)
        waiting = {"tickets_missing": max(0, len(paid) - len(tickets)),
                   "tickets_not_printed": sum(statuses[s] for s in TICKET_ON_ITS_WAY)}
        if not any(waiting.values()):
            todo = [t for t in paid if t.session_id not in settled]
            read = fetch_all(api, [PATH_SESSION.format(session_id=t.session_id) for t in todo])
            for session in read.values():
                ticket = session.get(F.TICKET) or {}
                if session.get(F.STATUS) == SESSION_PAID and ticket.get(F.STATUS) == TICKET_IN_QUEUE:
                    settled.add(session[F.ID])
            waiting["sessions_not_settled"] = len(paid) - len(settled)
            if not waiting["sessions_not_settled"]:
                return time.monotonic() - started, waiting
        now = time.monotonic()
        if now - started > timeout:
            waiting["ticket_statuses"] = dict(statuses)
            return now - started, waiting
        if now - last_report >= 10:
            last_report = now
            print(f"kiosk-crash: settling ({now - started:.0f}s): {dict(statuses)} "
                  f"{ {k: v for k, v in waiting.items() if v} }", file=sys.stderr)
        time.sleep(2)


# ---------------------------------------------------------------------------- the checks

def parse_time(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def percentiles(values: list[float]) -> dict | None:
    if not values:
        return None
    values = sorted(values)
    return {"p50": round(values[len(values) // 2], 2) + 0.0, "p95": round(values[int(len(values) * 0.95)], 2) + 0.0,
            "max": round(values[-1], 2) + 0.0}


def check_sessions(c: Checks, tasks: list[Task], locations: list[dict], sessions: dict[str, dict],
                   tickets: list[dict]) -> None:
    """1. One session per customer, all PAID, each with exactly one ticket; as many tickets as
    sessions."""
    by_id = collections.defaultdict(list)
    for t in tasks:
        if t.session_id:
            by_id[t.session_id].append(t.n)
    shared = {s: ns for s, ns in by_id.items() if len(ns) > 1}
    c.expect(not shared, f"{len(shared)} sessions answered to more than one customer (their keys differ): "
                         f"{sample(shared.items())}")
    not_created = [t.n for t in tasks if not t.session_id]
    c.expect(not not_created, f"{len(not_created)} customers got no session: {sample(not_created)}")
    not_paid = [f"{t.session_id} ({t.transaction_id})" for t in tasks if t.session_id and not t.paid]
    c.expect(not not_paid, f"{len(not_paid)} sessions the customer could not pay: {sample(not_paid)}")
    c.expect(not [t for t in tasks if t.payable is False],
             f"{sum(1 for t in tasks if t.payable is False)} sessions showed no PIX code and QR or card "
             f"payment link: {sample(t.session_id for t in tasks if t.payable is False)}")

    wrong: list[str] = []
    twice_paid: list[str] = []
    for t in tasks:
        s = sessions.get(t.session_id)
        if s is None:
            continue
        loc = locations[t.location]
        ticket = s.get(F.TICKET) or {}
        got = (s.get(F.STATUS), ticket.get(F.STATUS), s.get(F.LOCATION), s.get(F.SERVICE), s.get(F.METHOD),
               s.get(F.AMOUNT), s.get(F.TRANSACTION))
        want = (SESSION_PAID, TICKET_IN_QUEUE, loc["id"], loc["service_id"], t.method, loc["spec"]["price"],
                t.transaction_id)
        if got != want:
            wrong.append(f"{t.session_id}: (status, ticket status, location, service, method, amount, "
                         f"transaction) {got}, want {want}")
        paid_entries = [h for h in s.get(F.STATUS_HISTORY) or [] if h.get(F.STATUS) == SESSION_PAID]
        if len(paid_entries) != 1:
            twice_paid.append(f"{t.session_id}: {len(paid_entries)} PAID entries in status_history")
    c.expect(not wrong, f"{len(wrong)} sessions not PAID with their ticket IN_QUEUE as made: {sample(wrong)}")
    c.expect(not twice_paid, f"{len(twice_paid)} sessions whose history does not show PAID exactly once: "
                             f"{sample(twice_paid)}")

    per_session = collections.defaultdict(list)
    for k in tickets:
        per_session[k.get(F.SESSION)].append(k[F.ID])
    ours = {t.session_id for t in tasks if t.session_id}
    not_one = {s: per_session.get(s, []) for s in ours if len(per_session.get(s, [])) != 1}
    strangers = {s: ids for s, ids in per_session.items() if s not in ours}
    c.expect(not not_one, f"{len(not_one)} sessions without exactly one ticket (session: tickets): "
                          f"{sample(not_one.items(), 5)}")
    c.expect(not strangers, f"{len(strangers)} tickets of sessions the test never made: {sample(strangers.items())}")
    c.expect(len(tickets) == len(tasks), f"{len(tickets)} tickets in all, want exactly {len(tasks)}")
    c.expect(len({k[F.ID] for k in tickets}) == len(tickets), "a ticket id is listed twice")
    pointer = [f"{sid}: session says {(sessions[sid].get(F.TICKET) or {}).get(F.ID)}, ticket is {ids[0]}"
               for sid, ids in per_session.items()
               if sid in sessions and len(ids) == 1 and (sessions[sid].get(F.TICKET) or {}).get(F.ID) != ids[0]]
    c.expect(not pointer, f"{len(pointer)} sessions whose ticket is not the one that names them: {sample(pointer)}")
    wrong_place = [f"{k[F.ID]}: location {k.get(F.LOCATION)}, service {k.get(F.SERVICE)}"
                   for k in tickets if k.get(F.SESSION) in sessions
                   and (k.get(F.LOCATION), k.get(F.SERVICE)) != (sessions[k[F.SESSION]].get(F.LOCATION),
                                                                 sessions[k[F.SESSION]].get(F.SERVICE))]
    c.expect(not wrong_place, f"{len(wrong_place)} tickets at another location or service than their session: "
                              f"{sample(wrong_place)}")
    c.numbers["sessions"] = {"made": len(ours), "paid_by_client": sum(1 for t in tasks if t.paid),
                             "by_method": dict(collections.Counter(t.method for t in tasks)),
                             "final_statuses": dict(collections.Counter(s.get(F.STATUS) for s in sessions.values()))}
    c.numbers["tickets"] = {"total": len(tickets),
                            "by_location": dict(collections.Counter(k.get(F.LOCATION) for k in tickets)),
                            "statuses": dict(collections.Counter(k.get(F.STATUS) for k in tickets))}
    lags = []
    for k in tickets:
        s = sessions.get(k.get(F.SESSION))
        paid_at, made = parse_time((s or {}).get(F.PAID_AT)), parse_time(k.get(F.CREATED_AT))
        if paid_at and made:
            lags.append((made - paid_at).total_seconds())
    c.numbers["paid_to_ticket_seconds"] = percentiles(lags)


def check_asaas(c: Checks, tasks: list[Task], sessions: dict[str, dict], payments: list[dict], ledger: dict) -> None:
    """1 (cont.). The sandbox holds one charge per session, of its amount, and money moved once
    for each (creations retried after the kills made no second charge)."""
    by_ref = collections.defaultdict(list)
    for p in payments:
        by_ref[p.get("externalReference")].append(p)
    ours = {t.session_id for t in tasks if t.session_id}
    not_one = {s: [p["id"] for p in by_ref.get(s, [])] for s in ours if len(by_ref.get(s, [])) != 1}
    strangers = [r for r in by_ref if r not in ours]
    c.expect(not not_one, f"{len(not_one)} sessions without exactly one Asaas charge whose externalReference is "
                          f"the session id (session: charges): {sample(not_one.items(), 5)}")
    c.expect(not strangers, f"Asaas charges for no session of the test (externalReference): {sample(strangers)}")
    mismatched = []
    for t in tasks:
        charges = by_ref.get(t.session_id, [])
        s = sessions.get(t.session_id)
        if len(charges) == 1 and s is not None:
            p = charges[0]
            if p["id"] != s.get(F.TRANSACTION) or round(float(p["value"]) * 100) != s.get(F.AMOUNT):
                mismatched.append(f"{t.session_id}: charge {p['id']} of {p['value']} vs transaction_id "
                                  f"{s.get(F.TRANSACTION)} amount {s.get(F.AMOUNT)}")
    c.expect(not mismatched, f"{len(mismatched)} charges that are not the session's: {sample(mismatched)}")
    entries = [e for e in ledger.get("entries", []) if e.get("provider") == "asaas"]
    moved = collections.Counter(e.get("payment_id") for e in entries if e.get("kind") == "charge")
    wrong = {t.transaction_id: moved.get(t.transaction_id, 0) for t in tasks
             if t.transaction_id and moved.get(t.transaction_id, 0) != (1 if t.paid else 0)}
    c.expect(not wrong, f"{len(wrong)} payments whose money moved other than once (payment: ledger charges): "
                        f"{sample(wrong.items(), 5)}")
    c.expect(not ledger.get("duplicated_references"),
             f"the sandbox's ledger reports references that moved money twice: "
             f"{sample(ledger.get('duplicated_references') or [])}")
    c.numbers["asaas"] = {"charges": len(payments), "money_moved": sum(moved.values())}


def check_numbering(c: Checks, tickets: list[dict], locations: list[dict]) -> None:
    """2. Per (location, service day, prefix): sequences 1..N, no gap, no repeat; ticket_number
    is the prefix and the sequence in three digits; the prefix is the service's."""
    prefix_of = {loc["service_id"]: loc["spec"]["prefix"] for loc in locations}
    groups = collections.defaultdict(list)
    for k in tickets:
        groups[(k.get(F.LOCATION), k.get(F.SERVICE_DAY), k.get(F.TICKET_PREFIX))].append(k)
    for (location, day, prefix), rows in sorted(groups.items(), key=lambda kv: tuple(map(str, kv[0]))):
        seqs = sorted(k.get(F.SEQUENCE) for k in rows if isinstance(k.get(F.SEQUENCE), int))
        counts = collections.Counter(seqs)
        gaps = sorted(set(range(1, len(rows) + 1)) - set(seqs))
        repeats = sorted(s for s, n in counts.items() if n > 1)
        c.expect(seqs == list(range(1, len(rows) + 1)),
                 f"location {location}, day {day}, prefix {prefix}: {len(rows)} tickets, sequences not 1..{len(rows)}: "
                 f"missing {gaps[:5]}, repeated {repeats[:5]}, range {seqs[:1]}..{seqs[-1:]}")
        c.numbers.setdefault("sequences", {})[f"{prefix}@{day}"] = {"tickets": len(rows), "last": max(seqs, default=0)}
    numbers = [f"{k[F.ID]}: {k.get(F.TICKET_NUMBER)!r}, prefix {k.get(F.TICKET_PREFIX)!r}, sequence {k.get(F.SEQUENCE)}"
               for k in tickets if not isinstance(k.get(F.SEQUENCE), int)
               or k.get(F.TICKET_NUMBER) != ticket_number(k.get(F.TICKET_PREFIX) or "", k[F.SEQUENCE])]
    c.expect(not numbers, f"{len(numbers)} ticket numbers that are not prefix + 3-digit sequence: {sample(numbers)}")
    prefixes = [f"{k[F.ID]}: {k.get(F.TICKET_PREFIX)!r}, service's is {prefix_of.get(k.get(F.SERVICE))!r}"
                for k in tickets if k.get(F.TICKET_PREFIX) != prefix_of.get(k.get(F.SERVICE))]
    c.expect(not prefixes, f"{len(prefixes)} tickets with another prefix than their service's: {sample(prefixes)}")


def check_prints(c: Checks, tickets: list[dict], locations: list[dict], printers: list[Printer],
                 jobs: list[dict], events: dict[str, list[dict]]) -> None:
    """3. and 4. Every ticket on paper at its location's printer, more than once only when its
    attempts say why; each print in CP860 with the service name and ticket number."""
    by_id = {k[F.ID]: k for k in tickets}
    printer_of = {loc["id"]: p.name for loc, p in zip(locations, printers)}
    whole = collections.defaultdict(list)     # ticket id -> jobs that printed it with a cut
    short = collections.Counter()             # ticket id -> prints cut short (no cut after the QR)
    kinds = collections.Counter()
    unknown_qr, wrong_printer, undecodable = [], [], []
    content: list[str] = []
    for job in jobs:
        kind, printed, cut_short = classify(job)
        kinds[kind] += 1
        if kind == "undecodable":
            undecodable.append(f"{job['printer']} job {job['n']}: {job['decode_error']}")
        for qr in cut_short:
            short[qr] += 1
        for qr in printed:
            ticket = by_id.get(qr)
            if ticket is None:
                unknown_qr.append(f"{job['printer']} job {job['n']}: QR {qr!r:.60}")
                continue
            whole[qr].append(job)
            if printer_of.get(ticket.get(F.LOCATION)) != job["printer"]:
                wrong_printer.append(f"{qr} of {ticket.get(F.LOCATION)} on printer {job['printer']}")
            content.extend(job_content_problems(job, ticket))
    c.expect(not undecodable, f"{len(undecodable)} printer connections whose bytes did not decode: "
                              f"{sample(undecodable)}")
    c.expect(not unknown_qr, f"{len(unknown_qr)} printed receipts whose QR is no ticket's id: {sample(unknown_qr)}")
    c.expect(not wrong_printer, f"{len(wrong_printer)} tickets printed on another location's printer: "
                                f"{sample(wrong_printer)}")
    c.expect(not content, f"{len(content)} printed tickets without CP860 text, the service name with its accents, "
                          f"or the ticket number: {sample(content)}")

    never, unexplained, told_not_printed, unsettled = [], [], [], []
    twice = collections.Counter()
    attempts_by_outcome = collections.Counter()
    failure_reasons = collections.Counter()
    for k in tickets:
        attempts = k.get(F.PRINT_ATTEMPTS) or []
        outcomes = collections.Counter(a.get(F.OUTCOME) for a in attempts)
        attempts_by_outcome.update(outcomes)
        for a in attempts:
            if a.get(F.OUTCOME) == OUTCOME_FAILED:
                failure_reasons[str(a.get(F.ERROR) or "")[:60]] += 1
        printed_attempts = outcomes[OUTCOME_PRINTED]
        reprints = sum(1 for a in attempts if a.get(F.REPRINT) and a.get(F.OUTCOME) in (OUTCOME_PRINTED,
                                                                                          OUTCOME_INTERRUPTED))
        interrupted = sum(1 for a in attempts if not a.get(F.REPRINT) and a.get(F.OUTCOME) == OUTCOME_INTERRUPTED)
        on_paper = len(whole.get(k[F.ID], []))
        if outcomes[OUTCOME_SENDING]:
            unsettled.append(f"{k[F.ID]}: {outcomes[OUTCOME_SENDING]} attempts still 'sending'")
        if on_paper == 0:
            never.append(f"{k[F.ID]} ({k.get(F.STATUS)}, attempts {dict(outcomes)}, cut short {short[k[F.ID]]})")
            continue
        if on_paper > 1:
            # Each print beyond the first needs a reprint or an interrupted attempt to explain it.
            if on_paper - 1 > reprints + interrupted:
                unexplained.append(f"{k[F.ID]}: on paper {on_paper} times, attempts "
                                   f"{[(a.get(F.OUTCOME), a.get(F.REPRINT)) for a in attempts]}")
                twice["unexplained"] += 1
            elif reprints:
                twice["reprint"] += 1
            else:
                twice["after_interrupted_attempt"] += 1
        if printed_attempts > on_paper:
            told_not_printed.append(f"{k[F.ID]}: {printed_attempts} attempts 'printed', on paper {on_paper} times")
        if isinstance(k.get(F.PRINTS), int) and k[F.PRINTS] < 1:
            told_not_printed.append(f"{k[F.ID]}: on paper, yet prints = {k[F.PRINTS]}")
    c.expect(not never, f"{len(never)} tickets never printed whole (no cut job of their printer has their QR): "
                        f"{sample(never)}")
    c.expect(not unexplained, f"{len(unexplained)} tickets printed more than once with no reprint or interrupted "
                              f"attempt to explain it: {sample(unexplained)}")
    c.expect(not told_not_printed, f"{len(told_not_printed)} tickets whose print record does not match the paper: "
                                   f"{sample(told_not_printed)}")
    c.expect(not unsettled, f"{len(unsettled)} tickets with a print attempt left 'sending': {sample(unsettled)}")

    dropped = {p.name: sum(1 for e in events[p.name] if e.get("event") == "dropped") for p in printers}
    accepted = {}
    for p in printers:
        stopped = [e for e in events[p.name] if e.get("event") == "stopped"]
        accepted[p.name] = stopped[-1].get("connections") if stopped else None
        read = sum(1 for j in jobs if j["printer"] == p.name)
        c.expect(accepted[p.name] is not None and accepted[p.name] == read + dropped[p.name],
                 f"printer {p.name}: {accepted[p.name]} connections accepted, {read} stored and {dropped[p.name]} "
                 f"dropped (the double did not finish every job)")
    c.expect(sum(dropped.values()) > 0, "the printer doubles dropped no connection (the test needs some)")
    first_print = []
    for k in tickets:
        made = parse_time(k.get(F.CREATED_AT))
        done = [parse_time(a.get(F.FINISHED_AT)) for a in k.get(F.PRINT_ATTEMPTS) or []
                if a.get(F.OUTCOME) == OUTCOME_PRINTED]
        done = [d for d in done if d]
        if made and done:
            first_print.append((min(done) - made).total_seconds())
    c.numbers["printing"] = {
        "connections": accepted, "dropped": dropped, "jobs_by_kind": dict(kinds),
        "printed_whole": sum(len(v) for v in whole.values()), "cut_short": sum(short.values()),
        "attempts_by_outcome": dict(attempts_by_outcome), "print_attempts_failed": attempts_by_outcome[OUTCOME_FAILED],
        "failure_reasons": dict(failure_reasons.most_common(4)),
        "tickets_printed_more_than_once": dict(twice), "ticket_to_printed_seconds": percentiles(first_print)}


def job_content_problems(job: dict, ticket: dict) -> list[str]:
    """4. A printed ticket: CP860 in force, its service name (accents intact) on a line decoded
    through CP860, its ticket number on a line."""
    decoded = job["job"]
    where = f"{job['printer']} job {job['n']} ({ticket[F.ID]})"
    problems = []
    if decoded.get("code_page") != CODE_PAGE:
        problems.append(f"{where}: code page {decoded.get('code_page')}, selections "
                        f"{[s.get('code_page') for s in decoded.get('code_page_selections') or []]}")
    lines = decoded.get("lines") or []
    name = ticket.get(F.SERVICE_NAME) or ""
    named = [line for line in lines if name and name in line.get("text", "")]
    if not named:
        problems.append(f"{where}: no line shows {name!r}: {[line.get('text') for line in lines][:6]}")
    elif not any(line.get("code_page") == CODE_PAGE for line in named):
        problems.append(f"{where}: {name!r} printed in {[line.get('code_page') for line in named]}")
    number = ticket.get(F.TICKET_NUMBER) or ""
    if not number or not any(number in line.get("text", "") for line in lines):
        problems.append(f"{where}: no line shows the ticket number {number!r}")
    return problems


def check_integration_status(c: Checks, status: dict, total: int, one_day: bool) -> None:
    """6. The integration status counts a ticket for every paid session and reports no issue."""
    summary = status.get(F.SUMMARY) or {}
    health = status.get(F.HEALTH) or {}
    paid, made = summary.get(F.PAID_SESSIONS), summary.get(F.TICKETS_CREATED)
    c.expect(paid is not None and paid == made,
             f"integration status: paid_sessions {paid}, tickets_created {made} (want equal): {summary}")
    if one_day:  # the default window is today: all the run's sessions are in it
        c.expect(summary.get(F.TOTAL_SESSIONS) == total and paid == total,
                 f"integration status: total_payment_sessions {summary.get(F.TOTAL_SESSIONS)}, paid_sessions {paid}, "
                 f"want {total} each")
    issues = health.get(F.ISSUES)
    c.expect(issues == [], f"integration status reports issues: {json.dumps(issues, ensure_ascii=False)[:400]} "
                           f"(health {health.get('status')})")
    c.numbers["integration_status"] = {"summary": summary, "health": health.get("status")}


# ---------------------------------------------------------------------------- main

def setup_locations(api: Api, printers: list[Printer], count: int) -> list[dict]:
    locations = []
    for spec, printer in zip(LOCATIONS[:count], printers):
        location = api.ok("POST", PATH_LOCATIONS, location_body(spec, printer.port), statuses=(201,))
        service = api.ok("POST", PATH_SERVICES.format(location_id=location[F.ID]), service_body(spec), statuses=(201,))
        locations.append({"id": location[F.ID], "service_id": service[F.ID], "spec": spec})
    return locations


def print_summary(s: dict, violations: list[str]) -> None:
    keys = ["kills", "kill_times_utc", "load_seconds", "settle_seconds", "seconds", "client", "sessions", "tickets",
            "sequences", "printing", "asaas", "paid_to_ticket_seconds", "faults_injected", "webhook_deliveries",
            "integration_status", "hub"]
    header = f"database: {s.get('database')}   payments: {s.get('payments')}   locations: {s.get('locations')}"
    hubmod.print_summary("kiosk crash test", header, keys, s, violations)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("PONTE_TEST_DATABASE", ""),
                        help="SQLite file path or postgres:// URL of a server (a fresh database is created on it); "
                             "default: a SQLite file in a temporary directory")
    parser.add_argument("--payments", type=int, default=500, help="payment sessions (customers), default 500")
    parser.add_argument("--locations", type=int, default=2, choices=range(1, len(LOCATIONS) + 1),
                        help="kiosk locations, each with its own service, prefix and printer double")
    parser.add_argument("--workers", type=int, default=8, help="customer threads")
    parser.add_argument("--pix-share", type=float, default=0.6, help="share of PIX payments (the rest by card)")
    parser.add_argument("--second-webhook-share", type=float, default=0.4,
                        help="share of payments for which the test posts the other paid webhook itself")
    parser.add_argument("--drop-every", type=int, default=5, help="each printer double resets every Nth connection")
    parser.add_argument("--kill-at", default="0.3,0.6", help="fractions of the work after which the hub is killed")
    parser.add_argument("--replays", type=int, default=25, help="creations sent again after each restart")
    parser.add_argument("--settle-timeout", type=float, default=120.0,
                        help="after the load, how long everything may take to settle, in seconds")
    parser.add_argument("--deadline", type=float, default=280.0,
                        help="the whole run's limit, in seconds (scripts/test's timeout is 300)")
    parser.add_argument("--scan-qr", action="store_true",
                        help="the printer doubles also read each QR back from the rendered image (OpenCV; slow)")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PONTE_CHAOS_SEED", "20261203")))
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()

    # `timeout` (scripts/test) sends SIGTERM: leave through the cleanup below, not around it.
    def terminated(*_):
        raise HarnessError("terminated by SIGTERM (the caller's timeout?)")
    signal.signal(signal.SIGTERM, terminated)
    started = time.monotonic()
    kill_at = [float(x) for x in args.kill_at.split(",") if x]
    summary: dict = {"test": "kiosk_crash",
                     "database": "postgres" if hubmod.is_postgres(args.database) else "sqlite",
                     "payments": args.payments, "locations": args.locations, "seed": args.seed}
    checks = Checks()
    log_dir = tempfile.mkdtemp(prefix="ponte-kiosk-crash-")
    database = hub = sandbox = None
    printers: list[Printer] = []
    load = None
    ok_exit = 2
    try:
        escpos_py = escpos_python()
        for i in range(args.locations):
            printers.append(Printer(escpos_py, f"loc{i + 1}", log_dir, args.drop_every, args.deadline + 60,
                                    args.scan_qr))
        database = hubmod.Database(args.database, prefix="ponte_kiosk")
        hub_port = hubmod.free_port()
        sandbox = Sandbox(f"http://127.0.0.1:{hub_port}", log_dir, args.seed)
        hub = hubmod.SandboxedHub(database.url, sandbox.base, hub_port, log_dir)
        hub.start(ready_timeout=60)
        print(f"kiosk-crash: hub {hub.base_url} on {database.describe()}, sandbox {sandbox.base}, printers "
              f"{[p.port for p in printers]}; logs in {log_dir}", file=sys.stderr)
        api = Api(hub.base_url, hub.token("admin", ("--ttl", "1h")), started + args.deadline)
        locations = setup_locations(api, printers, args.locations)
        sandbox.set_faults(FAULTS)
        days_at_start = (datetime.datetime.now(datetime.timezone.utc).date(), datetime.datetime.now(BRAZIL).date())

        tasks = plan(args.payments, args.seed, args.locations, args.pix_share, args.second_webhook_share)
        rng = random.Random(args.seed)
        load = Load(api, sandbox, locations, tasks, args.workers)
        load_start = time.monotonic()
        load.start()

        def after_restart() -> dict:
            replayed, wrong = replay_sample(api, tasks, rng, args.replays)
            checks.expect(not wrong, f"{len(wrong)} of {replayed} sessions sent again with their Idempotency-Key "
                                     f"after the restart were not answered with the same session: {sample(wrong)}")
            return {"replayed_after_restart": replayed}

        summary["kills"] = hubmod.run_load_killing_hub(load, hub, len(tasks), kill_at, started + args.deadline,
                                                       checks, "payments", "kiosk-crash", after_restart)
        summary["load_seconds"] = round(time.monotonic() - load_start, 1)
        checks.expect(not load.anomalies, f"{len(load.anomalies)} wrong answers: {sample(load.anomalies)}")

        # ---- settle
        left = started + args.deadline - time.monotonic() - 40
        settle_seconds, still = wait_settled(api, locations, tasks, min(args.settle_timeout, left))
        summary["settle_seconds"] = round(settle_seconds, 1)
        checks.expect(not any(v for k, v in still.items() if k != "ticket_statuses"),
                      f"not settled after {settle_seconds:.0f}s: {still}")

        # ---- collect (the integration status while the printers still answer)
        status = api.ok("GET", PATH_INTEGRATION_STATUS, statuses=(200,))
        dead = api.pages("/jobs", {"status": "dead"})
        failed_webhooks = api.pages("/webhooks", {"status": "failed"})
        payments = sandbox.asaas_payments()
        ledger = sandbox.get("/_sandbox/ledger").json()
        overview = sandbox.get("/_sandbox").json()
        deliveries = sandbox.get("/_sandbox/webhooks").json()["deliveries"]
        for p in printers:
            p.stop()
        events = {p.name: p.events() for p in printers}
        jobs = [j for p in printers for j in p.jobs()]
        tickets = list_tickets(api, locations)
        if any(F.PRINT_ATTEMPTS not in k for k in tickets):  # the listing may leave the attempts out
            details = fetch_all(api, [PATH_TICKET.format(ticket_id=k[F.ID]) for k in tickets])
            tickets = [details[PATH_TICKET.format(ticket_id=k[F.ID])] for k in tickets]
        sessions_read = fetch_all(api, [PATH_SESSION.format(session_id=t.session_id) for t in tasks if t.session_id])
        sessions = {s[F.ID]: s for s in sessions_read.values()}
        days_at_end = (datetime.datetime.now(datetime.timezone.utc).date(), datetime.datetime.now(BRAZIL).date())

        # ---- check
        check_sessions(checks, tasks, locations, sessions, tickets)
        check_asaas(checks, tasks, sessions, payments, ledger)
        check_numbering(checks, tickets, locations)
        check_prints(checks, tickets, locations, printers, jobs, events)
        checks.expect(not dead, f"{len(dead)} dead jobs: "
                                f"{[(j['kind'], (j.get('last_error') or '')[:120]) for j in dead[:3]]}")
        checks.expect(not failed_webhooks, f"{len(failed_webhooks)} stored webhooks failed: "
                                           f"{[(w['provider'], w['event_type']) for w in failed_webhooks[:3]]}")
        injected = overview.get("faults_injected", {})
        summary["faults_injected"] = injected
        for kind in ("webhook_duplicate", "webhook_reorder"):
            checks.expect(injected.get("asaas", {}).get(kind, 0) > 0, f"the sandbox injected no asaas {kind}")
        summary["webhook_deliveries"] = {"last_logged": len(deliveries),
                                         "by_status": dict(collections.Counter(d["status"] for d in deliveries)),
                                         "second_webhooks_by_answer": dict(load.extra_webhooks)}
        given_up = [(d["provider"], d["event_type"], d.get("last_error"))
                    for d in deliveries if d["status"] == "failed"]
        checks.expect(not given_up, f"the sandbox gave up delivering {len(given_up)} of its last {len(deliveries)} "
                                    f"webhooks: {sample(given_up)}")
        checks.expect(any(t.extra_sent for t in tasks) or args.second_webhook_share == 0,
                      "the test posted none of its second webhooks")
        check_integration_status(checks, status, len(tasks), days_at_start == days_at_end)
        summary["client"] = {"hub_requests": api.requests, "connection_errors": api.connection_errors,
                             "server_errors": len(api.server_errors),
                             "idempotent_replays": sum(1 for t in tasks if t.replayed),
                             "in_progress_answers": load.in_progress_answers,
                             "paid": sum(1 for t in tasks if t.paid),
                             "second_webhooks": sum(1 for t in tasks if t.extra_sent)}
        checks.expect(not api.server_errors, f"{len(api.server_errors)} 5xx answers from the hub: "
                                             f"{sample(api.server_errors)}")
        summary["hub"] = {"starts": hub.starts, "restarts": hub.starts - 1, "dead_jobs": len(dead),
                          "failed_webhooks": len(failed_webhooks)}
        code = hub.stop(timeout=15)
        checks.expect(code == 0, f"after SIGTERM the hub exited {code} (want 0 within 15 s)")
        ok_exit = 1 if checks.violations else 0
    except Exception as exc:  # harness or setup failure: exit 2
        summary["error"] = str(exc).splitlines()[0] if str(exc) else repr(exc)
        print(f"kiosk-crash: error: {exc}", file=sys.stderr)
        if hub is not None:
            print(hub.log_tail(6000), file=sys.stderr)
        ok_exit = 2
    finally:
        if load is not None:
            load.stop.set()
        if hub is not None:
            hub.kill()
        for p in printers:
            p.stop()
        if sandbox is not None:
            sandbox.stop()
        if database is not None:
            database.drop()

    return hubmod.finish("kiosk-crash", summary, checks, started, ok_exit, log_dir, args.keep_logs, print_summary)


if __name__ == "__main__":
    sys.exit(main())
