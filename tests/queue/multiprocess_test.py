#!/usr/bin/env python3
"""Multi-process job queue tests on PostgreSQL: one worker killed by SIGKILL; one counter, no lost update.

Runs `ponte bench queue --effects --kill-one-midway`: three worker processes share one
PostgreSQL queue of 20,000 jobs. Every job writes an idempotent effect (a row keyed by its
job id) and logs each execution. Once half the jobs are done, one worker gets SIGKILL with
jobs in flight; its leases expire and the surviving workers run those jobs again.

Checks:
  * a worker was killed midway;
  * all 20,000 jobs succeeded, none dead-lettered;
  * exactly 20,000 effects exist: each job's effect counted exactly once, although some
    jobs ran more than once (executions >= jobs).

Then `ponte bench queue --counter`: three worker processes run 2,000 jobs that each increment
one counter row in a unit of work committed with the job's success (read with FOR UPDATE,
then written). Checks that all succeeded and the counter ends at exactly 2,000.

Prints each benchmark's JSON line; exits 1 on any violation, 2 on a setup error.

  python tests/queue/multiprocess_test.py --database postgres://... [--jobs N] [--counter-jobs N] [--processes P]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="postgres:// URL")
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--counter-jobs", type=int, default=2_000)
    parser.add_argument("--processes", type=int, default=3)
    args = parser.parse_args()
    binary = os.environ.get("PONTE_BIN", ".build/debug/ponte")
    if not os.access(binary, os.X_OK):
        print(f"no ponte executable at {binary}; set PONTE_BIN", file=sys.stderr)
        return 2
    report = bench(binary, args.database, args.jobs, args.processes, ["--effects", "--kill-one-midway"])
    if report is None:
        return 2
    problems = killed_worker_problems(report, args)
    counted = bench(binary, args.database, args.counter_jobs, args.processes, ["--counter"])
    if counted is None:
        return 2
    problems += counter_problems(counted, args)
    for problem in problems:
        print("FAIL: " + problem, file=sys.stderr)
    return 1 if problems else 0


def bench(binary: str, database: str, jobs: int, processes: int, flags: list[str]) -> dict | None:
    """Runs `ponte bench queue` and returns its JSON report (None when it could not run)."""
    command = [
        binary, "bench", "queue", "--database", database, "--jobs", str(jobs),
        "--processes", str(processes), "--concurrency", "64", "--lease", "3", *flags,
    ]
    print("$ " + " ".join(command), flush=True)
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    sys.stderr.write(run.stderr[-4000:])
    if run.returncode != 0:
        print(f"ponte bench queue failed with exit {run.returncode}", file=sys.stderr)
        return None
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print("ponte bench queue printed no JSON line", file=sys.stderr)
        return None
    report = json.loads(lines[-1])
    print(json.dumps(report, sort_keys=True))
    return report


def counter_problems(report: dict, args: argparse.Namespace) -> list[str]:
    problems = []
    if report.get("succeeded") != args.counter_jobs:
        problems.append(f"counter: {report.get('succeeded')} of {args.counter_jobs} jobs succeeded")
    if report.get("dead") != 0:
        problems.append(f"counter: {report.get('dead')} jobs were dead-lettered")
    if report.get("counter") != args.counter_jobs:
        problems.append(f"counter ended at {report.get('counter')} after {args.counter_jobs} increments: updates were lost")
    if not problems:
        print(
            f"PASS: {args.counter_jobs} increments of one row by {args.processes} processes; "
            f"counter = {report['counter']}, {report['jobs_per_second']:.0f} jobs/s"
        )
    return problems


def killed_worker_problems(report: dict, args: argparse.Namespace) -> list[str]:
    problems = []
    if not report.get("killed_worker"):
        problems.append("no worker was killed midway (the jobs finished too fast?)")
    if report.get("succeeded") != args.jobs:
        problems.append(f"{report.get('succeeded')} of {args.jobs} jobs succeeded")
    if report.get("dead") != 0:
        problems.append(f"{report.get('dead')} jobs were dead-lettered")
    if report.get("effects") != args.jobs:
        problems.append(f"{report.get('effects')} effects for {args.jobs} jobs: not exactly once")
    if (report.get("executions") or 0) < args.jobs:
        problems.append(f"only {report.get('executions')} executions logged for {args.jobs} jobs")
    if not problems:
        reruns = report["executions"] - args.jobs
        print(
            f"PASS: {args.jobs} jobs on {args.processes} processes, one killed with SIGKILL midway; "
            f"{report['effects']} effects (exactly once), {reruns} executions repeated after the kill"
        )
    return problems


if __name__ == "__main__":
    sys.exit(main())
