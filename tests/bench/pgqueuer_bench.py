"""pgqueuer side of scripts/bench-queue-compare (and a small database helper for it).

  pgqueuer_bench.py run --database URL --jobs N --processes P   -> one JSON line on stdout
  pgqueuer_bench.py createdb --database URL                     -> URL of a new, empty database
  pgqueuer_bench.py dropdb --database URL                       -> drops the database URL names

Methodology (mirrors `ponte bench queue` as closely as pgqueuer allows):
  1. A fresh database is created on the server of URL and pgqueuer's schema installed
     in it with Queries.install() (what `pgq install` runs; default durable tables).
  2. P consumer processes start (multiprocessing, spawn). Each runs C PgQueuer instances
     (one asyncpg connection each, like pgqueuer's own tools/benchmark.py) with one async
     no-op entrypoint, batch_size B, continuous mode, on uvloop. A process reports ready
     once every instance has finished its first dequeue, i.e. after its LISTEN is set up.
  3. With all consumers idle, N jobs are enqueued with ONE Queries.enqueue(list...) call:
     one INSERT ... UNNEST statement, so one transaction.
  4. seconds = from the enqueue call returning (commit acknowledged) until the queue table
     is empty, polled every 10 ms. pgqueuer deletes a job from the queue table when its
     completion is flushed (batched: B jobs or 100 ms), so "empty" means every job ran and
     its completion is in the database. The log table must then hold N 'successful' rows.
  5. Pickup latency, measured afterwards while idle: S times, enqueue one job and take the
     time from that enqueue returning to the entrypoint starting in a consumer (both sides
     read time.monotonic(), which is one system-wide clock on Linux).
Settings: pgqueuer's own tools/benchmark.py uses 5 PgQueuer instances with batch size 10,
and `pgq run` (one PgQueuer per worker process) defaults to batch size 10. Those give it
only 3-5k jobs/s here; larger batches (its --batch-size knob) help it a lot on no-op jobs.
So that Ponte is compared with a well-tuned pgqueuer, the defaults are the best of a
sweep on a 2-core machine (N=20000, P=2): C=1 (the `pgq run` shape) and B=250
(B=10: ~3.3k, B=100: ~7-14k, B=250: ~14-22k, B=500: ~14-16k jobs/s; C=2 or 3: no better).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import queue
import sys
import time
from importlib.metadata import version
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import uvloop
from pgqueuer import PgQueuer
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job
from pgqueuer.queries import Queries

ENTRYPOINT = "noop"
PROBE = b"probe"  # payload of the pickup-latency jobs; benchmark jobs have none


def with_dbname(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


async def admin(url: str, sql: str) -> None:
    """Runs sql on the server's `postgres` database (CREATE/DROP DATABASE)."""
    conn = await asyncpg.connect(with_dbname(url, "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_database(url: str, prefix: str) -> str:
    name = f"{prefix}_{os.getpid()}_{int(time.time() * 1000)}"
    await admin(url, f'CREATE DATABASE "{name}"')
    return with_dbname(url, name)


async def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    await admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- consumer process
def consumer_main(url: str, instances: int, batch_size: int, ready, stop, probes) -> None:
    uvloop.run(consume(url, instances, batch_size, ready, stop, probes))


async def consume(url, instances, batch_size, ready, stop, probes) -> None:
    pgqs, first_dequeues = [], []
    for _ in range(instances):
        pgq = PgQueuer(AsyncpgDriver(await asyncpg.connect(url)))

        @pgq.entrypoint(ENTRYPOINT)
        async def noop(job: Job) -> None:
            if job.payload:  # a pickup probe: report when it started
                probes.put(time.monotonic())

        # Readiness hook: QueueManager.run sets up LISTEN before its first dequeue.
        done = asyncio.Event()
        dequeue = pgq.qm.queries.dequeue

        async def first_dequeue(*args, _dequeue=dequeue, _done=done, **kwargs):
            try:
                return await _dequeue(*args, **kwargs)
            finally:
                _done.set()

        pgq.qm.queries.dequeue = first_dequeue
        pgqs.append(pgq)
        first_dequeues.append(done)

    runs = [asyncio.create_task(p.run(batch_size=batch_size)) for p in pgqs]
    await asyncio.gather(*(d.wait() for d in first_dequeues))
    ready.put(True)
    while not stop.is_set() and not any(r.done() for r in runs):
        await asyncio.sleep(0.05)
    for p in pgqs:
        p.shutdown.set()
    await asyncio.gather(*runs)  # re-raises a consumer's failure


# ---------------------------------------------------------------- driver (parent process)
def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def fail(message: str) -> None:
    raise SystemExit(f"pgqueuer_bench: error: {message}")


def get(q, timeout: float, what: str):
    try:
        return q.get(timeout=timeout)
    except queue.Empty:
        fail(f"{what} within {timeout:g} s")


async def wait_until_empty(conn, table: str, deadline: float, procs) -> None:
    while await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
        if time.monotonic() > deadline or not all(p.is_alive() for p in procs):
            left = await conn.fetchval(f"SELECT count(*) FROM {table}")
            why = "timed out" if time.monotonic() > deadline else "a consumer process died"
            fail(f"{why}: {left} jobs still in {table}")
        await asyncio.sleep(0.01)


async def measure(args, url: str, probes, procs) -> dict:
    conn = await asyncpg.connect(url)
    queries = Queries(AsyncpgDriver(conn))
    qtable, log = queries.qbe.qualified.queue_table, queries.qbe.qualified.queue_table_log

    n = args.jobs
    await queries.enqueue([ENTRYPOINT] * n, [None] * n, [0] * n)
    start = time.monotonic()
    await wait_until_empty(conn, qtable, start + args.timeout, procs)
    seconds = time.monotonic() - start
    ok = await conn.fetchval(f"SELECT count(*) FROM {log} WHERE status = 'successful'")
    if ok != n:
        fail(f"{ok} of {n} jobs logged as successful")

    latencies = []
    for _ in range(args.pickup_samples):
        await asyncio.sleep(0.05)  # let the consumers go idle again
        await queries.enqueue(ENTRYPOINT, PROBE)
        sent = time.monotonic()
        started = get(probes, 10, "a pickup probe did not start")  # blocks; nothing else runs
        latencies.append((started - sent) * 1000)
    latencies.sort()
    await conn.close()
    return {
        "system": "pgqueuer",
        "version": version("pgqueuer"),
        "database": "postgresql",
        "jobs": n,
        "processes": args.processes,
        "seconds": round(seconds, 4),
        "jobs_per_second": round(n / seconds, 1),
        "pickup_p50_ms": round(percentile(latencies, 0.50), 3) if latencies else None,
        "pickup_p99_ms": round(percentile(latencies, 0.99), 3) if latencies else None,
        "pickup_samples": len(latencies),
        "driver": f"asyncpg {version('asyncpg')}",
        "consumers_per_process": args.consumers,
        "batch_size": args.batch_size,
    }


async def install(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await Queries(AsyncpgDriver(conn)).install()
    finally:
        await conn.close()


def run(args) -> dict:
    url = asyncio.run(create_database(args.database, "pgqueuer_bench"))
    ctx = mp.get_context("spawn")
    ready, probes, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = []
    try:
        asyncio.run(install(url))
        for _ in range(args.processes):
            p = ctx.Process(target=consumer_main, daemon=True,
                            args=(url, args.consumers, args.batch_size, ready, stop, probes))
            p.start()
            procs.append(p)
        for _ in procs:
            get(ready, 60, "the consumer processes were not ready")
        return asyncio.run(measure(args, url, probes, procs))
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=15)
            if p.is_alive():
                p.terminate()
        if not args.keep_database:
            asyncio.run(drop_database(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "createdb", "dropdb"])
    parser.add_argument("--database", required=True, help="postgres://... URL")
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--consumers", type=int, default=1, help="PgQueuer instances per process")
    parser.add_argument("--batch-size", type=int, default=250, help="PgQueuer.run(batch_size=)")
    parser.add_argument("--pickup-samples", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=300, help="seconds for the N jobs")
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    if args.command == "createdb":
        print(asyncio.run(create_database(args.database, "ponte_bench")))
    elif args.command == "dropdb":
        asyncio.run(drop_database(args.database))
    else:
        print(json.dumps(run(args)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
