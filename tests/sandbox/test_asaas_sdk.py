"""The Asaas simulator seen through a Python SDK from PyPI (`asaas`, pointed at the sandbox
with `base_url`): customer, PIX charge, its QR code (decoded by OpenCV, which nobody on this
project wrote), payment through the SDK's own sandbox helper, and the webhook that follows."""

from __future__ import annotations

import base64
import datetime

import cv2
import numpy as np
import pytest
from asaas import Asaas
from asaas.exceptions import AsaasAPIError, AsaasAuthenticationError


def brasilia_date(sandbox, days_ahead: int = 0) -> str:
    """A date on the sandbox clock (which other tests may have moved), in Brasília time."""
    _, overview = sandbox.control("GET", "")
    now = datetime.datetime.fromtimestamp(overview["clock"]["now"], datetime.timezone(datetime.timedelta(hours=-3)))
    return (now.date() + datetime.timedelta(days=days_ahead)).isoformat()


def decode_qr(png: bytes) -> str:
    """The text of the QR code in png, read by OpenCV. Its classic detector misses some
    dense codes (also ones drawn by other encoders), so its ArUco-based detector gets a
    second look; both are independent of Ponte's encoder."""
    image = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        decoded, _, _ = detector.detectAndDecode(image)
        if decoded:
            return decoded
    return ""


@pytest.fixture
def client(sandbox, credentials):
    return Asaas(api_key=credentials["ASAAS_API_KEY"], base_url=sandbox.url("asaas"))


def test_pix_charge_qr_code_and_received_webhook(client, sandbox, receiver, credentials):
    customer = client.customers.create(name="Maria Silva", cpf_cnpj="52998224725", email="maria@example.com")
    assert customer["id"].startswith("cus_") and customer["cpfCnpj"] == "52998224725"

    payment = client.payments.create(
        customer=customer["id"], billing_type="PIX", value=129.90, due_date=brasilia_date(sandbox, 3),
        description="Pedido 42", external_reference="sdk-order-42",
    )
    assert payment["id"].startswith("pay_") and payment["status"] == "PENDING"
    assert payment["value"] == 129.9

    qr = client.payments.get_pix_qr_code(payment["id"])
    assert qr["payload"].startswith("000201") and "br.gov.bcb.pix" in qr["payload"].lower()
    assert qr["expirationDate"].endswith("23:59:59")
    png = base64.b64decode(qr["encodedImage"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert decode_qr(png) == qr["payload"]

    found = client.payments.list(external_reference="sdk-order-42")
    assert found.total_count == 1 and found.data[0]["id"] == payment["id"]

    paid = client.sandbox_utils.confirm_payment(payment["id"])
    assert paid["status"] == "RECEIVED"
    assert client.payments.get_status(payment["id"])["status"] == "RECEIVED"

    def is_received(request):
        if request.path != "/webhooks/asaas":
            return False
        body = request.json()
        return body["event"] == "PAYMENT_RECEIVED" and body["payment"]["id"] == payment["id"]

    webhook = receiver.wait_for(is_received)
    assert webhook.header("asaas-access-token") == credentials["ASAAS_WEBHOOK_TOKEN"]
    body = webhook.json()
    event_id, _, number = body["id"].partition("&")
    assert event_id.startswith("evt_") and number.isdigit()
    datetime.datetime.strptime(body["dateCreated"], "%Y-%m-%d %H:%M:%S")
    assert body["account"]["ownerId"] is None
    assert body["payment"]["externalReference"] == "sdk-order-42"

    _, ledger = sandbox.control("GET", "/ledger")
    charges = [e for e in ledger["entries"] if e["provider"] == "asaas" and e["payment_id"] == payment["id"]]
    assert [(e["kind"], e["amount"], e["reference"]) for e in charges] == [("charge", 12990, "sdk-order-42")]


def test_sdk_sees_asaas_errors(client, sandbox, credentials):
    with pytest.raises(AsaasAPIError) as invalid:
        client.customers.create(name="Sem CPF", cpf_cnpj="12345678900")
    assert invalid.value.status_code == 400
    assert invalid.value.errors[0]["code"] == "invalid_cpfCnpj"

    stranger = Asaas(api_key="$aact_hmlg_wrong", base_url=sandbox.url("asaas"))
    with pytest.raises(AsaasAuthenticationError):
        stranger.customers.list()

    customer = client.customers.create(name="Joao", cpf_cnpj="11222333000181")
    payment = client.payments.create(
        customer=customer["id"], billing_type="PIX", value=20, due_date=brasilia_date(sandbox, 1)
    )
    with pytest.raises(AsaasAPIError) as unpaid:
        client.payments.refund(payment["id"])
    assert unpaid.value.status_code == 400
    client.sandbox_utils.confirm_payment(payment["id"])
    partial = client.payments.refund(payment["id"], value=5.5, description="sdk-refund-1")
    assert partial["status"] == "RECEIVED" and len(partial["refunds"]) == 1
    with pytest.raises(AsaasAPIError) as over:
        client.payments.refund(payment["id"], value=14.51)
    assert over.value.errors[0]["code"] == "invalid_value"
    assert client.payments.refund(payment["id"])["status"] == "REFUNDED"
