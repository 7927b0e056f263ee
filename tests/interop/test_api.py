"""Admin API reading the inbox: newest first, cursor pagination, unknown ids."""

import json
import uuid
from datetime import datetime, timezone

from standardwebhooks.webhooks import Webhook

from interop_helpers import bearer, describe, expect_received, json_body


def send_standard(http, hub) -> tuple[str, str]:
    wh = Webhook(hub.secrets["STANDARD_WEBHOOK_SECRET"])
    msg_id = "msg_" + uuid.uuid4().hex
    now = datetime.now(timezone.utc)
    body = json.dumps({"type": "ticket.printed", "data": {"ticket": msg_id[-6:]}})
    resp = http.post(hub.base_url + "/webhooks/standard", data=body.encode(), timeout=30, headers={
        "webhook-id": msg_id, "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": wh.sign(msg_id, now, body), "Content-Type": "application/json"})
    return msg_id, expect_received(resp, duplicate=False)


def test_list_is_newest_first_and_pages_with_cursor(hub, http, admin_token):
    sent = [send_standard(http, hub) for _ in range(3)]  # oldest first
    rows, cursor, pages = [], None, 0
    while True:
        params = {"provider": "standard", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        resp = http.get(hub.base_url + "/api/v1/webhooks", params=params, headers=bearer(admin_token), timeout=30)
        assert resp.status_code == 200, describe(resp)
        page = json_body(resp)
        assert len(page["data"]) <= 1, describe(resp)
        rows.extend(page["data"])
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor or pages > 10000:
            break
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a row appeared on two pages"
    positions = [ids.index(inbox_id) for _, inbox_id in sent]
    assert positions == sorted(positions, reverse=True), f"not newest first: positions {positions}"
    for event_id, inbox_id in sent:
        row = rows[ids.index(inbox_id)]
        assert row["provider"] == "standard" and row["event_id"] == event_id, row
        assert row["event_type"] == "ticket.printed", row
        assert set(row) >= {"id", "provider", "event_id", "event_type", "status", "received_at"}, row


def test_unknown_inbox_id_is_a_clear_4xx(hub, http, admin_token):
    resp = http.get(hub.base_url + "/api/v1/webhooks/does-not-exist-" + uuid.uuid4().hex,
                    headers=bearer(admin_token), timeout=30)
    assert 400 <= resp.status_code < 500, describe(resp)
    assert isinstance(json_body(resp).get("error"), dict), describe(resp)
