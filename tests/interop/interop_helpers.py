"""Small assertions shared by the interop tests."""

import json
import uuid


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex}"


def describe(resp) -> str:
    req = resp.request
    return (f"{req.method} {req.url} -> HTTP {resp.status_code} "
            f"{resp.headers.get('Content-Type')!r} body={resp.text[:500]!r}")


def json_body(resp) -> dict:
    try:
        return resp.json()
    except (ValueError, json.JSONDecodeError):
        raise AssertionError(f"expected a JSON body: {describe(resp)}")


def expect_received(resp, duplicate: bool) -> str:
    """200 {"received":true,"id":"<inbox id>","duplicate":...}; returns the inbox id."""
    assert resp.status_code == 200, describe(resp)
    body = json_body(resp)
    assert body.get("received") is True, describe(resp)
    assert isinstance(body.get("id"), str) and body["id"], describe(resp)
    assert body.get("duplicate") is duplicate, f"expected duplicate={duplicate}: {describe(resp)}"
    return body["id"]


def expect_error(resp, status: int, code: str | None = None) -> dict:
    """{"error":{"code":"...","message":"..."}} with the given status (and code)."""
    assert resp.status_code == status, f"expected {status}{' ' + code if code else ''}: {describe(resp)}"
    body = json_body(resp)
    err = body.get("error")
    assert isinstance(err, dict), f"expected {{'error': {{...}}}}: {describe(resp)}"
    assert isinstance(err.get("code"), str) and isinstance(err.get("message"), str), describe(resp)
    if code is not None:
        assert err["code"] == code, f"expected error code {code}: {describe(resp)}"
    return err


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def list_all(http, hub, token: str, provider: str) -> list[dict]:
    """Every row of GET /api/v1/webhooks?provider=... following next_cursor."""
    rows, cursor = [], None
    for _ in range(1000):
        params = {"provider": provider, "limit": 500}
        if cursor:
            params["cursor"] = cursor
        resp = http.get(f"{hub.base_url}/api/v1/webhooks", params=params, headers=bearer(token), timeout=30)
        assert resp.status_code == 200, describe(resp)
        page = json_body(resp)
        assert isinstance(page.get("data"), list), describe(resp)
        rows.extend(page["data"])
        cursor = page.get("next_cursor")
        if not cursor:
            return rows
    raise AssertionError("pagination did not end after 1000 pages")
