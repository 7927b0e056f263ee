#!/usr/bin/env python3
"""Multi-process job queue test on PostgreSQL, with one worker killed by SIGKILL.

Runs `ponte bench queue --effects --kill-one-midway`: three worker processes share one
PostgreSQL queue of 20,000 jobs. Every job writes an idempotent effect (a row keyed by its
job id) and logs each execution. Once half the jobs are done, one worker gets SIGKILL with
jobs in flight; its leases expire and the surviving workers run those jobs again.

Checks:
  * a worker was killed midway;
  * all 20,000 jobs succeeded, none dead-lettered;
  * exactly 20,000 effects exist: each job's effect counted exactly once, although some
    jobs ran more than once (executions >= jobs).
Prints the benchmark's JSON line; exits 1 on any violation, 2 on a setup error.

  python tests/queue/multiprocess_test.py --database postgres://... [--jobs N] [--processes P]
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
    parser.add_argument("--processes", type=int, default=3)
    args = parser.parse_args()
    binary = os.environ.get("PONTE_BIN", ".build/debug/ponte")
    if not os.access(binary, os.X_OK):
        print(f"no ponte executable at {binary}; set PONTE_BIN", file=sys.stderr)
        return 2
    command = [
        binary, "bench", "queue", "--database", args.database, "--jobs", str(args.jobs),
        "--processes", str(args.processes), "--concurrency", "64", "--lease", "3",
        "--effects", "--kill-one-midway",
    ]
    print("$ " + " ".join(command), flush=True)
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    sys.stderr.write(run.stderr[-4000:])
    if run.returncode != 0:
        print(f"ponte bench queue failed with exit {run.returncode}", file=sys.stderr)
        return 2
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print("ponte bench queue printed no JSON line", file=sys.stderr)
        return 2
    report = json.loads(lines[-1])
    print(json.dumps(report, sort_keys=True))

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
    for problem in problems:
        print("FAIL: " + problem, file=sys.stderr)
    if not problems:
        reruns = report["executions"] - args.jobs
        print(
            f"PASS: {args.jobs} jobs on {args.processes} processes, one killed with SIGKILL midway; "
            f"{report['effects']} effects (exactly once), {reruns} executions repeated after the kill"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
