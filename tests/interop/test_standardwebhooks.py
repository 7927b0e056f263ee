"""Standard Webhooks signed by the reference `standardwebhooks` package
(standardwebhooks.webhooks.Webhook.sign)."""

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from interop_helpers import describe, expect_error, expect_received


def payload(msg_id: str) -> str:
    return json.dumps({
        "type": "order.paid",
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "data": {"order_id": "ord_" + msg_id[-12:], "amount": 12990, "currency": "BRL", "customer": "Zé Ninguém"},
    }, ensure_ascii=False)


def headers(msg_id: str, ts: datetime, signature: str) -> dict:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(ts.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
    }


def post(http, hub, body: str, hdrs: dict):
    return http.post(hub.base_url + "/webhooks/standard", data=body.encode("utf-8"), headers=hdrs, timeout=30)


def test_signed_message_then_duplicate(hub, http):
    wh = Webhook(hub.secrets["STANDARD_WEBHOOK_SECRET"])
    msg_id = "msg_" + uuid.uuid4().hex
    now = datetime.now(timezone.utc)
    body = payload(msg_id)
    hdrs = headers(msg_id, now, wh.sign(msg_id, now, body))
    wh.verify(body.encode("utf-8"), hdrs)  # sanity: the reference implementation accepts it

    inbox_id = expect_received(post(http, hub, body, hdrs), duplicate=False)
    again = post(http, hub, body, hdrs)
    assert expect_received(again, duplicate=True) == inbox_id, describe(again)


def test_several_signatures_any_v1_matches(hub, http):
    wh = Webhook(hub.secrets["STANDARD_WEBHOOK_SECRET"])
    other = Webhook("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY")
    msg_id = "msg_" + uuid.uuid4().hex
    now = datetime.now(timezone.utc)
    body = payload(msg_id)
    signature = " ".join([other.sign(msg_id, now, body), wh.sign(msg_id, now, body)])
    expect_received(post(http, hub, body, headers(msg_id, now, signature)), duplicate=False)


def test_tampered_body_is_rejected(hub, http):
    wh = Webhook(hub.secrets["STANDARD_WEBHOOK_SECRET"])
    msg_id = "msg_" + uuid.uuid4().hex
    now = datetime.now(timezone.utc)
    body = payload(msg_id)
    hdrs = headers(msg_id, now, wh.sign(msg_id, now, body))
    tampered = body.replace("12990", "12991")
    with pytest.raises(WebhookVerificationError):
        wh.verify(tampered.encode("utf-8"), hdrs)
    expect_error(post(http, hub, tampered, hdrs), 401, "WEBHOOK_SIGNATURE_INVALID")


@pytest.mark.parametrize("skew", [-600, 600], ids=["10min-old", "10min-future"])
def test_timestamp_outside_five_minutes_is_rejected(hub, http, skew):
    wh = Webhook(hub.secrets["STANDARD_WEBHOOK_SECRET"])
    msg_id = "msg_" + uuid.uuid4().hex
    ts = datetime.fromtimestamp(int(time.time()) + skew, tz=timezone.utc)
    body = payload(msg_id)
    hdrs = headers(msg_id, ts, wh.sign(msg_id, ts, body))
    with pytest.raises(WebhookVerificationError):
        wh.verify(body.encode("utf-8"), hdrs)
    expect_error(post(http, hub, body, hdrs), 401, "WEBHOOK_SIGNATURE_INVALID")
