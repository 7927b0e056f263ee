"""Square webhooks. The `squareup` SDK only verifies, so the signature is computed
with hmac and proven by the SDK's own verifier
(square.utils.webhooks_helper.verify_signature) before it is sent."""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import datetime, timezone

from square.utils.webhooks_helper import verify_signature

from interop_helpers import describe, expect_error, expect_received


def square_sign(key: str, url: str, body: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), (url + body).encode("utf-8"), hashlib.sha256).digest()).decode()


def event_body(event_id: str) -> str:
    return json.dumps({
        "merchant_id": "6SSW7HV8K2ST5",
        "type": "customer.created",
        "event_id": event_id,
        "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "data": {
            "type": "customer",
            "id": "JDKYHBWT1D4F8MFH63DBMEN8Y4",
            "object": {"customer": {
                "id": "JDKYHBWT1D4F8MFH63DBMEN8Y4",
                "given_name": "Amélie",
                "family_name": "Earhart",
                "email_address": "amelie.earhart@example.com",
                "created_at": "2024-01-01T00:00:00Z",
                "preferences": {"email_unsubscribed": False},
                "creation_source": "THIRD_PARTY",
                "version": 0,
            }},
        },
    }, ensure_ascii=False)


def post(http, hub, body: str, signature: str):
    return http.post(hub.base_url + "/webhooks/square", data=body.encode("utf-8"), timeout=30, headers={
        "Content-Type": "application/json",
        "x-square-hmacsha256-signature": signature,
        "Square-Version": "2024-01-18",
    })


def test_signed_event_proven_by_sdk(hub, http):
    key = hub.secrets["SQUARE_WEBHOOK_SIGNATURE_KEY"]
    url = hub.base_url + "/webhooks/square"  # PONTE_PUBLIC_URL + path (no SQUARE_WEBHOOK_URL set)
    body = event_body(str(uuid.uuid4()))
    signature = square_sign(key, url, body)
    assert verify_signature(request_body=body, signature_header=signature, signature_key=key,
                            notification_url=url) is True

    inbox_id = expect_received(post(http, hub, body, signature), duplicate=False)
    again = post(http, hub, body, signature)
    assert expect_received(again, duplicate=True) == inbox_id, describe(again)


def test_signature_for_another_notification_url_is_rejected(hub, http):
    key = hub.secrets["SQUARE_WEBHOOK_SIGNATURE_KEY"]
    url = hub.base_url + "/webhooks/square"
    other_url = "https://example.com/webhooks/square"
    body = event_body(str(uuid.uuid4()))
    signature = square_sign(key, other_url, body)
    assert verify_signature(request_body=body, signature_header=signature, signature_key=key,
                            notification_url=other_url) is True
    assert verify_signature(request_body=body, signature_header=signature, signature_key=key,
                            notification_url=url) is False
    expect_error(post(http, hub, body, signature), 401, "WEBHOOK_SIGNATURE_INVALID")


def test_tampered_body_is_rejected(hub, http):
    key = hub.secrets["SQUARE_WEBHOOK_SIGNATURE_KEY"]
    url = hub.base_url + "/webhooks/square"
    body = event_body(str(uuid.uuid4()))
    signature = square_sign(key, url, body)
    tampered = body.replace("Amélie", "Amelia")
    assert verify_signature(request_body=tampered, signature_header=signature, signature_key=key,
                            notification_url=url) is False
    expect_error(post(http, hub, tampered, signature), 401, "WEBHOOK_SIGNATURE_INVALID")
