"""A newcomer's flow over real HTTP: `ponte serve --sandbox` with no provider credentials,
driven through the admin API, with the in-process simulators playing the outside world
(paying a PIX, placing an iFood order) and sending signed webhooks back to the hub."""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

import hub as hubmod

PROVIDERS = ("asaas", "ifood", "stripe", "twilio")
STRIPPED_PREFIXES = ("STRIPE_", "ASAAS_", "IFOOD_", "TWILIO_", "PONTE_")
SANDBOX_ASAAS_API_KEY = "$aact_hmlg_ponte_sandbox"  # SandboxCredentials.defaults
PERIODIC_KINDS = {"ifood.events.poll"}  # enqueued by the hub on its own schedule


class SandboxHub:
    """`ponte serve --sandbox` in a fresh temporary directory, logging to a file there."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ponte-e2e-")
        self.port, self.sandbox_port = hubmod.free_port(), hubmod.free_port()
        while self.sandbox_port == self.port:
            self.sandbox_port = hubmod.free_port()
        self.base, self.sandbox = f"http://127.0.0.1:{self.port}", f"http://127.0.0.1:{self.sandbox_port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(STRIPPED_PREFIXES)}
        self.env.update({
            "PONTE_PORT": str(self.port),
            "PONTE_SANDBOX_PORT": str(self.sandbox_port),
            "PONTE_DATABASE_URL": os.path.join(self.dir, "ponte.sqlite"),
            "PONTE_JWT_SECRET": secrets.token_hex(24),
        })
        self.log_path = os.path.join(self.dir, "ponte.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([hubmod.ponte_bin(), "serve", "--sandbox"], cwd=self.dir, env=self.env,
                                     stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            self._wait_ready()
            self.http = requests.Session()
            self.http.headers["Authorization"] = f"Bearer {self._admin_token()}"
        except BaseException:
            self.proc.kill()
            raise

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"ponte serve exited with {self.proc.returncode}\n{self.log_tail()}"
            try:
                if requests.get(f"{self.base}/ready", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"GET /ready was not 200 within {timeout}s\n{self.log_tail()}")

    def _admin_token(self) -> str:
        out = subprocess.run([hubmod.ponte_bin(), "token", "create", "--role", "admin"], cwd=self.dir,
                             env=self.env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().splitlines()[-1]

    def api(self, method: str, path: str, body=None) -> requests.Response:
        return self.http.request(method, f"{self.base}/api/v1{path}", json=body, timeout=10)

    def enqueue(self, operation: str, params: dict, key: str | None = None) -> dict:
        body = {"operation": operation, "params": params, **({"key": key} if key else {})}
        response = self.api("POST", "/outbound", body)
        assert response.status_code == 202, response.text
        return response.json()["job"]

    def wait_job(self, job_id: str, statuses=("succeeded", "dead", "cancelled")) -> dict:
        def finished():
            job = self.api("GET", f"/jobs/{job_id}").json()
            return job if job["status"] in statuses else None

        return poll(finished, f"job {job_id} to finish")

    def run(self, operation: str, params: dict, key: str | None = None) -> dict:
        job = self.wait_job(self.enqueue(operation, params, key)["id"])
        assert job["status"] == "succeeded", f"{operation}: {job['status']}: {job['last_error']}"
        return job["result"]

    def webhooks(self, provider: str, mentioning: str, event_type: str | None = None) -> list[dict]:
        """Stored webhooks of provider whose exact received body contains `mentioning`."""
        response = self.api("GET", f"/webhooks?provider={provider}&limit=500")
        assert response.status_code == 200, response.text
        listed = [w for w in response.json()["data"] if event_type in (None, w["event_type"])]
        return [w for w in listed if mentioning in self.api("GET", f"/webhooks/{w['id']}").json()["body"]]

    def provider_jobs(self) -> int:
        jobs = self.api("GET", "/jobs?queue=providers&limit=500").json()["data"]
        return sum(1 for job in jobs if job["kind"] not in PERIODIC_KINDS)

    def ledger(self) -> list[dict]:
        return requests.get(f"{self.sandbox}/_sandbox/ledger", timeout=10).json()["entries"]

    def log_tail(self, lines: int = 60) -> str:
        self._log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def stop(self) -> int | None:
        """SIGTERM; the exit code, or None if it had to be killed after 15 s."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None
        finally:
            self._log.close()


def poll(check, what: str, timeout: float = 15.0):
    """The first truthy value of check(), retried until timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def hub():
    h = SandboxHub()
    yield h
    code = h.stop()
    assert code == 0, f"ponte serve should exit 0 within 15 s of SIGTERM, got {code}\n{h.log_tail()}"
    shutil.rmtree(h.dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_faults(hub):
    """Clears faults in the hub's own simulators; replaces conftest's separate sandbox."""
    assert requests.delete(f"{hub.sandbox}/_sandbox/faults", timeout=10).status_code in (200, 204)


@pytest.fixture(autouse=True)
def hub_log_on_failure(request, hub):
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        print(f"---- tail of {hub.log_path} ----\n{hub.log_tail()}")


def test_integrations_health_with_a_connection_test(hub):
    assert requests.get(f"{hub.base}/api/v1/integrations/health", timeout=10).status_code == 401
    response = hub.api("GET", "/integrations/health?test=true")
    assert response.status_code == 200, response.text
    by_provider = {entry["provider"]: entry for entry in response.json()["integrations"]}
    assert set(PROVIDERS) <= set(by_provider)
    for name in PROVIDERS:
        entry = by_provider[name]
        assert entry["configured"] is True, entry
        assert entry["connection_test"]["passed"] is True, entry
        assert entry["status"] == "healthy", entry


def test_stripe_payment_is_charged_once_and_its_signed_webhooks_are_stored(hub):
    job = hub.enqueue("stripe.payment_intent.create",
                      {"amount": 4990, "currency": "brl", "payment_method": "pm_card_visa", "confirm": True},
                      key="e2e-order-1")
    # The answer shows the job as stored when it was read back: an idle worker may already
    # have claimed (or even finished) it.
    assert job["status"] in ("pending", "running", "succeeded") and job["provider"] == "stripe"
    done = hub.wait_job(job["id"])
    assert done["status"] == "succeeded", done["last_error"]
    intent = done["result"]
    assert intent["id"].startswith("pi_") and intent["status"] == "succeeded"
    assert intent["amount_received"] == 4990

    charges = [e for e in hub.ledger() if e["provider"] == "stripe" and e["reference"] == "e2e-order-1"]
    assert [(c["kind"], c["amount"]) for c in charges] == [("charge", 4990)]

    def settled_events():
        ours = hub.webhooks("stripe", mentioning=intent["id"])
        complete = {"payment_intent.created", "payment_intent.succeeded"} <= {w["event_type"] for w in ours}
        return complete and all(w["status"] == "ignored" for w in ours) and ours

    for event in poll(settled_events, f"stripe webhooks of {intent['id']} to be stored and ignored"):
        assert event["reason"], event


def test_a_declined_card_dead_letters_without_retrying(hub):
    job = hub.enqueue("stripe.payment_intent.create",
                      {"amount": 1500, "currency": "brl", "payment_method": "pm_card_chargeDeclined", "confirm": True})
    done = hub.wait_job(job["id"])
    assert done["status"] == "dead", done
    assert "card_declined" in done["last_error"], done["last_error"]
    assert done["attempts"] == 1


def test_invalid_requests_are_refused_and_enqueue_nothing(hub):
    before = hub.provider_jobs()
    cases = [
        ({"operation": "stripe.nope.create", "params": {}}, "UNKNOWN_OPERATION"),
        ({"operation": "stripe.payment_intent.create", "params": {"currency": "brl"}}, "INVALID_PARAMETERS"),
    ]
    for body, code in cases:
        response = hub.api("POST", "/outbound", body)
        assert response.status_code == 400 and response.json()["error"]["code"] == code, response.text
    response = hub.http.post(f"{hub.base}/api/v1/outbound", data=b'{"operation": "stripe.', timeout=10,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "INVALID_JSON", response.text
    assert hub.provider_jobs() == before


def test_asaas_pix_charge_paid_from_outside_then_refunded(hub):
    customer = hub.run("asaas.customer.create", {"name": "Maria Souza", "cpf_cnpj": "52998224725"})
    assert re.fullmatch(r"cus_\d{12}", customer["id"]), customer
    due = (datetime.now(timezone(timedelta(hours=-3))) + timedelta(days=3)).strftime("%Y-%m-%d")
    payment = hub.run("asaas.payment.create",
                      {"customer": customer["id"], "billing_type": "PIX", "value": 12990, "due_date": due})
    assert payment["id"].startswith("pay_") and payment["status"] == "PENDING" and payment["value"] == 12990
    qr = hub.run("asaas.payment.pix_qr_code", {"payment": payment["id"]})
    assert qr["payload"].startswith("000201") and "br.gov.bcb.pix" in qr["payload"].lower()
    assert base64.b64decode(qr["encoded_image"]).startswith(b"\x89PNG\r\n\x1a\n")

    paid = requests.post(f"{hub.sandbox}/asaas/v3/sandbox/payment/{payment['id']}/confirm",
                         headers={"access_token": SANDBOX_ASAAS_API_KEY}, timeout=10)
    assert paid.status_code == 200 and paid.json()["status"] == "RECEIVED", paid.text
    poll(lambda: hub.webhooks("asaas", payment["id"], "PAYMENT_RECEIVED"), "the PAYMENT_RECEIVED webhook")

    refund = hub.run("asaas.payment.refund", {"payment": payment["id"]})
    assert refund["status"] == "REFUNDED" and refund["refunded"] == 12990
    refunds = [e for e in hub.ledger()
               if e["provider"] == "asaas" and e["kind"] == "refund" and e["payment_id"] == payment["id"]]
    assert [r["amount"] for r in refunds] == [12990]


def test_ifood_order_placed_then_confirmed(hub):
    placed = requests.post(f"{hub.sandbox}/_sandbox/ifood/orders", json={}, timeout=10)
    assert placed.status_code in (200, 201), placed.text
    order_id = placed.json()["id"]
    poll(lambda: hub.webhooks("ifood", order_id, "PLACED"), f"the PLACED event of order {order_id}")
    result = hub.run("ifood.order.confirm", {"order_id": order_id})
    assert result["order_id"] == order_id and result["accepted"] is True
    poll(lambda: hub.webhooks("ifood", order_id, "CONFIRMED"), f"the CONFIRMED event of order {order_id}")


def test_twilio_whatsapp_message_and_its_status_callbacks(hub):
    message = hub.run("twilio.message.send", {
        "to": "whatsapp:+5511999998888", "from": "whatsapp:+14155238886", "body": "Pedido confirmado",
        "status_callback": f"{hub.base}/webhooks/twilio",
    })
    assert message["sid"].startswith("SM") and message["to"] == "whatsapp:+5511999998888"
    callbacks = poll(lambda: hub.webhooks("twilio", message["sid"]), f"status callbacks of {message['sid']}")
    assert all(w["provider"] == "twilio" and w["event_id"].startswith(message["sid"]) for w in callbacks)


def test_metrics_count_provider_calls(hub):
    response = requests.get(f"{hub.base}/metrics", timeout=10)
    assert response.status_code == 200
    calls = [line for line in response.text.splitlines() if line.startswith("ponte_provider_calls_total{")]
    assert any('provider="stripe"' in line for line in calls), calls
