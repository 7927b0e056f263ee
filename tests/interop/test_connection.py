"""HTTP/1.1 on one keep-alive connection, on raw sockets: webhooks are answered on the
connection's event loop and other requests by the router, so these check that pipelined
requests are still answered in the order they were sent, and that a refused body leaves the
connection usable."""

import json
import socket

import stripe

import hub as hubmod
from interop_helpers import unique


def signed_webhook(hub, event_id: str) -> bytes:
    body = hubmod.stripe_payment_intent_event(event_id)
    header = stripe.WebhookSignature.generate_signature_header(body.decode("utf-8"), hub.secrets["STRIPE_WEBHOOK_SECRET"])
    return (
        f"POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1:{hub.port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nStripe-Signature: {header}\r\n\r\n"
    ).encode() + body


def get(hub, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{hub.port}\r\n\r\n".encode()


def read_responses(sock: socket.socket, count: int) -> list[tuple[int, dict, bytes]]:
    """Reads `count` Content-Length-framed responses: (status, headers, body)."""
    buffer = b""
    responses = []
    sock.settimeout(30)
    while len(responses) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {len(responses)} of {count} responses"
            buffer += chunk
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(buffer) < length:
            chunk = sock.recv(65536)
            assert chunk, "connection closed inside a body"
            buffer += chunk
        responses.append((status, headers, buffer[:length]))
        buffer = buffer[length:]
    return responses


def connect(hub) -> socket.socket:
    return socket.create_connection(("127.0.0.1", hub.port), timeout=30)


def test_pipelined_requests_are_answered_in_order(hub):
    first, second = unique("evt_pipe_a_"), unique("evt_pipe_b_")
    with connect(hub) as sock:
        # The router's request first, then two webhooks, then the router's again, in one write.
        sock.sendall(get(hub, "/health") + signed_webhook(hub, first) + signed_webhook(hub, second) + get(hub, "/nope"))
        answers = read_responses(sock, 4)
    statuses = [status for status, _, _ in answers]
    assert statuses == [200, 200, 200, 404], statuses
    assert json.loads(answers[0][2]) == {"status": "ok"}, answers[0]
    acks = [json.loads(body) for _, _, body in answers[1:3]]
    assert all(ack["received"] is True and ack["duplicate"] is False for ack in acks), acks
    assert acks[0]["id"] != acks[1]["id"], acks
    assert json.loads(answers[3][2])["error"]["code"] == "NOT_FOUND", answers[3]
    assert all("x-request-id" in headers for _, headers, _ in answers), answers


def test_webhook_then_router_request_keeps_order(hub):
    event = unique("evt_pipe_c_")
    with connect(hub) as sock:
        sock.sendall(signed_webhook(hub, event) + get(hub, "/health") + signed_webhook(hub, event))
        answers = read_responses(sock, 3)
    assert [status for status, _, _ in answers] == [200, 200, 200], answers
    stored, repeated = json.loads(answers[0][2]), json.loads(answers[2][2])
    assert stored["duplicate"] is False and repeated["duplicate"] is True, (stored, repeated)
    assert repeated["id"] == stored["id"], (stored, repeated)


def test_body_over_the_limit_is_refused_and_the_connection_goes_on(hub):
    oversized = b"x" * (1024 * 1024 + 1)
    request = (
        f"POST /webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1:{hub.port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(oversized)}\r\nStripe-Signature: t=1,v1=00\r\n\r\n"
    ).encode() + oversized
    with connect(hub) as sock:
        sock.sendall(request + signed_webhook(hub, unique("evt_after_413_")))
        answers = read_responses(sock, 2)
    assert answers[0][0] == 413, answers[0]
    assert json.loads(answers[0][2])["error"]["code"] == "PAYLOAD_TOO_LARGE", answers[0]
    assert answers[1][0] == 200 and json.loads(answers[1][2])["duplicate"] is False, answers[1]
