#!/usr/bin/env python3
"""kill -9 durability test for `ponte serve`.

32 threads send validly signed Stripe events (unique ids, ~1.5 KiB) over keep-alive
HTTP/1.1 connections to a hub on 127.0.0.1 and record every acknowledgement (200 + inbox id).
After a few seconds (and at least --min-acks acks) the hub gets SIGKILL with requests
in flight. It is restarted on the same database; then:
  * every acknowledged event id is stored exactly once, with the acknowledged inbox id;
  * no event id is stored twice;
  * 100 acknowledged events sent again are answered duplicate:true with the original id.
Stored-but-unacknowledged events (committed, killed before the answer) are allowed.
Prints one JSON summary line; exits 1 on any violation, 2 on a setup error.

  python tests/crash/crash_test.py [--database SQLITE_PATH|postgres://...]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests  # noqa: E402

import hub as hubmod  # noqa: E402


class Load:
    """Senders and what they saw. All shared state is behind one lock."""

    def __init__(self, hub: hubmod.Hub, threads: int, run_id: str):
        self.hub = hub
        self.secret = hub.secrets["STRIPE_WEBHOOK_SECRET"]
        self.threads = threads
        self.run_id = run_id
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.killed = threading.Event()
        self.sent = 0
        self.acked: dict[str, str] = {}        # event id -> inbox id
        self.bodies: dict[str, bytes] = {}     # acked event id -> body
        self.in_flight: set[str] = set()
        self.failed_after_kill: set[str] = set()
        self.unexpected: list[str] = []        # non-200 answers / errors before the kill
        self.shed = 0                          # 429/503 before the kill (allowed, reported)
        self.workers: list[threading.Thread] = []

    def start(self) -> None:
        for n in range(self.threads):
            t = threading.Thread(target=self._run, args=(n,), daemon=True)
            t.start()
            self.workers.append(t)

    def acked_count(self) -> int:
        with self.lock:
            return len(self.acked)

    def _run(self, n: int) -> None:
        # One keep-alive connection per thread; http.client costs the (GIL-bound) client
        # far less CPU than requests, which leaves the hub more of the machine.
        conn = http.client.HTTPConnection("127.0.0.1", self.hub.port, timeout=10)
        seq = 0
        while not self.stop.is_set():
            seq += 1
            event_id = f"evt_crash_{self.run_id}_{n:02d}_{seq:06d}"
            body = hubmod.stripe_payment_intent_event(event_id, amount=100 + seq)
            headers = {"Content-Type": "application/json",
                       "Stripe-Signature": hubmod.stripe_signature_header(body, self.secret)}
            with self.lock:
                if self.killed.is_set():
                    break
                self.sent += 1
                self.in_flight.add(event_id)
            try:
                conn.request("POST", "/webhooks/stripe", body=body, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                status, text = resp.status, raw.decode("utf-8", "replace")
                payload = json.loads(raw) if status == 200 else None
            except Exception as exc:  # connection reset / refused by the kill
                conn.close()
                with self.lock:
                    self.in_flight.discard(event_id)
                    if self.killed.is_set():
                        self.failed_after_kill.add(event_id)
                    else:
                        self.unexpected.append(f"{event_id}: {exc!r}")
                if self.killed.is_set():
                    break
                time.sleep(0.05)
                continue
            with self.lock:
                self.in_flight.discard(event_id)
                if status == 200 and isinstance(payload, dict) and payload.get("received") is True \
                        and isinstance(payload.get("id"), str) and payload.get("duplicate") is False:
                    self.acked[event_id] = payload["id"]
                    self.bodies[event_id] = body
                elif status in (429, 503) and not self.killed.is_set():
                    self.shed += 1
                elif not self.killed.is_set():
                    self.unexpected.append(f"{event_id}: HTTP {status} {text[:200]!r}")
        conn.close()

    def kill_hub(self) -> int:
        """SIGKILL the hub while requests are in flight; returns how many were in flight."""
        with self.lock:
            in_flight = len(self.in_flight)
            self.killed.set()
            self.hub.kill()
        return in_flight

    def join(self, timeout: float) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout
        for t in self.workers:
            t.join(max(0.0, deadline - time.monotonic()))


def list_stored(hub: hubmod.Hub, token: str) -> list[dict]:
    rows, cursor = [], None
    with requests.Session() as s:
        for _ in range(10000):
            params = {"provider": "stripe", "limit": 500}
            if cursor:
                params["cursor"] = cursor
            resp = s.get(hub.base_url + "/api/v1/webhooks", params=params,
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
            if resp.status_code != 200:
                raise RuntimeError(f"GET {resp.request.url} -> HTTP {resp.status_code} {resp.text[:300]!r}")
            page = resp.json()
            rows.extend(page["data"])
            cursor = page.get("next_cursor")
            if not cursor:
                return rows
    raise RuntimeError("pagination did not end")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("PONTE_TEST_DATABASE", ""),
                        help="SQLite file path or postgres:// URL of a server (a fresh database is created on it); "
                             "default: a SQLite file in a temporary directory")
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--min-seconds", type=float, default=2.5, help="load at least this long before the kill")
    parser.add_argument("--min-acks", type=int, default=3000, help="and until this many acks ...")
    parser.add_argument("--max-seconds", type=float, default=15.0, help="... but never longer than this")
    parser.add_argument("--resend", type=int, default=100)
    args = parser.parse_args()

    started = time.monotonic()
    summary: dict = {"test": "crash", "database": "postgres" if hubmod.is_postgres(args.database) else "sqlite"}
    violations: list[str] = []
    database = None
    hub = None
    try:
        database = hubmod.Database(args.database, prefix="ponte_crash")
        hub = hubmod.Hub(database.url, hubmod.default_secrets())
        hub.start(ready_timeout=60)
        print(f"crash: hub {hub.base_url} on {database.describe()}; {args.threads} senders", file=sys.stderr)

        load = Load(hub, args.threads, uuid.uuid4().hex[:10])
        load_start = time.monotonic()
        load.start()
        while True:
            time.sleep(0.05)
            elapsed = time.monotonic() - load_start
            if elapsed >= args.max_seconds or (elapsed >= args.min_seconds and load.acked_count() >= args.min_acks):
                break
            if hub.proc.poll() is not None:
                raise RuntimeError(f"hub exited by itself with {hub.proc.returncode} under load\n{hub.log_tail()}")
        in_flight_at_kill = load.kill_hub()
        load_seconds = time.monotonic() - load_start
        load.join(timeout=15)
        kill_log = hub.log_tail(4000)

        acked = dict(load.acked)
        summary.update(sent=load.sent, acked=len(acked), in_flight_at_kill=in_flight_at_kill,
                       failed_after_kill=len(load.failed_after_kill), shed_before_kill=load.shed,
                       load_seconds=round(load_seconds, 2), acks_per_second=round(len(acked) / load_seconds))
        if load.unexpected:
            violations.append(f"{len(load.unexpected)} unexpected answers before the kill, e.g. {load.unexpected[:3]}")
        if len(acked) < args.min_acks:
            print(f"crash: warning: only {len(acked)} acks in {load_seconds:.1f}s (wanted {args.min_acks})",
                  file=sys.stderr)
        if not acked:
            violations.append("no event was acknowledged before the kill")

        # Restart on the same database.
        restart_at = time.monotonic()
        hub.start(ready_timeout=60)
        summary["restart_seconds"] = round(time.monotonic() - restart_at, 2)
        token = hub.token("admin")
        rows = list_stored(hub, token)

        by_event: dict[str, list[str]] = {}
        for row in rows:
            by_event.setdefault(row.get("event_id"), []).append(row.get("id"))
        ours = {e: ids for e, ids in by_event.items() if isinstance(e, str) and e.startswith(f"evt_crash_{load.run_id}_")}
        duplicates = {e: ids for e, ids in by_event.items() if len(ids) > 1}
        missing = [e for e in acked if e not in by_event]
        wrong_id = [e for e in acked if e in by_event and acked[e] not in by_event[e]]
        stored_unacked = [e for e in ours if e not in acked]
        unknown = [e for e in stored_unacked if e not in load.failed_after_kill]
        summary.update(stored=len(rows), stored_ours=len(ours), stored_unacked=len(stored_unacked),
                       missing=len(missing), wrong_inbox_id=len(wrong_id), duplicates_in_store=len(duplicates))
        if missing:
            violations.append(f"{len(missing)} acknowledged events lost, e.g. {missing[:3]}")
        if wrong_id:
            violations.append(f"{len(wrong_id)} acknowledged events stored under another inbox id, e.g. "
                              f"{[(e, acked[e], by_event[e]) for e in wrong_id[:3]]}")
        if duplicates:
            violations.append(f"{len(duplicates)} event ids stored more than once, e.g. {list(duplicates.items())[:3]}")
        if len(rows) != len(ours):
            violations.append(f"{len(rows) - len(ours)} stored stripe rows that this test never sent")
        if unknown:
            # Stored but never acked: only the requests cut by the kill may be in that state.
            violations.append(f"{len(unknown)} stored events were neither acknowledged nor cut by the kill, "
                              f"e.g. {unknown[:3]}")

        # Providers retry: acknowledged events sent again are duplicates with the original ids.
        resend_ok = 0
        resend_failures: list[str] = []
        sample = random.Random(7).sample(sorted(acked), min(args.resend, len(acked)))
        with requests.Session() as s:
            for event_id in sample:
                body = load.bodies[event_id]
                resp = s.post(hub.base_url + "/webhooks/stripe", data=body, timeout=10, headers={
                    "Content-Type": "application/json",
                    "Stripe-Signature": hubmod.stripe_signature_header(body, hub.secrets["STRIPE_WEBHOOK_SECRET"])})
                ok = resp.status_code == 200 and resp.json().get("duplicate") is True \
                    and resp.json().get("id") == acked[event_id]
                if ok:
                    resend_ok += 1
                else:
                    resend_failures.append(f"{event_id} (acked as {acked[event_id]}) -> HTTP {resp.status_code} "
                                           f"{resp.text[:160]!r}")
        summary.update(resent=len(sample), resend_duplicate_ok=resend_ok)
        if resend_failures:
            violations.append(f"{len(resend_failures)} resends of acknowledged events not answered 200 "
                              f"duplicate:true with the original id, e.g. {resend_failures[:2]}")

        code = hub.stop(timeout=10)
        summary["graceful_exit_code"] = code
        if code != 0:
            violations.append(f"after SIGTERM the restarted hub exited {code} (want 0 within 10 s)")
        if violations:
            print("crash: hub log around the kill:\n" + kill_log, file=sys.stderr)
    except Exception as exc:  # setup or harness failure: report, exit 2
        summary.update(ok=False, error=str(exc).splitlines()[0] if str(exc) else repr(exc),
                       seconds=round(time.monotonic() - started, 1))
        print(str(exc), file=sys.stderr)
        print(json.dumps(summary))
        if hub is not None:
            hub.kill()
        if database is not None:
            database.drop()
        return 2

    if hub is not None:
        hub.kill()
    if database is not None:
        database.drop()
    if hub is not None:
        if violations:
            print(f"crash: hub logs kept in {hub.log_dir}", file=sys.stderr)
        else:
            hub.discard_logs()
    summary["seconds"] = round(time.monotonic() - started, 1)
    summary["ok"] = not violations
    if violations:
        summary["violations"] = [v[:400] for v in violations[:5]]
        for v in violations:
            print(f"crash: VIOLATION: {v}", file=sys.stderr)
    print(json.dumps(summary))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
