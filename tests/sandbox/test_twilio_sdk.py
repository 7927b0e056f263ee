"""The official `twilio` SDK (9.13.0) pointed at the sandbox's Twilio simulator: it sends
WhatsApp messages, fetches and lists them, gets Twilio's error codes, and its own
RequestValidator accepts every webhook the sandbox signs."""

from __future__ import annotations

import urllib.parse
import uuid

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

WHATSAPP_SENDER = "whatsapp:+14155238886"


@pytest.fixture
def client(sandbox, credentials):
    c = Client(credentials["TWILIO_ACCOUNT_SID"], credentials["TWILIO_AUTH_TOKEN"])
    c.api.base_url = sandbox.url("twilio")
    return c


def form_fields(received) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(received.body.decode(), keep_blank_values=True)
    fields = dict(pairs)
    assert len(fields) == len(pairs), "no field should repeat"
    return fields


def assert_signed(received, receiver, auth_token: str) -> dict[str, str]:
    """The request passes the SDK's own validator; returns its form fields."""
    fields = form_fields(received)
    url = receiver.base_url + received.path
    signature = received.header("X-Twilio-Signature")
    assert signature, "every Twilio webhook carries X-Twilio-Signature"
    assert RequestValidator(auth_token).validate(url, fields, signature), (url, fields)
    assert not RequestValidator("some-other-token").validate(url, fields, signature)
    return fields


def callbacks_for(receiver, path: str, sid: str):
    return [r for r in receiver.received if r.path == path and form_fields(r).get("MessageSid") == sid]


def test_whatsapp_message_is_delivered_with_signed_status_callbacks(client, receiver, credentials):
    # A unique path per test keeps this test's callbacks apart from the others'.
    path = f"/status/{uuid.uuid4().hex}"
    message = client.messages.create(
        to="whatsapp:+5511999998888",
        from_=WHATSAPP_SENDER,
        body="Seu pedido saiu para entrega",
        status_callback=receiver.base_url + path,
    )
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "queued"
    assert message.direction == "outbound-api"
    assert message.account_sid == credentials["TWILIO_ACCOUNT_SID"]
    assert message.to == "whatsapp:+5511999998888" and message.from_ == WHATSAPP_SENDER
    assert message.body == "Seu pedido saiu para entrega"
    assert message.num_segments == "1" and message.num_media == "0"
    assert message.error_code is None and message.price is None and message.price_unit == "USD"
    assert message.date_created is not None and message.date_created.tzinfo is not None
    assert message.api_version == "2010-04-01"

    receiver.wait_for(lambda r: r.path == path and form_fields(r).get("MessageStatus") == "delivered")
    fetched = client.messages(message.sid).fetch()
    assert fetched.status == "delivered"
    assert fetched.date_sent is not None and fetched.error_code is None

    callbacks = callbacks_for(receiver, path, message.sid)
    assert sorted(form_fields(c)["MessageStatus"] for c in callbacks) == ["delivered", "sent"]
    for callback in callbacks:
        fields = assert_signed(callback, receiver, credentials["TWILIO_AUTH_TOKEN"])
        assert fields["SmsSid"] == message.sid and fields["SmsStatus"] == fields["MessageStatus"]
        assert fields["AccountSid"] == credentials["TWILIO_ACCOUNT_SID"]
        assert fields["From"] == WHATSAPP_SENDER and fields["To"] == "whatsapp:+5511999998888"
        assert fields["ApiVersion"] == "2010-04-01"
        assert "ErrorCode" not in fields

    listed = client.messages.list(to="whatsapp:+5511999998888", limit=20)
    assert message.sid in [m.sid for m in listed]
    assert all(m.to == "whatsapp:+5511999998888" for m in listed)


def test_unreachable_handset_ends_undelivered_with_30003(client, receiver, credentials):
    path = f"/status/{uuid.uuid4().hex}"
    message = client.messages.create(
        to="whatsapp:+15005550010", from_=WHATSAPP_SENDER, body="Oi", status_callback=receiver.base_url + path
    )
    received = receiver.wait_for(lambda r: r.path == path and form_fields(r).get("MessageStatus") == "undelivered")
    fields = assert_signed(received, receiver, credentials["TWILIO_AUTH_TOKEN"])
    assert fields["ErrorCode"] == "30003" and fields["MessageSid"] == message.sid
    fetched = client.messages(message.sid).fetch()
    assert fetched.status == "undelivered" and fetched.error_code == 30003


def test_wrong_auth_token_is_refused_with_20003(sandbox, credentials):
    bad = Client(credentials["TWILIO_ACCOUNT_SID"], "wrong-token")
    bad.api.base_url = sandbox.url("twilio")
    with pytest.raises(TwilioRestException) as raised:
        bad.messages.create(to="whatsapp:+5511999998888", from_=WHATSAPP_SENDER, body="Oi")
    assert raised.value.status == 401
    assert raised.value.code == 20003


@pytest.mark.parametrize(
    ("to", "from_", "code"),
    [
        ("whatsapp:not-a-number", WHATSAPP_SENDER, 21211),
        ("+15005550001", "+15005550006", 21211),
        ("+5511999998888", WHATSAPP_SENDER, 21910),
        ("+15005550009", "+15005550006", 21614),
    ],
)
def test_invalid_recipients_raise_twilio_codes(client, to, from_, code):
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=to, from_=from_, body="Oi")
    assert raised.value.status == 400
    assert raised.value.code == code


def test_unknown_message_is_20404(client):
    with pytest.raises(TwilioRestException) as raised:
        client.messages("SM" + "0" * 32).fetch()
    assert raised.value.status == 404 and raised.value.code == 20404


def test_injected_rate_limit_raises_20429(client, sandbox):
    status, _ = sandbox.control("PUT", "/faults/twilio", {"rate_limit_rate": 1, "retry_after_seconds": 2})
    assert status == 200
    # (A list page answered 429 surfaces as the SDK's generic TwilioException; a create
    # goes through the error path that reads Twilio's error JSON.)
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to="whatsapp:+5511999998888", from_=WHATSAPP_SENDER, body="Oi")
    assert raised.value.status == 429 and raised.value.code == 20429
    assert "Too Many Requests" in raised.value.msg


def test_inbound_whatsapp_message_reaches_the_hub_signed(sandbox, receiver, credentials):
    status, answer = sandbox.control(
        "POST",
        "/twilio/inbound",
        {"from": "whatsapp:+5511999998888", "to": WHATSAPP_SENDER, "body": "Oi", "profile_name": "Ana"},
    )
    assert status == 200
    sid = answer["message_sid"]
    received = receiver.wait_for(
        lambda r: r.path == "/webhooks/twilio" and form_fields(r).get("MessageSid") == sid
    )
    fields = assert_signed(received, receiver, credentials["TWILIO_AUTH_TOKEN"])
    assert fields == answer["fields"]
    assert fields["SmsSid"] == sid and fields["SmsMessageSid"] == sid
    assert fields["AccountSid"] == credentials["TWILIO_ACCOUNT_SID"]
    assert fields["From"] == "whatsapp:+5511999998888" and fields["To"] == WHATSAPP_SENDER
    assert fields["Body"] == "Oi" and fields["NumMedia"] == "0" and fields["NumSegments"] == "1"
    assert fields["SmsStatus"] == "received" and fields["ApiVersion"] == "2010-04-01"
    assert fields["ProfileName"] == "Ana" and fields["WaId"] == "5511999998888"
    assert fields["MessageType"] == "text"
