"""The sandbox's control API: overview, fault settings (validated), clock."""


def test_overview_lists_the_simulators_and_the_clock(sandbox):
    status, body = sandbox.control("GET", "")
    assert status == 200
    assert "clock" in body and body["clock"]["now"] > 1_700_000_000


def test_fault_settings_are_validated_and_kept(sandbox):
    status, body = sandbox.control("PUT", "/faults/stripe", {"error_rate": 1.5})
    assert status == 400 and body["error"]["code"] == "INVALID_FAULTS"
    status, body = sandbox.control("PUT", "/faults/nope", {"error_rate": 0.1})
    assert status == 404 and body["error"]["code"] == "UNKNOWN_PROVIDER"
    status, body = sandbox.control("PUT", "/faults/stripe", {"rate_limit_rate": 0.25, "retry_after_seconds": 3})
    assert status == 200 and body["rate_limit_rate"] == 0.25
    status, body = sandbox.control("GET", "/faults")
    assert body["stripe"]["retry_after_seconds"] == 3 and body["asaas"]["error_rate"] == 0


def test_clock_advances_and_refuses_going_back(sandbox):
    _, before = sandbox.control("GET", "")
    status, body = sandbox.control("POST", "/clock/advance", {"seconds": 3600})
    assert status == 200 and body["now"] >= before["clock"]["now"] + 3600
    status, body = sandbox.control("POST", "/clock/advance", {"seconds": -5})
    assert status == 400
