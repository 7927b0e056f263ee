#!/usr/bin/env python3
"""Three `ponte serve` processes on one PostgreSQL database, beside one `ponte sandbox`, and a
venue's QuickBooks connection whose access token expires now (the simulated Intuit issues it
for 1 second). All three processes are asked at the same instant to use the connection
(POST /api/v1/integrations/quickbooks/test, which refreshes a token about to expire first).

Checks:
  1. exactly one refresh_token request reaches the simulated Intuit (its control API counts
     them), although three processes needed a fresh token at once;
  2. every process then calls CompanyInfo with the new token and succeeds;
  3. the refresh token the hub keeps is the newest one (Intuit rotates it: the old one is
     refused), shown by one more refresh that succeeds.

Prints a summary (stderr) and one JSON line (stdout); exits 1 on a violation, 2 on a setup error.

  python tests/venues/refresh_race_test.py --database postgres://user@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import tempfile
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import hub as hubmod  # noqa: E402

VENUE = "arena-race"


def log(text: str) -> None:
    print(f"refresh-race: {text}", file=sys.stderr, flush=True)


class RaceHub(hubmod.SandboxedHub):
    """A hub process sharing the others' token key and vault keys. Its workers are off, so the
    scheduled refresh job does not take the token first: the race is the three requests'."""

    def __init__(self, database_url, sandbox_url, port, log_dir, jwt_secret, vault_keys):
        super().__init__(database_url, sandbox_url, port, log_dir)
        self.secrets["PONTE_JWT_SECRET"] = jwt_secret
        self.secrets["PONTE_VAULT_KEYS"] = vault_keys
        self.secrets["PONTE_WORKERS"] = "false"


def call(method: str, url: str, token: str, body: dict | None = None) -> requests.Response:
    return requests.request(method, url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a postgres:// server URL (a fresh database is made on it)")
    args = parser.parse_args()
    if not hubmod.is_postgres(args.database):
        log("the race is between processes sharing PostgreSQL: pass a postgres:// URL")
        return 2
    database = hubmod.Database(args.database, prefix="ponte_refresh_race")
    log_dir = tempfile.mkdtemp(prefix="ponte-refresh-race-")
    jwt_secret = secrets.token_hex(32)
    vault_keys = "v1:" + base64.b64encode(secrets.token_bytes(32)).decode()
    ports = [hubmod.free_port() for _ in range(3)]
    sandbox = hubmod.Sandbox(f"http://127.0.0.1:{ports[0]}", log_dir, seed=17)
    hubs = [RaceHub(database.url, sandbox.base, port, log_dir, jwt_secret, vault_keys) for port in ports]
    failures: list[str] = []
    summary: dict = {"test": "refresh_race", "processes": len(hubs)}
    try:
        for hub in hubs:
            hub.start(ready_timeout=90)
        token = hubs[0].token("admin", ("--ttl", "1h"))
        first = hubs[0].base_url

        assert call("POST", f"{first}/api/v1/venues", token, {"id": VENUE, "name": "Arena"}).status_code == 201
        # Tokens Intuit issues from now on live 1 second: the connection's token expires now.
        control = f"{sandbox.base}/_sandbox/quickbooks/oauth"
        assert requests.put(f"{control}/access-token-lifetime", json={"seconds": 1}, timeout=10).status_code == 200
        started = call("POST", f"{first}/api/v1/integrations/connect/quickbooks", token, {"venue_id": VENUE})
        auth_url = started.json()["data"]["auth_url"]
        approval = requests.get(auth_url, allow_redirects=False, timeout=10)
        callback = approval.headers["Location"]
        connected = requests.get(callback, headers={"Accept": "application/json"}, timeout=30).json()
        if connected.get("data", {}).get("status") != "connected":
            raise hubmod.HarnessError(f"the connection did not complete: {connected}")
        # Refreshed tokens live the usual hour, so one refresh is all that is needed.
        assert requests.put(f"{control}/access-token-lifetime", json={"seconds": None}, timeout=10).status_code == 200
        time.sleep(1.2)
        before = requests.get(control, timeout=10).json()["token_requests"].get("refresh_token", 0)

        barrier = threading.Barrier(len(hubs))
        answers: list[dict | None] = [None] * len(hubs)

        def use(index: int) -> None:
            barrier.wait()
            response = call("POST", f"{hubs[index].base_url}/api/v1/integrations/quickbooks/test", token, {"venue_id": VENUE})
            answers[index] = {"status": response.status_code, "body": response.json()}

        threads = [threading.Thread(target=use, args=(i,)) for i in range(len(hubs))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        after = requests.get(control, timeout=10).json()["token_requests"].get("refresh_token", 0)
        summary["refresh_requests"] = after - before
        summary["answers"] = [a and {"status": a["status"], "ok": a["body"].get("data", {}).get("ok")} for a in answers]
        if after - before != 1:
            failures.append(f"{after - before} refresh requests reached Intuit for one expired token (expected exactly 1)")
        for index, answer in enumerate(answers):
            if answer is None or answer["status"] != 200 or answer["body"].get("data", {}).get("ok") is not True:
                failures.append(f"process {index + 1} could not use the connection: {answer}")

        # The refresh token kept is the newest: the old one is refused by Intuit, this one works.
        again = call("POST", f"{hubs[2].base_url}/api/v1/integrations/oauth/refresh/quickbooks", token, {"venue_id": VENUE})
        summary["refresh_after_race"] = again.status_code
        if again.status_code != 200:
            failures.append(f"a refresh with the kept refresh token failed: {again.status_code} {again.text[:300]}")
        connection = call("GET", f"{first}/api/v1/integrations/quickbooks?venue_id={VENUE}", token).json()["data"]
        summary["refresh_count"] = connection.get("refresh_count")
        if connection.get("refresh_count") != 2:
            failures.append(f"the connection counts {connection.get('refresh_count')} refreshes (expected 2)")
    except (hubmod.HarnessError, requests.RequestException, AssertionError, KeyError) as error:
        log(f"setup error: {error!r}; logs in {log_dir}")
        for hub in hubs:
            hub.stop(timeout=10)
        sandbox.stop()
        database.drop()
        return 2
    for hub in hubs:
        hub.stop(timeout=10)
    sandbox.stop()
    database.drop()
    summary["ok"] = not failures
    log(f"{summary['refresh_requests']} refresh request(s) for {len(hubs)} processes needing a fresh token at once; answers {summary['answers']}")
    for failure in failures:
        log("FAIL: " + failure)
    print(json.dumps(summary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
