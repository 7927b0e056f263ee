"""The Stripe simulator driven by the official `stripe` SDK (16.1.0): customers,
PaymentIntents (automatic and manual capture, declines), refunds, auth, idempotency and
rate limits; and every webhook it sends checked by the SDK's own verifier."""

from __future__ import annotations

import json
import uuid

import pytest
import stripe


@pytest.fixture
def client(sandbox, credentials):
    return stripe.StripeClient(
        credentials["STRIPE_SECRET_KEY"],
        base_addresses={"api": sandbox.url("stripe")},
        max_network_retries=0,
    )


@pytest.fixture
def module_api(sandbox, credentials, monkeypatch):
    """The SDK's module-level configuration (`stripe.api_key`, `stripe.api_base`)."""
    monkeypatch.setattr(stripe, "api_key", credentials["STRIPE_SECRET_KEY"])
    monkeypatch.setattr(stripe, "api_base", sandbox.url("stripe"))
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    return stripe


def stripe_webhooks(receiver, predicate=lambda event: True):
    """Webhooks the sandbox sent to /webhooks/stripe whose parsed event matches predicate."""
    return [r for r in list(receiver.received) if r.path == "/webhooks/stripe" and predicate(r.json())]


def test_customer_is_created_and_read_back(client):
    customer = client.v1.customers.create(
        params={"email": "ana@example.com", "name": "Ana", "metadata": {"store": "sp01"}}
    )
    assert customer.id.startswith("cus_") and customer.object == "customer"
    again = client.v1.customers.retrieve(customer.id)
    assert again.email == "ana@example.com" and again.metadata["store"] == "sp01"
    updated = client.v1.customers.update(customer.id, params={"phone": "+5511999990000"})
    assert updated.phone == "+5511999990000" and updated.name == "Ana"


def test_create_and_confirm_with_a_visa_succeeds(module_api):
    customer = stripe.Customer.create(email="bia@example.com")
    intent = stripe.PaymentIntent.create(
        amount=2000,
        currency="brl",
        customer=customer.id,
        payment_method="pm_card_visa",
        allowed_payment_method_types=["card"],
        confirm=True,
        metadata={"order_id": "A-17"},
    )
    assert intent.status == "succeeded"
    assert intent.amount_received == 2000 and intent.amount_capturable == 0
    assert intent.latest_charge.startswith("ch_")
    assert intent.metadata["order_id"] == "A-17"
    fetched = stripe.PaymentIntent.retrieve(intent.id, expand=["latest_charge"])
    assert fetched.latest_charge.id == intent.latest_charge
    assert fetched.latest_charge.captured is True and fetched.latest_charge.amount_captured == 2000


def test_manual_capture_is_captured_in_part(client):
    intent = client.v1.payment_intents.create(
        params={"amount": 5000, "currency": "usd", "capture_method": "manual", "payment_method": "pm_card_amex"}
    )
    assert intent.status == "requires_confirmation"
    intent = client.v1.payment_intents.confirm(intent.id)
    assert intent.status == "requires_capture" and intent.amount_capturable == 5000
    captured = client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 3200})
    assert captured.status == "succeeded" and captured.amount_received == 3200
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.capture(intent.id)
    assert raised.value.code == "payment_intent_unexpected_state"


def test_refunds_partial_then_the_rest_then_none(client, sandbox):
    intent = client.v1.payment_intents.create(
        params={"amount": 10000, "currency": "brl", "payment_method": "pm_card_visa", "confirm": True}
    )
    key = f"refund-{uuid.uuid4()}"
    first = client.v1.refunds.create(
        params={"payment_intent": intent.id, "amount": 4000, "reason": "requested_by_customer"},
        options={"idempotency_key": key},
    )
    assert first.status == "succeeded" and first.amount == 4000 and first.charge == intent.latest_charge
    rest = client.v1.refunds.create(params={"payment_intent": intent.id})
    assert rest.amount == 6000
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1})
    assert raised.value.code == "charge_already_refunded"
    assert client.v1.refunds.retrieve(first.id).amount == 4000

    _, ledger = sandbox.control("GET", "/ledger")
    refunds = [e for e in ledger["entries"] if e["kind"] == "refund" and e["payment_id"] == intent.id]
    assert [e["amount"] for e in refunds] == [4000, 6000]
    assert refunds[0]["reference"] == key
    assert ledger["duplicated_references"] == []


def test_a_declined_card_raises_card_error(client):
    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.create(
            params={"amount": 1500, "currency": "brl", "payment_method": "pm_card_chargeDeclined", "confirm": True}
        )
    error = raised.value
    assert error.code == "card_declined"
    assert error.error.decline_code == "generic_decline"
    assert error.http_status == 402
    intent = error.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "card_declined"

    with pytest.raises(stripe.CardError) as raised:
        client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_chargeDeclinedInsufficientFunds"})
    assert raised.value.error.decline_code == "insufficient_funds"


def test_a_wrong_key_raises_authentication_error(sandbox):
    wrong = stripe.StripeClient("sk_test_not_the_sandbox_key_9999", base_addresses={"api": sandbox.url("stripe")})
    with pytest.raises(stripe.AuthenticationError) as raised:
        wrong.v1.customers.create(params={"name": "Eve"})
    assert "sk_test_" in str(raised.value) and "9999" in str(raised.value)
    assert "not_the_sandbox" not in str(raised.value)


def test_the_same_idempotency_key_returns_the_same_intent(client, sandbox):
    key = f"order-{uuid.uuid4()}"
    params = {"amount": 3300, "currency": "brl", "payment_method": "pm_card_mastercard", "confirm": True}
    first = client.v1.payment_intents.create(params=params, options={"idempotency_key": key})
    second = client.v1.payment_intents.create(params=params, options={"idempotency_key": key})
    assert first.id == second.id
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"
    _, ledger = sandbox.control("GET", "/ledger")
    assert [e["reference"] for e in ledger["entries"] if e["object_id"] == first.id] == [key]

    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(params={**params, "amount": 3301}, options={"idempotency_key": key})


def test_every_webhook_passes_the_sdks_verifier(client, receiver, credentials):
    intent = client.v1.payment_intents.create(
        params={"amount": 4200, "currency": "brl", "payment_method": "pm_card_visa", "confirm": True}
    )
    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 200})

    def about(event_type):
        return lambda r: (
            r.path == "/webhooks/stripe"
            and r.json()["type"] == event_type
            and intent.id in (r.json()["data"]["object"].get("id"), r.json()["data"]["object"].get("payment_intent"))
        )

    for event_type in ["payment_intent.created", "payment_intent.succeeded", "refund.created", "charge.refunded"]:
        receiver.wait_for(about(event_type))

    received = stripe_webhooks(receiver)
    assert received
    for webhook in received:
        event = stripe.Webhook.construct_event(
            webhook.body.decode("utf-8"), webhook.header("Stripe-Signature"), credentials["STRIPE_WEBHOOK_SECRET"]
        )
        assert event.object == "event" and event.id.startswith("evt_")
        assert event.api_version == "2026-10-28.endive"
        # The event is also readable through the API, as on Stripe.
        assert client.v1.events.retrieve(event.id).type == event.type

    tampered = received[0]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            tampered.body.decode("utf-8").replace("event", "evnt", 1),
            tampered.header("Stripe-Signature"),
            credentials["STRIPE_WEBHOOK_SECRET"],
        )


def test_webhook_events_carry_the_request_idempotency_key(client, receiver):
    key = f"evt-{uuid.uuid4()}"
    customer = client.v1.customers.create(params={"name": "Caio"}, options={"idempotency_key": key})
    webhook = receiver.wait_for(
        lambda r: r.path == "/webhooks/stripe" and r.json()["data"]["object"].get("id") == customer.id
    )
    event = json.loads(webhook.body)
    assert event["type"] == "customer.created"
    assert event["request"]["idempotency_key"] == key
    assert event["request"]["id"].startswith("req_")
    assert event["livemode"] is False and event["pending_webhooks"] == 1


def test_rate_limit_fault_raises_rate_limit_error(client, sandbox):
    status, _ = sandbox.control("PUT", "/faults/stripe", {"rate_limit_rate": 1, "retry_after_seconds": 2})
    assert status == 200
    with pytest.raises(stripe.RateLimitError) as raised:
        client.v1.customers.create(params={"name": "Limited"})
    assert raised.value.http_status == 429
    assert raised.value.json_body["error"]["code"] == "rate_limit"
    assert raised.value.headers.get("Retry-After") == "2"
