"""Error contract: unknown and unconfigured providers, body limit, API auth."""

import base64
import hashlib
import hmac
import json

import pytest
import requests

import hub as hubmod
from interop_helpers import bearer, describe, expect_error, json_body, unique


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_health_and_ready(hub, http):
    resp = http.get(hub.base_url + "/health", timeout=10)
    assert resp.status_code == 200 and json_body(resp).get("status") == "ok", describe(resp)
    resp = http.get(hub.base_url + "/ready", timeout=10)
    assert resp.status_code == 200, describe(resp)


def test_unknown_provider(hub, http):
    resp = http.post(hub.base_url + "/webhooks/nosuchprovider", data=b'{"id":"x"}',
                     headers={"Content-Type": "application/json"}, timeout=10)
    expect_error(resp, 404, "UNKNOWN_PROVIDER")


def test_provider_without_secret(hub, http):
    assert "IFOOD_CLIENT_SECRET" not in hub.env()
    body = json.dumps({"id": unique("ifood-"), "code": "PLC", "fullCode": "PLACED"}).encode()
    resp = http.post(hub.base_url + "/webhooks/ifood", data=body, timeout=10, headers={
        "Content-Type": "application/json",
        "X-IFood-Signature": hmac.new(b"whatever", body, hashlib.sha256).hexdigest(),
    })
    expect_error(resp, 404, "PROVIDER_NOT_CONFIGURED")


def test_body_over_limit(hub, http):
    body = b'{"id":"' + unique("evt_big_").encode() + b'","pad":"' + b"x" * (2 * 1024 * 1024) + b'"}'
    header = hubmod.stripe_signature_header(body, hub.secrets["STRIPE_WEBHOOK_SECRET"])
    try:
        resp = requests.post(hub.base_url + "/webhooks/stripe", data=body, timeout=30,
                             headers={"Content-Type": "application/json", "Stripe-Signature": header})
    except requests.ConnectionError as exc:
        pytest.fail(f"POST of a 2 MiB body: connection failed instead of a 413 response: {exc!r}")
    expect_error(resp, 413, "PAYLOAD_TOO_LARGE")
    assert http.get(hub.base_url + "/health", timeout=10).status_code == 200


def test_admin_api_without_token(hub, http):
    expect_error(http.get(hub.base_url + "/api/v1/webhooks", timeout=10), 401)
    expect_error(http.get(hub.base_url + "/api/v1/webhooks", headers={"Authorization": "Bearer not.a.jwt"},
                          timeout=10), 401)


def test_admin_token_lists(hub, http, admin_token):
    resp = http.get(hub.base_url + "/api/v1/webhooks", params={"limit": 1}, headers=bearer(admin_token), timeout=10)
    assert resp.status_code == 200, describe(resp)
    page = json_body(resp)
    assert isinstance(page.get("data"), list) and "next_cursor" in page, describe(resp)


def test_unsigned_alg_none_token(hub, http, admin_token):
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims_of(admin_token)).encode())
    for token in (f"{header}.{payload}.", f"{header}.{payload}.{admin_token.split('.')[2]}"):
        expect_error(http.get(hub.base_url + "/api/v1/webhooks", headers=bearer(token), timeout=10), 401)


def test_token_signed_with_another_secret(hub, http, admin_token):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims_of(admin_token)).encode())
    signature = b64url(hmac.new(b"not-the-hub-secret", f"{header}.{payload}".encode(), hashlib.sha256).digest())
    expect_error(http.get(hub.base_url + "/api/v1/webhooks", headers=bearer(f"{header}.{payload}.{signature}"),
                          timeout=10), 401)


def test_viewer_token_is_forbidden(hub, http):
    try:
        token = hub.token("viewer")
    except hubmod.TokenError as exc:
        pytest.skip(f"`ponte token create --role viewer` not accepted: {exc}")
    expect_error(http.get(hub.base_url + "/api/v1/webhooks", headers=bearer(token), timeout=10), 403)
