"""The iFood simulator over plain HTTP: OAuth token, an order placed through the control
API, event polling and acknowledgement, confirmation, and the signed webhooks it sends
(the HMAC is checked here with the standard library)."""

from __future__ import annotations

import hashlib
import hmac

import requests


def token(sandbox, credentials, secret=None):
    return requests.post(
        f"{sandbox.url('ifood')}/authentication/v1.0/oauth/token",
        data={
            "grantType": "client_credentials",
            "clientId": credentials["IFOOD_CLIENT_ID"],
            "clientSecret": secret or credentials["IFOOD_CLIENT_SECRET"],
        },
        timeout=10,
    )


def test_token_poll_ack_confirm_and_signed_webhooks(sandbox, receiver, credentials):
    assert token(sandbox, credentials, secret="wrong").status_code == 401
    answer = token(sandbox, credentials)
    assert answer.status_code == 200
    body = answer.json()
    assert body["type"] == "bearer" and body["expiresIn"] == 21600
    headers = {"Authorization": f"Bearer {body['accessToken']}"}
    base = sandbox.url("ifood")
    merchant = "3f6a1e9c-2b7d-4c55-9a0e-7f1b2c3d4e5f"

    status, order = sandbox.control("POST", "/ifood/orders", {
        "merchantId": merchant, "items": [{"name": "Açaí 500ml", "quantity": 2, "unitPrice": 21.45}],
    })
    assert status == 201
    assert order["total"]["subTotal"] == 42.9

    polled = requests.get(f"{base}/events/v1.0/events:polling", headers={**headers, "x-polling-merchants": merchant}, timeout=10)
    assert polled.status_code == 200
    events = [e for e in polled.json() if e["orderId"] == order["id"]]
    assert [(e["code"], e["fullCode"]) for e in events] == [("PLC", "PLACED")]
    assert events[0]["createdAt"].endswith("Z") and "." in events[0]["createdAt"]

    ack = requests.post(f"{base}/events/v1.0/events/acknowledgment", json=[{"id": e["id"]} for e in polled.json()], headers=headers, timeout=10)
    assert ack.status_code == 202
    assert requests.get(f"{base}/order/v1.0/events:polling", headers={**headers, "x-polling-merchants": merchant}, timeout=10).status_code == 204

    details = requests.get(f"{base}/order/v1.0/orders/{order['id']}", headers=headers, timeout=10)
    assert details.status_code == 200 and details.json()["merchant"]["id"] == merchant
    assert requests.post(f"{base}/order/v1.0/orders/{order['id']}/confirm", headers=headers, timeout=10).status_code == 202
    confirmed = requests.get(f"{base}/events/v1.0/events:polling", headers={**headers, "x-polling-merchants": merchant}, timeout=10).json()
    assert [e["code"] for e in confirmed] == ["CFM"]

    assert requests.get(f"{base}/order/v1.0/orders/{order['id']}", headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401

    secret = credentials["IFOOD_CLIENT_SECRET"].encode()
    for code in ("PLACED", "CONFIRMED"):
        webhook = receiver.wait_for(
            lambda r, code=code: r.path == "/webhooks/ifood" and r.json()["orderId"] == order["id"] and r.json()["fullCode"] == code
        )
        expected = hmac.new(secret, webhook.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(webhook.header("X-IFood-Signature"), expected)
