#!/usr/bin/env python3
"""Key rotation while the hub serves: 10,000 venues each connect Stripe (the key tested against
the simulated Stripe, then stored in the vault under key v1). Then a v2 key is added to the key
file, the hub is sent SIGHUP, and `ponte vault rotate` runs while reader threads keep asking the
hub to use stored credentials (POST /api/v1/integrations/stripe/test, which decrypts the venue's
key and calls Stripe with it). Then v1 is removed from the file, SIGHUP again, and credentials are
read once more.

Checks:
  1. every connection request succeeded (10,000 stored credentials);
  2. no request made during the rotation failed or found a key it could not decrypt;
  3. `ponte vault status` shows every credential on v2 after the rotation;
  4. with v1 removed, credentials still decrypt (a sample of connections tested again, all ok).

Prints a summary (stderr) and one JSON line (stdout); exits 1 on a violation, 2 on a setup error.

  python tests/venues/vault_rotation_test.py [--database SQLITE_PATH|postgres://...] [--venues 10000]
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
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

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import hub as hubmod  # noqa: E402

STRIPE_KEY = "sk_test_ponte_sandbox"  # the sandbox's default (SandboxCredentials)


def log(text: str) -> None:
    print(f"vault-rotation: {text}", file=sys.stderr, flush=True)


def new_key(version: int) -> str:
    return f"v{version}:" + base64.b64encode(secrets.token_bytes(32)).decode()


class VaultHub(hubmod.SandboxedHub):
    """A hub whose vault keys are in a file it reloads on SIGHUP."""

    def __init__(self, database_url, sandbox_url, port, log_dir, key_file):
        super().__init__(database_url, sandbox_url, port, log_dir)
        self.secrets["PONTE_VAULT_KEY_FILE"] = key_file

    def vault(self, *args: str) -> str:
        result = subprocess.run([hubmod.ponte_bin(), "vault", *args, "--database", self.database_url], env=self.env(),
                                capture_output=True, text=True, timeout=600, cwd=self.log_dir)
        if result.returncode != 0:
            raise hubmod.HarnessError(f"ponte vault {' '.join(args)} exited {result.returncode}: {result.stderr[-2000:]}")
        return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="", help="a SQLite path or postgres:// server URL (default: a fresh SQLite file)")
    parser.add_argument("--venues", type=int, default=10_000)
    args = parser.parse_args()
    database = hubmod.Database(args.database or None, prefix="ponte_vault_rotation")
    log_dir = tempfile.mkdtemp(prefix="ponte-vault-rotation-")
    key_file = os.path.join(log_dir, "vault-keys")
    v1, v2 = new_key(1), new_key(2)
    with open(key_file, "w") as f:
        f.write(v1 + "\n")
    port = hubmod.free_port()
    sandbox = hubmod.Sandbox(f"http://127.0.0.1:{port}", log_dir, seed=21)
    hub = VaultHub(database.url, sandbox.base, port, log_dir, key_file)
    summary: dict = {"test": "vault_rotation", "database": database.kind, "venues": args.venues}
    failures: list[str] = []
    local = threading.local()

    def session() -> requests.Session:
        if getattr(local, "session", None) is None:
            local.session = requests.Session()
            local.session.headers["Authorization"] = f"Bearer {token}"
        return local.session

    try:
        hub.start(ready_timeout=90)
        token = hub.token("admin", ("--ttl", "2h"))
        base = hub.base_url

        def connect(index: int) -> int:
            venue = f"venue-{index:05d}"
            created = session().post(f"{base}/api/v1/venues", json={"id": venue, "name": f"Venue {index}"}, timeout=60)
            if created.status_code != 201:
                return created.status_code
            return session().post(f"{base}/api/v1/integrations/connect/stripe", timeout=60,
                                  json={"venue_id": venue, "credentials": {"api_key": STRIPE_KEY}}).status_code

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(connect, range(args.venues)))
        summary["connect_seconds"] = round(time.monotonic() - started, 1)
        stored = sum(1 for status in statuses if status == 200)
        summary["connected"] = stored
        if stored != args.venues:
            failures.append(f"{args.venues - stored} connections failed: {sorted(set(statuses))}")
        log(f"{stored} venues connected Stripe in {summary['connect_seconds']} s: {hub.vault('status').strip()!r}")

        # v2 joins the ring; the hub reloads it.
        with open(key_file, "a") as f:
            f.write(v2 + "\n")
        hub.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)

        stop = threading.Event()
        reads: list[tuple[int, bool]] = []
        reads_lock = threading.Lock()

        def reader() -> None:
            while not stop.is_set():
                venue = f"venue-{random.randrange(args.venues):05d}"
                response = session().post(f"{base}/api/v1/integrations/stripe/test", json={"venue_id": venue}, timeout=60)
                ok = response.status_code == 200 and response.json().get("data", {}).get("ok") is True
                with reads_lock:
                    reads.append((response.status_code, ok))

        readers = [threading.Thread(target=reader) for _ in range(4)]
        for thread in readers:
            thread.start()
        started = time.monotonic()
        rotated = hub.vault("rotate", "--batch-size", "100")
        summary["rotate_seconds"] = round(time.monotonic() - started, 1)
        time.sleep(0.5)
        stop.set()
        for thread in readers:
            thread.join(timeout=60)
        summary["reads_during_rotation"] = len(reads)
        bad = [r for r in reads if not r[1]]
        summary["failed_reads"] = len(bad)
        if not reads:
            failures.append("no credential was read while the rotation ran")
        if bad:
            failures.append(f"{len(bad)} of {len(reads)} requests during the rotation failed (statuses {sorted({s for s, _ in bad})})")
        status = hub.vault("status")
        summary["rotate"] = next((line for line in rotated.splitlines() if line.startswith("re-encrypted")), rotated[-300:])
        summary["status_after"] = status.strip().splitlines()
        if f"v2: {args.venues} credentials" not in status or "v1:" in status.split("\n", 1)[1]:
            failures.append(f"after the rotation the vault is not all on v2: {status!r}")

        # v1 leaves the ring: everything still decrypts.
        with open(key_file, "w") as f:
            f.write(v2 + "\n")
        hub.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        sample = random.sample(range(args.venues), min(200, args.venues))
        after = [session().post(f"{base}/api/v1/integrations/stripe/test", json={"venue_id": f"venue-{i:05d}"}, timeout=60)
                 for i in sample]
        failing = [r.status_code for r in after if not (r.status_code == 200 and r.json().get("data", {}).get("ok") is True)]
        summary["sample_after_removal"] = len(after)
        if failing:
            failures.append(f"{len(failing)} of {len(after)} credentials failed after v1 was removed")
    except (hubmod.HarnessError, requests.RequestException) as error:
        log(f"setup error: {error!r}; logs in {log_dir}")
        hub.stop(timeout=10)
        sandbox.stop()
        database.drop()
        return 2
    hub.stop(timeout=10)
    sandbox.stop()
    database.drop()
    summary["ok"] = not failures
    log(f"rotation {summary.get('rotate_seconds')} s with {summary.get('reads_during_rotation')} reads meanwhile, "
        f"{summary.get('failed_reads')} failed; after: {summary.get('status_after')}")
    for failure in failures:
        log("FAIL: " + failure)
    print(json.dumps(summary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
