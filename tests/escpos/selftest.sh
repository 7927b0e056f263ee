#!/usr/bin/env bash
# Self-test of the ESC/POS decoder harness (tests/escpos/decode.py).
#
# 1. python-escpos (an independent generator) writes a kiosk ticket: ESC @, ESC t for CP860,
#    "Emissão de 2ª via" / "Atendimento preferencial" in CP860, GS ! 2x2 bold "A001", a native
#    GS ( k QR with "https://example.test/t/tk_123", GS V cut. Its key bytes are compared with
#    the ones PROVIDERS.md section 13 documents.
# 2. decode.py (emupos) must give back the accented text, the size, the QR payload, the cut.
# 3. Broken variants (UTF-8 text, no cut, no ESC t, other QR data) must be caught.
# 4. decode.py --listen: job files, DLE EOT replies for each --status against the bytes of
#    PROVIDERS.md 13.5, a DLE EOT split across writes, --drop-every, GS ( H process ID.
# Exits non-zero on any mismatch. Last line: "selftest: N passed, M failed".
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd -P)"
PY="$("$HERE/setup" | tail -n 1)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/escpos-selftest.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
"$PY" - "$HERE/decode.py" "$WORK" <<'PYTHON'
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

DECODE, WORK = sys.argv[1], Path(sys.argv[2])
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   - {name}")
    else:
        failed += 1
        print(f"FAIL - {name}" + (f": {detail}" if detail else ""))


def decode(data: bytes) -> dict:
    path = WORK / f"in-{time.monotonic_ns()}.bin"
    path.write_bytes(data)
    out = subprocess.run([sys.executable, DECODE, str(path)], capture_output=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.decode(errors="replace"))
    return json.loads(out.stdout)


# --- 1. the sample ticket, from python-escpos ------------------------------------------------
from escpos.printer import Dummy

URL = "https://example.test/t/tk_123"
LINE1, LINE2, BIG = "Emissão de 2ª via", "Atendimento preferencial", "A001"


def ticket(text_bytes=None, cut=True, charcode=True, url=URL) -> bytes:
    p = Dummy(profile="TM-T88V")
    p.hw("INIT")
    if charcode:
        p.charcode("CP860")
    p.set(align="center")
    if text_bytes is None:
        p.text(f"{LINE1}\n{LINE2}\n")
    else:
        p._raw(text_bytes)
    p.set(bold=True, custom_size=True, width=2, height=2)
    p.text(f"{BIG}\n")
    p.set(bold=False, custom_size=True, width=1, height=1)
    p.qr(url, native=True, size=6)
    if cut:
        p.cut()
    return p.output


sample = ticket()
(WORK / "sample.bin").write_bytes(sample)
print(f"sample ticket ({len(sample)} bytes): {sample.hex(' ')}")

# PROVIDERS.md 13.2-13.4: the bytes the harness expects.
url = URL.encode("ascii")
expected_parts = {
    "ESC @ = 1b 40 first": sample.startswith(b"\x1b\x40"),
    "ESC t 3 (PC860, Epson numbering) = 1b 74 03": b"\x1b\x74\x03" in sample,
    "CP860 text: ã=84 ª=a6": LINE1.encode("cp860") in sample and b"\x84" in sample and b"\xa6" in sample,
    "GS ! 2x2 = 1d 21 11": b"\x1d\x21\x11" in sample,
    "GS ( k fn 180 store, pL pH = k+3": b"\x1d\x28\x6b" + (len(url) + 3).to_bytes(2, "little") + b"\x31\x50\x30" + url in sample,
    "GS ( k fn 181 print = 1d 28 6b 03 00 31 51 30": b"\x1d\x28\x6b\x03\x00\x31\x51\x30" in sample,
    "GS V 0 full cut last = 1d 56 00": sample.endswith(b"\x1d\x56\x00"),
}
for name, ok in expected_parts.items():
    check(f"python-escpos sample has {name}", ok)

# --- 2. decode it ------------------------------------------------------------------------------
result = decode(sample)
print("decoded:", json.dumps({k: result[k] for k in ("initialized", "code_page", "qr", "qr_scanned", "cut", "unknown")}, ensure_ascii=False))
for line in result["lines"]:
    print("  line:", json.dumps({k: line[k] for k in ("text", "size", "bold", "align", "code_page")}, ensure_ascii=False))


def ticket_checks(r: dict) -> dict:
    texts = [l["text"] for l in r["lines"] if l["text"]]
    big = next((l for l in r["lines"] if l["text"] == BIG), None)
    return {
        "initialized (ESC @)": r["initialized"] and r["initialized_first"],
        "code page CP860 (ESC t 3)": r["code_page"] == "CP860"
        and [s["n"] for s in r["code_page_selections"]] == [3],
        "accented lines decoded through CP860": texts[:2] == [LINE1, LINE2],
        "A001 at 2x2 bold, centred": big is not None and big["size"] == [2, 2] and big["bold"] and big["align"] == "center",
        "normal lines at 1x1, not bold": all(l["size"] == [1, 1] and not l["bold"] for l in r["lines"][:2]),
        "QR payload from GS ( k fn 180": r["qr"] == [URL],
        "QR read back from the rendered image (OpenCV)": r.get("qr_scanned") == [URL],
        "QR error correction / module size": r["qr_details"][:1] and r["qr_details"][0]["module_size"] == 6,
        "cut (GS V), ticket ends with it": r["cut"] and r["ends_with_cut"] and r["cuts"][0]["kind"] == "full",
        "no unknown commands": r["unknown"] == [],
    }


def summary(r: dict) -> str:
    keys = ("code_page", "qr", "qr_scanned", "cut", "ends_with_cut", "unknown")
    short = {k: r.get(k) for k in keys} | {"lines": [[l["text"], l["size"], l["bold"], l["align"]] for l in r["lines"]]}
    return json.dumps(short, ensure_ascii=False)


for name, ok in ticket_checks(result).items():
    check(f"decode: {name}", bool(ok), summary(result))

# --- 3. broken variants must fail the same checks --------------------------------------------
variants = {
    "text sent as UTF-8": (ticket(text_bytes=f"{LINE1}\n{LINE2}\n".encode("utf-8")), "accented lines decoded through CP860"),
    "text sent as CP1252": (ticket(text_bytes=f"{LINE1}\n{LINE2}\n".encode("cp1252")), "accented lines decoded through CP860"),
    "no ESC t (PC437 in force)": (b"\x1b\x40" + ticket()[5:], "accented lines decoded through CP860"),
    "no cut": (ticket(cut=False), "cut (GS V), ticket ends with it"),
    "other QR data": (ticket(url="https://example.test/t/tk_124"), "QR payload from GS ( k fn 180"),
    "QR store truncated (pL one too big)": (sample.replace(b"\x1d\x28\x6b\x20\x00", b"\x1d\x28\x6b\x21\x00"), "QR payload from GS ( k fn 180"),
}
for name, (data, key) in variants.items():
    got = decode(data)
    check(f"mismatch caught: {name} -> '{key}' fails", not ticket_checks(got)[key], summary(got))
utf8 = decode(variants["text sent as UTF-8"][0])
print("  (UTF-8 variant decodes as:", json.dumps(utf8["lines"][0]["text"], ensure_ascii=False) + ")")

# --- 4. the TCP listener ---------------------------------------------------------------------
# PROVIDERS.md 13.5: replies to 10 04 01, 10 04 02, 10 04 03, 10 04 04.
STATUS_BYTES = {
    "online": "12 12 12 12",
    "cover-open": "1a 16 12 12",
    "paper-out": "1a 32 12 7e",
    "paper-near-end": "12 12 12 1e",
    "offline": "1a 12 12 12",
}
DLE_EOT_ALL = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


def start_listener(out: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, DECODE, "--listen", "0", "--out", str(out), "--max-seconds", "60",
         "--idle-timeout", "5", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    port_file = out / "port"
    deadline = time.monotonic() + 30
    while not port_file.is_file() or not port_file.read_text().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("listener did not start: " + proc.stderr.read().decode(errors="replace"))
        time.sleep(0.05)
    return proc, int(port_file.read_text())


def stop_listener(proc: subprocess.Popen) -> None:
    try:
        proc.wait(timeout=20)  # --max-connections makes it stop by itself
    except subprocess.TimeoutExpired:
        proc.terminate()  # this process started it: end it by its own handle
        proc.wait(timeout=10)


def recv_exactly(sock: socket.socket, n: int, timeout: float = 5.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def wait_for(path: Path, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.is_file():
            return True
        time.sleep(0.05)
    return False


for state, expected in STATUS_BYTES.items():
    out = WORK / f"spool-{state}"
    proc, port = start_listener(out, "--status", state, "--max-connections", "1")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(DLE_EOT_ALL)
        got = recv_exactly(s, 4).hex(" ")
    stop_listener(proc)
    check(f"listener --status {state}: DLE EOT 1-4 -> {expected}", got == expected, got)

# online listener with --drop-every 3: jobs 1, 2 and 4 are served, 3 is reset
out = WORK / "spool"
proc, port = start_listener(out, "--drop-every", "3", "--max-connections", "4")
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:  # 1: ticket, then status
    s.sendall(sample)
    s.sendall(b"\x10\x04\x01")
    first = recv_exactly(s, 1).hex()
    s.sendall(b"\x10\x04")  # 2: a DLE EOT split across writes
    time.sleep(0.3)
    s.sendall(b"\x04")
    second = recv_exactly(s, 1).hex()
check("listener: ticket then DLE EOT 1 -> 12 (online)", first == "12", first)
check("listener: DLE EOT 4 split across two writes -> 12", second == "12", second)
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:  # 2: process ID
    s.sendall(sample + b"\x1d\x28\x48\x06\x00\x30\x30A001")
    pid_reply = recv_exactly(s, 7)
check("listener: GS ( H fn 48 'A001' -> 37 22 'A001' 00", pid_reply == b"\x37\x22A001\x00", pid_reply.hex(" "))
dropped = "no reset"
try:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:  # 3: dropped
        time.sleep(0.3)
        try:
            s.sendall(sample)
            s.sendall(DLE_EOT_ALL)
            data = recv_exactly(s, 1)
            dropped = "reset" if data == b"" else f"got {data.hex()}"
        except (ConnectionResetError, BrokenPipeError):
            dropped = "reset"
except ConnectionRefusedError:
    dropped = "refused"
check("listener --drop-every 3: connection 3 reset without a reply", dropped == "reset", dropped)
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:  # 4: plain job
    s.sendall(sample)
stop_listener(proc)
ok = all(wait_for(out / f"job-{n}.json") for n in (1, 2, 4))
check("listener: job-1, job-2, job-4 stored (.bin and decoded .json), no job-3", ok and not (out / "job-3.bin").exists())
if ok:
    check("listener: job-1.bin holds exactly the bytes sent", (out / "job-1.bin").read_bytes() == sample + b"\x10\x04\x01\x10\x04\x04")
    job4 = json.loads((out / "job-4.json").read_text(encoding="utf-8"))
    check("listener: job-4.json decodes the ticket", all(ticket_checks(job4).values()), summary(job4))
    job1 = json.loads((out / "job-1.json").read_text(encoding="utf-8"))
    check("listener: job-1.json lists the status requests", [r["n"] for r in job1["status_requests"]] == [1, 4])
log = [json.loads(l) for l in (out / "connections.jsonl").read_text(encoding="utf-8").splitlines()]
check("listener: connections.jsonl records the dropped connection", any(e["event"] == "dropped" and e["n"] == 3 for e in log))

# --status-byte override and the DIR/status file switched while running
out = WORK / "spool-override"
proc, port = start_listener(out, "--status-byte", "1=1e", "--max-connections", "3")
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(DLE_EOT_ALL)
    got = recv_exactly(s, 4).hex(" ")
check("listener --status-byte 1=1e: DLE EOT 1 -> 1e, others online", got == "1e 12 12 12", got)
(out / "status").write_text("paper-out\n")
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(b"\x10\x04\x02\x10\x04\x04")
    got = recv_exactly(s, 2).hex(" ")
check("listener: DIR/status 'paper-out' written while running -> DLE EOT 2, 4 = 32 7e", got == "32 7e", got)
(out / "status").write_text("silent\n")
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(b"\x10\x04\x01")
    try:
        got = recv_exactly(s, 1, timeout=1.0).hex()
    except TimeoutError:
        got = "timeout"
check("listener: status 'silent' -> no reply", got == "timeout", got)
stop_listener(proc)

print(f"selftest: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PYTHON
