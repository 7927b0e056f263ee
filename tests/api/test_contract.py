"""The API against its own OpenAPI document, fuzzed by schemathesis.

A real `ponte serve` on SQLite, with every provider secret configured and an admin token,
seeded with a stored webhook, a job and a stream event so that operations on ids reach
their real logic. schemathesis (https://schemathesis.readthedocs.io) then generates requests
for every documented operation, valid and invalid, and checks each answer: no 5xx, a
documented status, content type and headers, and a body that matches the documented schema.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import hub as hubmod  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])


def seed(hub, token):
    """A stored webhook, a job and a stream event, whose ids the fuzzer is given."""
    body = hubmod.stripe_payment_intent_event("evt_contract_1")
    secret = hub.secrets["STRIPE_WEBHOOK_SECRET"]
    ack = requests.post(f"{hub.base_url}/webhooks/stripe", data=body,
                        headers={"Stripe-Signature": hubmod.stripe_signature_header(body, secret)}, timeout=10)
    assert ack.status_code == 200, ack.text
    auth = {"Authorization": f"Bearer {token}"}
    queued = requests.post(f"{hub.base_url}/api/v1/outbound", headers=auth, timeout=10, json={
        "operation": "stripe.customer.create", "params": {"email": "ana@example.com"}, "key": "contract-1"})
    assert queued.status_code == 202, queued.text
    event = requests.post(f"{hub.base_url}/api/v1/streams/contract:1/events", headers=auth, timeout=10,
                          json={"type": "NOTICE", "data": {"text": "olá"}})
    assert event.status_code == 201, event.text
    return {"webhook": ack.json()["id"], "job": queued.json()["job"]["id"], "stream": "contract:1"}


def config(ids, token):
    """schemathesis.toml: the token, the hooks, and real ids for the operations that take them."""
    def operation(name, **parameters):
        values = ", ".join(f'"{key}" = {json.dumps(value)}' for key, value in parameters.items())
        return f'[[operations]]\ninclude-name = "{name}"\nparameters = {{ {values} }}\n'

    return "\n".join([
        f'headers = {{ Authorization = "Bearer {token}" }}',
        'hooks = "contract_hooks"',
        "request-timeout = 20",
        "",
        operation("GET /api/v1/webhooks/{id}", id=ids["webhook"]),
        operation("POST /api/v1/webhooks/{id}/replay", id=ids["webhook"]),
        operation("GET /api/v1/jobs/{id}", id=ids["job"]),
        operation("POST /api/v1/jobs/{id}/retry", id=ids["job"]),
        operation("POST /api/v1/jobs/{id}/cancel", id=ids["job"]),
        operation("GET /api/v1/streams/{stream}/events", stream=ids["stream"]),
    ])


def test_every_operation_answers_as_documented():
    directory = tempfile.mkdtemp(prefix="ponte-contract-")
    database = hubmod.Database(os.path.join(directory, "ponte.sqlite"))
    secrets = hubmod.default_secrets()
    secrets.update({"ASAAS_WEBHOOK_TOKEN": "asaas-contract-token", "IFOOD_CLIENT_SECRET": "ifood-contract",
                    "QUICKBOOKS_WEBHOOK_TOKEN": "qb-contract", "MAILCHIMP_WEBHOOK_SECRET": "mc-contract"})
    hub = hubmod.Hub(database.url, secrets)
    hub.start(ready_timeout=60)
    try:
        token = hub.token("admin", ("--ttl", "2h"))
        ids = seed(hub, token)
        with open(os.path.join(directory, "schemathesis.toml"), "w") as f:
            f.write(config(ids, token))
        environment = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "--config-file", os.path.join(directory, "schemathesis.toml"),
             "run", f"{hub.base_url}/openapi.json", "--checks", CHECKS, "--phases", "examples,coverage,fuzzing",
             "--max-examples", os.environ.get("PONTE_CONTRACT_EXAMPLES", "100"), "--seed", "20261202", "--no-color"],
            cwd=directory, env=environment, capture_output=True, text=True, timeout=900,
        )
        print(result.stdout[-20000:])
        print(result.stderr[-5000:])
        print(f"schemathesis took {time.monotonic() - started:.0f} s")
        assert result.returncode == 0, "schemathesis found answers that do not match the document (see above)"
        # Some operation was tested: not "0 selected" (a bare substring test matches "80 selected").
        assert "Operations:" in result.stdout and not re.search(r"(?<!\d)0 selected", result.stdout)
    finally:
        code = hub.stop(timeout=10)
        assert code == 0, hub.log_tail()
