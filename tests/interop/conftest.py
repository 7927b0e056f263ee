"""Session fixture: one real `ponte serve` on a free loopback port with a fresh
database (PONTE_TEST_DATABASE: SQLite path or postgres:// URL; default a SQLite
file in a temporary directory). Stopped with SIGTERM at the end; it must exit 0
within 10 s."""

import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import hub as hubmod  # noqa: E402


@pytest.fixture(scope="session")
def hub():
    database = hubmod.Database(prefix="ponte_interop")
    h = hubmod.Hub(database.url, hubmod.default_secrets())
    print(f"\nponte: {hubmod.ponte_bin()} database: {database.describe()} url: {h.base_url}")
    try:
        h.start(ready_timeout=60)
    except Exception:
        database.drop()
        raise
    try:
        yield h
    finally:
        code = h.stop(timeout=10)
        tail = h.log_tail()
        database.drop()
        if code == 0:
            h.discard_logs()
        else:
            print(f"hub logs kept in {h.log_dir}")
        assert code == 0, (
            "graceful shutdown: after SIGTERM `ponte serve` should exit 0 within 10 s, "
            f"got {'no exit (killed)' if code is None else code}\n{tail}"
        )


@pytest.fixture(scope="session")
def admin_token(hub):
    return hub.token("admin")


@pytest.fixture()
def http():
    with requests.Session() as s:
        yield s
