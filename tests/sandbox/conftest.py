"""Fixtures for the sandbox tests: a real `ponte sandbox` on a free loopback port whose
webhooks go to a small recording receiver, so the providers' official SDKs can be
pointed at the simulators and their own verifiers can check what the sandbox signs.

The sandbox and the SDKs use the credentials in CREDENTIALS (passed as the same
environment variables the hub reads)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import hub as hubmod  # noqa: E402

CREDENTIALS = {
    "STRIPE_SECRET_KEY": "sk_test_interop_4eC39HqLyjWDarjtT1zdp7dc",
    "STRIPE_WEBHOOK_SECRET": "whsec_interop_sandbox_secret",
    "ASAAS_API_KEY": "$aact_hmlg_interop_key",
    "ASAAS_WEBHOOK_TOKEN": "interop-asaas-webhook-token",
    "IFOOD_CLIENT_ID": "interop-ifood-client",
    "IFOOD_CLIENT_SECRET": "interop-ifood-secret",
    "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
    "TWILIO_AUTH_TOKEN": "interop_twilio_auth_token_0123456",
}


class Received:
    """One request the receiver got: method, path (with query), headers, raw body."""

    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        return json.loads(self.body)


class WebhookReceiver:
    """Records every POST and answers 200 (what a hub would do); thread-safe."""

    def __init__(self):
        self.received: list[Received] = []
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(Received("POST", self.path, dict(self.headers.items()), body))
                    receiver._lock.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"received": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, predicate, timeout: float = 15.0) -> Received:
        """The first received request matching predicate, waiting up to timeout seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for item in self.received:
                    if predicate(item):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    paths = [r.path for r in self.received]
                    raise AssertionError(f"no matching webhook within {timeout}s; received: {paths}")
                self._lock.wait(left)

    def close(self):
        self.server.shutdown()


class SandboxProcess:
    """A running `ponte sandbox`; `url(provider)` is the base URL to give an SDK."""

    def __init__(self, webhook_url: str):
        self.port = hubmod.free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="ponte-sandbox-", suffix=".log", delete=False)
        env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
        env.update(CREDENTIALS)
        env["PONTE_SANDBOX_SEED"] = "7"
        cmd = [hubmod.ponte_bin(), "sandbox", "--port", str(self.port), "--webhook-url", webhook_url]
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.base_url}/_sandbox", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ponte sandbox did not start; log: {self.log_tail()}")
            time.sleep(0.1)

    def url(self, provider: str) -> str:
        return f"{self.base_url}/{provider}"

    def control(self, method: str, path: str, body=None):
        """Calls the control API (path under /_sandbox); returns (status, parsed JSON or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}/_sandbox{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, (json.loads(raw) if raw else None)

    def log_tail(self, lines: int = 40) -> str:
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def stop(self) -> int | None:
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


@pytest.fixture(scope="session")
def receiver():
    r = WebhookReceiver()
    yield r
    r.close()


@pytest.fixture(scope="session")
def sandbox(receiver):
    s = SandboxProcess(receiver.base_url)
    yield s
    code = s.stop()
    assert code == 0, f"`ponte sandbox` should exit 0 on SIGTERM, got {code}\n{s.log_tail()}"


@pytest.fixture(autouse=True)
def no_faults(sandbox):
    """Every test starts without faults."""
    sandbox.control("DELETE", "/faults")
    yield


@pytest.fixture(scope="session")
def credentials():
    return dict(CREDENTIALS)
