"""Shared helpers for the Python tests: start a real `ponte serve`, give it a fresh
database, mint tokens, sign Stripe payloads with the standard library; and, for the
crash-and-chaos tests (tests/crash), a separate `ponte sandbox` process, a hub that calls it,
and the admin API client that retries while the hub is down.

Environment:
  PONTE_BIN            the binary (default: .build/debug/ponte under the repository root)
  PONTE_TEST_DATABASE  a SQLite file path or a postgres:// URL (default: a SQLite file
                       in a temporary directory). For PostgreSQL a fresh database
                       (CREATE DATABASE <prefix>_<random>) is made on that server and
                       dropped afterwards, so runs never share the hub's tables.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Provider secret variables the hub reads; stripped from the inherited environment
# so that only what a test sets is configured.
PROVIDER_SECRET_VARS = (
    "STRIPE_WEBHOOK_SECRET",
    "SQUARE_WEBHOOK_SIGNATURE_KEY",
    "SQUARE_WEBHOOK_URL",
    "QUICKBOOKS_WEBHOOK_TOKEN",
    "TWILIO_AUTH_TOKEN",
    "IFOOD_CLIENT_SECRET",
    "ASAAS_WEBHOOK_TOKEN",
    "MAILCHIMP_WEBHOOK_SECRET",
    "STANDARD_WEBHOOK_SECRET",
)
PONTE_VARS = (
    "PONTE_HOST",
    "PONTE_PORT",
    "PONTE_DATABASE_URL",
    "PONTE_CONFIG",
    "PONTE_PUBLIC_URL",
    "PONTE_JWT_SECRET",
)


def ponte_bin() -> str:
    path = os.environ.get("PONTE_BIN") or os.path.join(REPO_ROOT, ".build", "debug", "ponte")
    if not os.path.isabs(path):
        path = os.path.join(REPO_ROOT, path)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_postgres(spec: str) -> bool:
    return spec.startswith("postgres://") or spec.startswith("postgresql://")


def _psql() -> str:
    found = shutil.which("psql")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
    if candidates:
        return candidates[-1]
    raise RuntimeError("psql not found (install postgresql-client or run scripts/postgres start)")


def _with_dbname(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


class Database:
    """A fresh database for one hub session: a SQLite file in a temporary
    directory, or a new PostgreSQL database on the server named by spec."""

    def __init__(self, spec: str | None = None, prefix: str = "ponte_interop"):
        spec = spec if spec is not None else os.environ.get("PONTE_TEST_DATABASE", "")
        self.kind = "postgres" if is_postgres(spec) else "sqlite"
        self._tmpdir = None
        self._admin_url = None
        self._name = None
        if self.kind == "postgres":
            self._admin_url = spec
            self._name = f"{prefix}_{secrets.token_hex(6)}"
            self._sql(f'CREATE DATABASE "{self._name}"')
            self.url = _with_dbname(spec, self._name)
        elif spec:
            # An explicit SQLite path: used as given (the caller owns freshness).
            self.url = os.path.abspath(spec)
        else:
            self._tmpdir = tempfile.mkdtemp(prefix=f"{prefix}-")
            self.url = os.path.join(self._tmpdir, "ponte.sqlite")

    def _sql(self, statement: str) -> None:
        subprocess.run(
            [_psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self._admin_url, "-c", statement],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def drop(self) -> None:
        if self.kind == "postgres" and self._name:
            try:
                self._sql(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
            except subprocess.CalledProcessError as exc:  # report, do not mask the real result
                print(f"warning: could not drop database {self._name}: {exc}")
            self._name = None
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def describe(self) -> str:
        return f"{self.kind}:{self.url}"


def default_secrets() -> dict[str, str]:
    """Fresh random secrets in each provider's own format."""
    return {
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
        "SQUARE_WEBHOOK_SIGNATURE_KEY": secrets.token_urlsafe(16),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "STANDARD_WEBHOOK_SECRET": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
        "PONTE_JWT_SECRET": secrets.token_hex(32),
    }


class Hub:
    """One `ponte serve` process on 127.0.0.1 with a log file."""

    def __init__(self, database_url: str, secrets_env: dict[str, str], port: int | None = None,
                 log_dir: str | None = None):
        self.database_url = database_url
        self.secrets = dict(secrets_env)
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_dir = log_dir or tempfile.mkdtemp(prefix="ponte-hub-log-")
        self.proc: subprocess.Popen | None = None
        self.log_path: str | None = None
        self._log_file = None
        self.starts = 0

    # -- environment -------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in PROVIDER_SECRET_VARS and k not in PONTE_VARS}
        env.update(self.secrets)
        env["PONTE_PUBLIC_URL"] = self.base_url
        return env

    # -- process -----------------------------------------------------------
    def start(self, ready_timeout: float = 60.0) -> None:
        binary = ponte_bin()
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"ponte binary not found or not executable: {binary} (set PONTE_BIN)")
        self.starts += 1
        self.log_path = os.path.join(self.log_dir, f"hub-{self.port}-{self.starts}.log")
        self._log_file = open(self.log_path, "wb")
        cmd = [binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--database", self.database_url]
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=self._log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.log_dir)
        self.wait_ready(ready_timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ponte serve exited with {self.proc.returncode} before /ready\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/ready", timeout=2) as resp:
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}"
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
            except (urllib.error.URLError, ConnectionError, socket.timeout, OSError) as exc:
                last = repr(exc)
            time.sleep(0.1)
        log = self.log_tail()
        self.kill()
        raise RuntimeError(f"GET /ready did not return 200 within {timeout:.0f}s (last: {last})\n{log}")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then wait up to timeout seconds. Returns the exit code, or None
        if the process had to be killed after the timeout."""
        if self.proc is None:
            return 0
        code = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                code = None
        else:
            code = self.proc.returncode
        self._close_log()
        self.proc = None
        return code

    def kill(self) -> None:
        """SIGKILL, no grace."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def discard_logs(self) -> None:
        """Removes the log directory (call when the run passed; keep logs of a failure)."""
        self._close_log()
        shutil.rmtree(self.log_dir, ignore_errors=True)

    def log_tail(self, max_bytes: int = 20000) -> str:
        if not self.log_path or not os.path.exists(self.log_path):
            return "(no hub log)"
        if self._log_file is not None:
            self._log_file.flush()
        with open(self.log_path, "rb") as f:
            data = f.read()
        text = data[-max_bytes:].decode("utf-8", "replace")
        return f"---- hub log ({self.log_path}, last {min(len(data), max_bytes)} bytes) ----\n{text}\n---- end of hub log ----"

    # -- CLI ---------------------------------------------------------------
    def token(self, role: str = "admin", extra_args: tuple[str, ...] = ()) -> str:
        """`ponte token create --role ROLE` with the hub's PONTE_JWT_SECRET."""
        result = subprocess.run([ponte_bin(), "token", "create", "--role", role, *extra_args],
                                env=self.env(), capture_output=True, text=True, timeout=60, cwd=self.log_dir)
        if result.returncode != 0:
            raise TokenError(f"ponte token create --role {role} exited {result.returncode}: "
                             f"{result.stderr.strip() or result.stdout.strip()}")
        token = result.stdout.strip().splitlines()[-1].strip() if result.stdout.strip() else ""
        if token.count(".") != 2:
            raise TokenError(f"ponte token create printed no JWT: {result.stdout!r}")
        return token


class TokenError(RuntimeError):
    pass


# -- Stripe signing with the standard library (PROVIDERS.md 1.1) -----------
def stripe_signature_header(body: bytes, secret: str, timestamp: int | None = None) -> str:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{ts}.".encode() + body, hashlib.sha256)
    return f"t={ts},v1={mac.hexdigest()}"


def stripe_payment_intent_event(event_id: str, amount: int = 4990, created: int | None = None) -> bytes:
    """A realistic payment_intent.succeeded event (~1.5 KiB, pretty-printed like Stripe's)."""
    created = int(time.time()) if created is None else created
    pi_id = "pi_" + hashlib.sha256(event_id.encode()).hexdigest()[:24]
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": created,
        "data": {
            "object": {
                "id": pi_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_capturable": 0,
                "amount_received": amount,
                "capture_method": "automatic_async",
                "client_secret": pi_id + "_secret_" + hashlib.md5(event_id.encode()).hexdigest()[:20],
                "confirmation_method": "automatic",
                "created": created - 3,
                "currency": "brl",
                "customer": "cus_Q1w2e3r4t5y6u7",
                "description": "Pedido #1042 — Café São Jorge",
                "latest_charge": "ch_" + pi_id[3:],
                "livemode": False,
                "metadata": {"order_id": "1042", "store": "loja-centro"},
                "payment_method": "pm_1PxYz2AbCdEfGhIj",
                "payment_method_types": ["card"],
                "receipt_email": "cliente@example.com",
                "status": "succeeded",
            },
        },
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": "req_" + pi_id[3:17], "idempotency_key": "order-1042-pay"},
        "type": "payment_intent.succeeded",
    }
    return json.dumps(event, indent=2, ensure_ascii=False).encode("utf-8")


# -- a hub beside a separate `ponte sandbox` (the crash-and-chaos tests) ----
# The sandbox's default credentials (Sources/PonteSandbox/Core/SandboxCredentials.swift); hub
# and sandbox both take them when the environment sets none (SandboxWiring.agree).
SANDBOX_ASAAS_API_KEY = "$aact_hmlg_ponte_sandbox"
SANDBOX_ASAAS_WEBHOOK_TOKEN = "ponte-sandbox-asaas-token"
# Everything provider- or hub-related is stripped from the inherited environment, so only what
# the test sets is configured.
STRIPPED_PREFIXES = ("PONTE_", "STRIPE_", "ASAAS_", "IFOOD_", "TWILIO_", "SQUARE_", "QUICKBOOKS_", "MAILCHIMP_",
                     "STANDARD_WEBHOOK")


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(STRIPPED_PREFIXES)}


class HarnessError(RuntimeError):
    """The test could not do what it needed (setup, or the clock ran out): exit 2."""


class Sandbox:
    """`ponte sandbox` on a free loopback port, sending webhooks to the hub's base URL."""

    def __init__(self, hub_url: str, log_dir: str, seed: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(log_dir, "sandbox.log")
        self._log = open(self.log_path, "wb")
        cmd = [ponte_bin(), "sandbox", "--port", str(self.port), "--webhook-url", hub_url, "--seed", str(seed)]
        self.proc = subprocess.Popen(cmd, env=clean_env(), stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=log_dir)
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.base + "/_sandbox", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise HarnessError(f"ponte sandbox did not start (exit {self.proc.poll()}); see {self.log_path}")
            time.sleep(0.1)
        self.local = threading.local()

    @property
    def http(self) -> requests.Session:
        """A keep-alive session of the calling thread's own."""
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET with retries: a simulator with faults set may fail calls on purpose."""
        for _ in range(50):
            response = self.http.get(self.base + path, timeout=30, **kwargs)
            if response.status_code < 500:
                return response
            time.sleep(0.05)
        raise HarnessError(f"GET {path}: still {response.status_code} after 50 tries")

    def set_faults(self, faults: dict[str, dict]) -> None:
        """PUT /_sandbox/faults/{provider} for each provider in faults."""
        for provider, settings in faults.items():
            response = self.http.put(f"{self.base}/_sandbox/faults/{provider}", json=settings, timeout=10)
            if response.status_code != 200:
                raise HarnessError(f"setting {provider} faults: {response.status_code} {response.text[:200]!r}")

    def asaas_payments(self) -> list[dict]:
        """Every charge in the simulated Asaas account."""
        payments, offset = [], 0
        while True:
            response = self.get("/asaas/v3/payments", params={"offset": offset, "limit": 100},
                                headers={"access_token": SANDBOX_ASAAS_API_KEY})
            if response.status_code != 200:
                raise HarnessError(f"Asaas payments: {response.status_code} {response.text[:200]!r}")
            body = response.json()
            payments.extend(body["data"])
            if not body["hasMore"]:
                return payments
            offset += len(body["data"])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


class SandboxedHub(Hub):
    """`ponte serve` calling the separate sandbox (PONTE_SANDBOX_URL); nothing else configured."""

    def __init__(self, database_url: str, sandbox_url: str, port: int, log_dir: str):
        super().__init__(database_url, {"PONTE_JWT_SECRET": secrets.token_hex(32)}, port=port, log_dir=log_dir)
        self.sandbox_url = sandbox_url

    def env(self) -> dict[str, str]:
        env = clean_env()
        env.update(self.secrets)
        env["PONTE_PUBLIC_URL"] = self.base_url
        env["PONTE_SANDBOX_URL"] = self.sandbox_url
        return env


class Api:
    """The hub's admin API with one keep-alive session per thread. `call` retries while the hub
    is down (connection refused or reset by the kill) and on 5xx, up to a deadline; 5xx answers
    are counted, since a killed hub drops connections and never answers 500."""

    def __init__(self, base: str, token: str, deadline: float):
        self.root = base
        self.base = base + "/api/v1"
        self.token = token
        self.deadline = deadline
        self.local = threading.local()
        self.lock = threading.Lock()
        self.requests = 0
        self.connection_errors = 0
        self.server_errors: list[str] = []

    def session(self) -> requests.Session:
        s = getattr(self.local, "session", None)
        if s is None:
            s = self.local.session = requests.Session()
            s.headers["Authorization"] = f"Bearer {self.token}"
        return s

    def call(self, method: str, path: str, body=None, headers=None, params=None,
             root: bool = False) -> requests.Response:
        """The first answer below 500; its `tries` says how many requests it took. With root,
        path is under the hub's root (e.g. /webhooks/asaas), not /api/v1."""
        url = (self.root if root else self.base) + path
        tries = 0
        while True:
            tries += 1
            with self.lock:
                self.requests += 1
            if time.monotonic() > self.deadline:
                raise HarnessError(f"{method} {path}: the hub did not answer before the test's deadline")
            try:
                response = self.session().request(method, url, json=body, headers=headers,
                                                  params=params, timeout=15)
            except requests.RequestException:
                with self.lock:
                    self.connection_errors += 1
                self.local.session = None
                time.sleep(0.2)
                continue
            if response.status_code >= 500:
                with self.lock:
                    self.server_errors.append(f"{method} {path} -> {response.status_code} {response.text[:200]!r}")
                time.sleep(0.2)
                continue
            response.tries = tries
            return response

    def ok(self, method: str, path: str, body=None, params=None, statuses=(200, 201)) -> dict:
        response = self.call(method, path, body=body, params=params)
        if response.status_code not in statuses:
            raise HarnessError(f"{method} {path} -> {response.status_code} {response.text[:300]!r}")
        return response.json()

    def pages(self, path: str, params: dict, limit: int = 500) -> list[dict]:
        """Every row of a `{"data": [...], "next_cursor": ...}` listing."""
        rows, cursor = [], None
        for _ in range(1000):
            page = self.ok("GET", path, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
            rows.extend(page["data"])
            cursor = page.get("next_cursor")
            if not cursor:
                return rows
        raise HarnessError(f"GET {path}: pagination did not end")


class Checks:
    """Violations found (each one fails the test) and the numbers for the summary."""

    def __init__(self):
        self.violations: list[str] = []
        self.numbers: dict[str, object] = {}

    def expect(self, ok: bool, message: str) -> bool:
        if not ok:
            self.violations.append(message)
        return ok


def sample(items, n: int = 3) -> list:
    return list(items)[:n]


def print_summary(title: str, header: str, keys: list[str], s: dict, violations: list[str]) -> None:
    """A crash test's summary on stderr: `header`, then each of `keys` present in `s`."""
    out = sys.stderr
    print(f"\n==== {title}: summary ====", file=out)
    print(header, file=out)
    for key in keys:
        if key in s:
            print(f"  {key}: {json.dumps(s[key], ensure_ascii=False)}", file=out)
    if "error" in s:
        print(f"  ERROR (the test could not run to its end): {s['error']}", file=out)
    if violations:
        print(f"  FAILED: {len(violations)} violations", file=out)
        for v in violations:
            print(f"  VIOLATION: {v}", file=out)
    elif "error" not in s:
        print("  all checks passed", file=out)


def run_load_killing_hub(load, hub: Hub, total: int, kill_at: list[float], deadline: float, checks: Checks,
                         unit: str, name: str, after_restart) -> list[dict]:
    """Lets the started `load` (a `lock` condition, `done`, `next_task`, `stop`) do its `total`
    tasks, SIGKILLing the hub and starting it again each time a fraction in `kill_at` of them is
    done; `after_restart()` runs at once after each restart and returns what it adds to that
    kill's record. Returns the kills; raises HarnessError past the monotonic `deadline`."""
    load_start = time.monotonic()
    kills: list[dict] = []
    kill_times = checks.numbers.setdefault("kill_times_utc", [])

    def wait_done(target: int) -> None:
        while load.done < target and not load.stop.is_set():
            load.lock.wait(0.5)
            if time.monotonic() > deadline:
                raise HarnessError(f"only {load.done} of {total} {unit} done before the deadline")

    for fraction in kill_at:
        target = int(total * fraction)
        with load.lock:
            wait_done(target)
            in_flight = load.next_task - load.done
        if load.stop.is_set():
            break
        at = time.monotonic() - load_start
        kill_times.append(time.strftime("%H:%M:%S", time.gmtime()))
        hub.kill()
        down = time.monotonic()
        time.sleep(0.5)
        hub.start(ready_timeout=60)
        restart = round(time.monotonic() - down, 2)
        kills.append({"after_done": target, "at_seconds": round(at, 1), f"{unit}_in_flight": in_flight,
                      "restart_seconds": restart, **after_restart()})
        print(f"{name}: SIGKILL after {target} {unit} done ({in_flight} in flight), back in {restart}s",
              file=sys.stderr)
    with load.lock:
        wait_done(total)
    load.join(10)
    if load.errors:
        raise HarnessError("the load stopped: " + "; ".join(load.errors[:3]))
    checks.expect(len(kills) == len(kill_at), f"the hub was killed {len(kills)} times, want {len(kill_at)}")
    return kills


def finish(name: str, summary: dict, checks: Checks, started: float, ok_exit: int, log_dir: str,
           keep_logs: bool, print_summary_of) -> int:
    """A crash test's end: the summary (on stderr, then as one JSON line on stdout), its logs
    removed when it passed, and its exit code."""
    summary.update(checks.numbers)
    summary["seconds"] = round(time.monotonic() - started, 1)
    summary["ok"] = ok_exit == 0
    if checks.violations:
        summary["violations"] = [v[:400] for v in checks.violations[:8]]
    print_summary_of(summary, checks.violations)
    if ok_exit == 0 and not keep_logs:
        shutil.rmtree(log_dir, ignore_errors=True)
    else:
        print(f"{name}: logs kept in {log_dir}", file=sys.stderr)
    print(json.dumps(summary, ensure_ascii=False))
    return ok_exit
