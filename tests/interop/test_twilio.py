"""Twilio inbound WhatsApp message signed with the official `twilio` SDK
(twilio.request_validator.RequestValidator.compute_signature)."""

import uuid

from twilio.request_validator import RequestValidator

from interop_helpers import describe, expect_error

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def whatsapp_params() -> dict:
    sid = "SM" + uuid.uuid4().hex
    return {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "João Silva",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": "5511999998888",
        "SmsStatus": "received",
        "Body": "Olá! Quero 2 pizzas de calabresa & 1 guaraná, por favor.",
        "To": "whatsapp:+14155238886",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": "AC" + uuid.uuid4().hex,
        "From": "whatsapp:+5511999998888",
        "ApiVersion": "2010-04-01",
    }


def post(http, url, params, signature):
    return http.post(url, data=params, timeout=30, headers={
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1",
        "Content-Type": "application/x-www-form-urlencoded",
    })


def expect_twiml(resp):
    assert resp.status_code == 200, describe(resp)
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip() == "text/xml", describe(resp)
    assert resp.text.strip() == TWIML_EMPTY, describe(resp)


def test_signed_whatsapp_message_gets_twiml(hub, http):
    token = hub.secrets["TWILIO_AUTH_TOKEN"]
    url = hub.base_url + "/webhooks/twilio"
    params = whatsapp_params()
    validator = RequestValidator(token)
    signature = validator.compute_signature(url, params)
    # Sanity of the test itself: the SDK's own validator accepts what we send.
    assert validator.validate(url, params, signature)

    expect_twiml(post(http, url, params, signature))
    # Twilio retries the same request: still a plain TwiML 200.
    expect_twiml(post(http, url, params, signature))


def test_tampered_param_is_rejected(hub, http):
    token = hub.secrets["TWILIO_AUTH_TOKEN"]
    url = hub.base_url + "/webhooks/twilio"
    params = whatsapp_params()
    signature = RequestValidator(token).compute_signature(url, params)
    tampered = dict(params, Body=params["Body"].replace("2 pizzas", "9 pizzas"))
    assert not RequestValidator(token).validate(url, tampered, signature)
    expect_error(post(http, url, tampered, signature), 401, "WEBHOOK_SIGNATURE_INVALID")


def test_signature_for_another_url_is_rejected(hub, http):
    token = hub.secrets["TWILIO_AUTH_TOKEN"]
    params = whatsapp_params()
    signature = RequestValidator(token).compute_signature("https://attacker.example/webhooks/twilio", params)
    expect_error(post(http, hub.base_url + "/webhooks/twilio", params, signature), 401,
                 "WEBHOOK_SIGNATURE_INVALID")
