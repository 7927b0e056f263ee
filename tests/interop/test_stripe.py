"""Stripe webhooks signed by the official `stripe` SDK's own signing code
(stripe.WebhookSignature.generate_signature_header, stripe/_webhook.py)."""

import time

import pytest
import stripe

import hub as hubmod
from interop_helpers import bearer, describe, expect_error, expect_received, json_body, list_all, unique

URL_PATH = "/webhooks/stripe"


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    header = stripe.WebhookSignature.generate_signature_header(body.decode("utf-8"), secret, timestamp=timestamp)
    return header


def post(http, hub, body: bytes, signature: str):
    return http.post(hub.base_url + URL_PATH, data=body, timeout=30,
                     headers={"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": signature,
                              "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})


def test_sdk_signature_is_what_the_sdk_verifies(hub):
    # Sanity of the test itself: the header we send is accepted by the SDK's verifier.
    secret = hub.secrets["STRIPE_WEBHOOK_SECRET"]
    body = hubmod.stripe_payment_intent_event(unique("evt_sanity_"))
    header = sign(body, secret)
    assert header.startswith("t=") and ",v1=" in header
    assert stripe.WebhookSignature.verify_header(body.decode("utf-8"), header, secret, tolerance=300)
    event = stripe.Webhook.construct_event(body.decode("utf-8"), header, secret)
    assert event.type == "payment_intent.succeeded"


def test_signed_event_is_stored_once_with_exact_bytes(hub, http, admin_token):
    secret = hub.secrets["STRIPE_WEBHOOK_SECRET"]
    event_id = unique("evt_")
    body = hubmod.stripe_payment_intent_event(event_id)
    assert 900 <= len(body) <= 2048
    header = sign(body, secret)

    first = post(http, hub, body, header)
    inbox_id = expect_received(first, duplicate=False)

    # Stripe retries with the same body (and a fresh timestamp).
    again = post(http, hub, body, sign(body, secret))
    assert expect_received(again, duplicate=True) == inbox_id, describe(again)
    # Same header replayed as-is (still inside the tolerance) is also a duplicate.
    replay = post(http, hub, body, header)
    assert expect_received(replay, duplicate=True) == inbox_id, describe(replay)

    detail = http.get(f"{hub.base_url}/api/v1/webhooks/{inbox_id}", headers=bearer(admin_token), timeout=30)
    assert detail.status_code == 200, describe(detail)
    row = json_body(detail)
    assert row.get("id") == inbox_id, row
    assert row.get("provider") == "stripe", row
    assert row.get("event_id") == event_id, row
    assert row.get("event_type") == "payment_intent.succeeded", row
    assert isinstance(row.get("status"), str), row
    assert isinstance(row.get("received_at"), str), row
    assert isinstance(row.get("headers"), dict), row
    assert isinstance(row.get("body"), str), row
    assert row["body"].encode("utf-8") == body, "stored body differs from the exact bytes sent"

    listed = [r for r in list_all(http, hub, admin_token, "stripe") if r.get("event_id") == event_id]
    assert len(listed) == 1 and listed[0].get("id") == inbox_id, listed


def test_tampered_body_is_rejected_and_not_stored(hub, http, admin_token):
    secret = hub.secrets["STRIPE_WEBHOOK_SECRET"]
    event_id = unique("evt_tamper_")
    body = hubmod.stripe_payment_intent_event(event_id, amount=4990)
    header = sign(body, secret)
    index = body.index(b'"amount": 4990') + len(b'"amount": ')
    tampered = body[:index] + b"9" + body[index + 1:]  # one byte changed: 4990 -> 9990
    assert len(tampered) == len(body) and tampered != body

    resp = post(http, hub, tampered, header)
    expect_error(resp, 401, "WEBHOOK_SIGNATURE_INVALID")

    assert not [r for r in list_all(http, hub, admin_token, "stripe") if r.get("event_id") == event_id], \
        "a rejected webhook must change nothing"


def test_old_timestamp_is_rejected(hub, http):
    secret = hub.secrets["STRIPE_WEBHOOK_SECRET"]
    body = hubmod.stripe_payment_intent_event(unique("evt_old_"))
    header = sign(body, secret, timestamp=int(time.time()) - 600)
    with pytest.raises(stripe.SignatureVerificationError):  # the SDK also refuses it
        stripe.WebhookSignature.verify_header(body.decode("utf-8"), header, secret, tolerance=300)
    resp = post(http, hub, body, header)
    expect_error(resp, 401, "WEBHOOK_SIGNATURE_INVALID")


def test_missing_or_garbled_signature_header(hub, http):
    body = hubmod.stripe_payment_intent_event(unique("evt_nosig_"))
    resp = http.post(hub.base_url + URL_PATH, data=body, headers={"Content-Type": "application/json"}, timeout=30)
    expect_error(resp, 401, "WEBHOOK_SIGNATURE_INVALID")
    resp = post(http, hub, body, "this is not a stripe signature")
    expect_error(resp, 401, "WEBHOOK_SIGNATURE_INVALID")


def test_signature_with_wrong_secret(hub, http):
    body = hubmod.stripe_payment_intent_event(unique("evt_wrongkey_"))
    resp = post(http, hub, body, sign(body, "whsec_not_the_configured_secret"))
    expect_error(resp, 401, "WEBHOOK_SIGNATURE_INVALID")
