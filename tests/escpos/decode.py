#!/usr/bin/env python3
"""Independent ESC/POS decoder and TCP 9100 printer double for Ponte's tests.

The bytes are decoded by emupos (PyPI, Apache-2.0, pinned in requirements.txt), a
third-party POS-hardware simulator that the project did not write:

* framing: `emupos.printer.escpos.tokenizer.Tokenizer` (its command table, lengths of
  GS ( k / GS V / DLE EOT, real-time commands);
* meaning: `emupos.printer.escpos.model.PrintModel` (ESC @, ESC t through the printer
  profile's code-page table, GS ! / ESC ! sizes, ESC E, ESC a, the QR symbol storage of
  GS ( k fn 180 and the print of fn 181, line wrapping), and its text dump, which turns each
  printed byte into a character through the code page in force;
* status replies: `emupos.printer.escpos.status` (DLE EOT, GS r, ASB bytes).

This file only drives those objects and reports what they did as JSON. What the harness
adds itself is marked "HARNESS:" below (the names of cut modes, GS ( H handling, and the
TCP listener). "qr_scanned" reads the QR codes back from emupos' rendered receipt image with
OpenCV, a second reader. Requires Python >= 3.13 (emupos): run it with the interpreter that
`tests/escpos/setup` prints.

Listener (--listen): binds 127.0.0.1 only; PORT 0 picks a free port, written to DIR/port.
Each accepted connection N is stored as DIR/job-N.bin (every byte received) and decoded to
DIR/job-N.json when it closes (EOF, --idle-timeout, or the listener stopping). DLE EOT n is
answered at once from the --status state (online: 12 for n = 1..4); GS r, GS a and
GS ( H fn 48 get replies while the state is not offline. A file DIR/status holding a state
name overrides --status while running. Every event is a JSON line on stdout and in
DIR/connections.jsonl. It stops after --max-seconds (600), --max-connections, or SIGTERM.

    decode.py [FILE|-] [--profile epson-tm-t20iii|PATH.yaml] [--tokens] [--png OUT.png]
    decode.py --listen PORT --out DIR [--status online|offline|cover-open|paper-out|
              paper-near-end|silent] [--status-byte N=HH ...] [--drop-every N]
              [--idle-timeout S] [--max-seconds S] [--max-connections N] [--no-scan-qr]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

try:
    import yaml
    from emupos.config import PrinterProfile
    from emupos.events import EventType
    from emupos.printer.escpos import status as emu_status
    from emupos.printer.escpos.glyphs import dump_character, python_codec
    from emupos.printer.escpos.model import PrintModel
    from emupos.printer.escpos.tokenizer import Command, Text, Tokenizer, Unknown
except ImportError as error:  # pragma: no cover - environment problem, not a decoding result
    sys.exit(
        f"decode.py: {error}. Run it with the venv from tests/escpos/setup "
        "(emupos needs Python >= 3.13): \"$(tests/escpos/setup)\" tests/escpos/decode.py ..."
    )

DEFAULT_PROFILE = "epson-tm-t20iii"  # ESC t numbers as Epson's: 3 = PC860, 16 = WPC1252
DEVICE_ID = "ponte-test"

# Commands that emupos' Printer (printer.py) handles at device level instead of passing to
# its PrintModel; the decoder mirrors that split so the model never sees them.
CUT_COMMANDS = {"GS V", "ESC i", "ESC m"}
DEVICE_COMMANDS = {"GS r", "ESC v", "ESC u", "GS I", "GS a", "ESC p"}
# Commands the model prints as a block of their own, with one text-dump line each.
BLOCK_COMMANDS = {"GS ( k", "GS k", "ESC *", "GS v 0", "GS ( L", "GS 8 L"}


# --- profile -------------------------------------------------------------------------------


def load_profile(reference: str) -> PrinterProfile:
    """A built-in emupos printer profile by name, or a profile YAML file by path."""
    if reference.endswith((".yaml", ".yml")) or "/" in reference:
        text = Path(reference).read_text(encoding="utf-8")
    else:
        folder = resources.files("emupos").joinpath("profiles", "printers")
        text = folder.joinpath(f"{reference}.yaml").read_text(encoding="utf-8")
    return PrinterProfile.model_validate(yaml.safe_load(text))


def code_page_label(profile: PrinterProfile, number: int) -> str | None:
    """Profile name -> Python codec name in capitals, as emupos maps it: PC860 -> CP860,
    WPC1252 -> CP1252. None when the profile has no table with that ESC t number."""
    name = profile.code_pages.get(number)
    if name is None:
        return None
    codec = python_codec(name)
    return codec.upper() if codec else name


# --- decoding ------------------------------------------------------------------------------


class Decoder:
    """Feeds one connection's bytes through emupos and records what it decoded."""

    def __init__(self, profile: PrinterProfile, keep_tokens: bool = False, scan_qr: bool = True) -> None:
        self.profile = profile
        self.scan_qr = scan_qr
        self.tokenizer = Tokenizer()
        self.model = PrintModel(DEVICE_ID, profile)
        self.keep_tokens = keep_tokens
        self.tokens: list[dict[str, str]] = []
        self.token_count = 0
        self.init_positions: list[int] = []
        self.code_page_selections: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self.qr: list[dict[str, Any]] = []
        self.qr_model: int | None = None
        self.barcodes: list[dict[str, Any]] = []
        self.images: list[str] = []
        self.cuts: list[dict[str, Any]] = []
        self.status_requests: list[dict[str, Any]] = []
        self.realtime_commands: list[dict[str, str]] = []
        self.device_commands: list[dict[str, str]] = []
        self.unknown: list[dict[str, Any]] = []
        self.receipts: list[dict[str, Any]] = []
        self.pngs: list[bytes] = []
        self._runs: list[dict[str, Any]] = []  # text runs in emupos' line buffer
        self._last_run: dict[str, Any] | None = None  # the run of the current Text token
        self._receipt_lines: list[dict[str, Any]] = []  # lines of the receipt being printed
        self._finished = False

    # The model keeps its text dump in Receipt._text_lines (emupos 0.4.0). It is read, never
    # written, to attach the print settings in force to every line emupos printed.
    @staticmethod
    def _dump(receipt: Any) -> list[str]:
        lines = getattr(receipt, "_text_lines", None)
        if not isinstance(lines, list):
            raise RuntimeError("emupos Receipt has no _text_lines: pin emupos==0.4.0")
        return lines

    def feed(self, data: bytes) -> None:
        for token in self.tokenizer.feed(data):
            self._token(token)

    def finish(self) -> dict[str, Any]:
        if not self._finished:
            self._finished = True
            leftover = self.tokenizer.close()
            if leftover is not None:
                self.unknown.append({"bytes": leftover.raw.hex(" "), "reason": "truncated"})
            self._end_receipt("end-of-data")
        return self.result()

    # --- one token ---

    def _token(self, token: Text | Command | Unknown) -> None:
        self.token_count += 1
        if self.keep_tokens:
            if isinstance(token, Text):
                self.tokens.append({"name": "TEXT", "hex": token.data.hex(" ")})
            elif isinstance(token, Command):
                self.tokens.append({"name": token.name, "hex": token.raw.hex(" ")})
            else:
                self.tokens.append({"name": "UNKNOWN", "hex": token.raw.hex(" ")})

        if isinstance(token, Command) and token.realtime:
            self._realtime(token)
            return
        if isinstance(token, Command) and token.name in CUT_COMMANDS:
            self._cut(token)
            return
        if isinstance(token, Command) and token.name in DEVICE_COMMANDS:
            self.device_commands.append({"name": token.name, "hex": token.raw.hex(" ")})
            return
        if isinstance(token, Command) and token.name == "GS (" and token.params[:1] == b"\x48":
            # HARNESS: GS ( H (process-ID / offline response requests, PROVIDERS.md 13.5) is
            # framed by emupos but not simulated; it is reported here, not as unknown.
            self.device_commands.append({"name": "GS ( H", "hex": token.raw.hex(" ")})
            return

        settings = self.model.settings
        self._last_run = None
        if isinstance(token, Text):
            self._last_run = run = {
                "bytes": token.data,
                "code_page": settings.code_page,
                "size": [settings.width, settings.height],
                "bold": settings.emphasized,
                "underline": settings.underline,
                "reverse": settings.reverse,
                "font": settings.font,
            }
            self._runs.append(run)
        if isinstance(token, Command) and token.name == "ESC @":
            self.init_positions.append(self.token_count)
        qr_print = (
            isinstance(token, Command) and token.name == "GS ( k" and token.data[:3] == b"\x31\x51\x30"
        )
        if isinstance(token, Command) and token.name == "GS ( k" and token.data[:2] == b"\x31\x41":
            if len(token.data) >= 3:
                self.qr_model = {0x31: 1, 0x32: 2, 0x33: 3}.get(token.data[2], token.data[2])
        if qr_print:
            stored = bytes(settings.qr_data)  # what emupos' fn 180 handler put in storage
            ec, module = settings.qr_error_correction, settings.qr_module_size

        receipt = self.model.receipt
        before = len(self._dump(receipt))
        for event in self.model.process(token):
            self._event(event)
        new_lines = self._dump(receipt)[before:]

        if isinstance(token, Command) and token.name == "ESC t":
            number = token.params[0]
            self.code_page_selections.append(
                {
                    "n": number,
                    "code_page": code_page_label(self.profile, number),
                    "emupos_name": self.profile.code_pages.get(number),
                }
            )
        if qr_print and stored:
            self.qr.append(
                {
                    "data": stored.decode("utf-8", errors="replace"),
                    "hex": stored.hex(" "),
                    "error_correction": ec,
                    "module_size": module,
                    "model": self.qr_model,
                }
            )
        self._lines(token, new_lines)

    def _lines(self, token: Text | Command | Unknown, new_lines: list[str]) -> None:
        """Attach the runs collected since the last printed line to the lines emupos printed."""
        if isinstance(token, Command) and token.name == "ESC @":
            self._runs = []  # ESC @ discards the line buffer
        if not new_lines:
            return
        block = isinstance(token, Command) and token.name in BLOCK_COMMANDS
        for index, text in enumerate(new_lines):
            if block and index == len(new_lines) - 1:
                self._block(text)
                continue
            self._receipt_lines.append(self._line_record(text, wrapped=isinstance(token, Text)))
        if isinstance(token, Text) and self._last_run is not None:
            # the text wrapped: the rest of this run waits in the line buffer
            self._runs = [self._last_run]

    def _line_record(self, text: str, wrapped: bool) -> dict[str, Any]:
        settings = self.model.settings
        runs, self._runs = self._runs, []
        if runs:
            first = runs[0]
            styles = {(tuple(r["size"]), r["bold"], r["underline"], r["reverse"], r["font"]) for r in runs}
            size, bold, code_page = first["size"], first["bold"], first["code_page"]
            underline, reverse, font = first["underline"], first["reverse"], first["font"]
        else:
            styles = set()
            size, bold = [settings.width, settings.height], settings.emphasized
            code_page, underline = settings.code_page, settings.underline
            reverse, font = settings.reverse, settings.font
        record: dict[str, Any] = {
            "text": text,
            "size": size,
            "bold": bold,
            "align": settings.justification,
            "underline": underline,
            "reverse": reverse,
            "font": font,
            "code_page": code_page_label(self.profile, code_page),
            "receipt": len(self.receipts),
        }
        if len(styles) > 1:
            record["mixed"] = True
            record["runs"] = [
                {
                    "text": "".join(
                        dump_character(b, self.profile.code_pages.get(r["code_page"])) for b in r["bytes"]
                    ),
                    "size": r["size"],
                    "bold": r["bold"],
                }
                for r in runs
            ]
        if wrapped:
            record["wrapped"] = True  # emupos broke the line: the text was wider than the paper
        return record

    def _block(self, text: str) -> None:
        # emupos writes one dump line per block: "[qr ...]", "[barcode SYM HRI]", "[image WxH]".
        if text.startswith("[barcode "):
            symbology, _, hri = text[len("[barcode ") : -1].partition(" ")
            self.barcodes.append({"symbology": symbology, "hri": hri})
        elif text.startswith("[image "):
            self.images.append(text[len("[image ") : -1])
        self._runs = []

    def _event(self, event: Any) -> None:
        if event.type == EventType.PRINTER_COMMAND_UNKNOWN:
            self.unknown.append(dict(event.data))
        elif event.type == EventType.PRINTER_CODEPAGE_UNSUPPORTED:
            self.unknown.append({"reason": "code page without glyphs in emupos", **dict(event.data)})

    def _realtime(self, token: Command) -> None:
        if token.name != "DLE EOT":
            self.realtime_commands.append({"name": token.name, "hex": token.raw.hex(" ")})
            return
        n = token.params[0]
        ready = emu_status.dle_eot(n, emu_status.StatusState())  # what emupos answers when ready
        self.status_requests.append(
            {"n": n, "hex": token.raw.hex(" "), "ready_reply": ready.hex() if ready else None}
        )

    def _cut(self, token: Command) -> None:
        m = token.params[0] if token.params else None
        # HARNESS: the names of the cut modes, per PROVIDERS.md 13.2 (emupos only frames them).
        kinds = {0: "full", 48: "full", 1: "partial", 49: "partial", 65: "feed-full", 66: "feed-partial"}
        cut: dict[str, Any] = {"command": token.name, "hex": token.raw.hex(" ")}
        if token.name == "GS V":
            cut["m"] = m
            cut["kind"] = kinds.get(m, "other")
            if token.data:
                cut["n"] = token.data[0]
        self.cuts.append(cut)
        self._end_receipt("cut")

    def _end_receipt(self, boundary: str) -> None:
        receipt = self.model.receipt
        before = len(self._dump(receipt))
        rendered = self.model.finish("cut" if boundary == "cut" else "connection-closed")
        for text in self._dump(receipt)[before:]:
            self._receipt_lines.append(self._line_record(text, wrapped=False))
        lines = self._receipt_lines
        while lines and not lines[-1]["text"]:
            lines.pop()  # trailing feeds, as emupos' render drops them
        self.lines += lines
        self._receipt_lines = []
        self._runs = []
        if rendered is not None:
            self.receipts.append(
                {
                    "boundary": boundary,
                    "text": rendered.text,
                    "width_dots": rendered.width_dots,
                    "height_dots": rendered.height_dots,
                }
            )
            self.pngs.append(rendered.png)

    def result(self) -> dict[str, Any]:
        selected = self.model.settings.code_page
        out: dict[str, Any] = {
            "decoder": "emupos " + _version("emupos") + ", profile " + self.profile.name,
            "initialized": bool(self.init_positions),
            "initialized_first": self.init_positions[:1] == [1],
            "code_page": code_page_label(self.profile, selected),
            "code_page_selections": self.code_page_selections,
            "lines": self.lines,
            "qr": [q["data"] for q in self.qr],
            "qr_details": self.qr,
            "barcodes": self.barcodes,
            "images": self.images,
            "cut": bool(self.cuts),
            "cuts": self.cuts,
            # nothing was printed after the last cut
            "ends_with_cut": bool(self.cuts)
            and (not self.receipts or self.receipts[-1]["boundary"] == "cut"),
            "status_requests": self.status_requests,
            "realtime_commands": self.realtime_commands,
            "device_commands": self.device_commands,
            "unknown": self.unknown,
            "receipts": self.receipts,
        }
        if self.scan_qr:
            out["qr_scanned"] = scan_qr_codes(self.pngs)
        if self.keep_tokens:
            out["tokens"] = self.tokens
        return out


def scan_qr_codes(pngs: list[bytes]) -> list[str] | None:
    """QR payloads read back from emupos' rendered receipt images by OpenCV's detector (a
    second, independent reader of the printed symbol). None when OpenCV is not installed."""
    try:
        import cv2
        import numpy as np
    except ImportError:
        return None
    found: list[str] = []
    detector = cv2.QRCodeDetector()
    for png in pngs:
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
        if image is None:
            continue
        best: list[str] = []
        for factor in (1, 3):  # small modules read better enlarged
            scaled = image if factor == 1 else cv2.resize(
                image, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST
            )
            quiet = 8 * factor * 4  # the printer leaves no quiet zone at the paper edge
            framed = cv2.copyMakeBorder(scaled, quiet, quiet, quiet, quiet, cv2.BORDER_CONSTANT, value=255)
            ok, texts, points, _ = detector.detectAndDecodeMulti(framed)
            if not ok:
                continue
            read = sorted(  # top to bottom, as printed
                (float(corners[:, 1].min()), text) for text, corners in zip(texts, points) if text
            )
            if len(read) > len(best):
                best = [text for _, text in read]
        found += best
    return found


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def decode_bytes(data: bytes, profile: str = DEFAULT_PROFILE, tokens: bool = False) -> dict[str, Any]:
    """For in-process use: `sys.path` + `from decode import decode_bytes` (Python >= 3.13)."""
    decoder = Decoder(load_profile(profile), keep_tokens=tokens)
    decoder.feed(data)
    return decoder.finish()


# --- TCP 9100 printer double ---------------------------------------------------------------

STATES = {
    "online": emu_status.StatusState(),
    "paper-near-end": emu_status.StatusState(paper_near_end=True),
    "paper-out": emu_status.StatusState(paper_out=True),
    "cover-open": emu_status.StatusState(cover_open=True),
    "offline": emu_status.StatusState(offline=True),
}


class Listener:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.profile = load_profile(args.profile)
        self.overrides: dict[int, bytes] = {}
        for item in args.status_byte or []:
            n, _, value = item.partition("=")
            self.overrides[int(n, 0)] = bytes([int(value, 16)])
        self.count = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def log(self, **record: Any) -> None:
        line = json.dumps({"t": round(time.time(), 3), **record}, ensure_ascii=False)
        with self.lock:
            print(line, flush=True)
            with open(self.out / "connections.jsonl", "a", encoding="utf-8") as log:
                log.write(line + "\n")

    def state_name(self) -> str:
        # A file DIR/status, when present, overrides --status while the listener runs.
        path = self.out / "status"
        if path.is_file():
            name = path.read_text(encoding="utf-8").strip()
            if name in STATES or name == "silent":
                return name
        return self.args.status

    def reply(self, token: Command) -> bytes | None:
        name = self.state_name()
        if name == "silent":
            return None
        state = STATES[name]
        if token.name == "DLE EOT":
            n = token.params[0]
            if n in self.overrides:
                return self.overrides[n]
            return emu_status.dle_eot(n, state)
        return None

    def nonrealtime_reply(self, token: Command) -> bytes | None:
        """Replies a printer sends when it reaches a command in the print data."""
        name = self.state_name()
        if name == "silent" or STATES[name].is_offline:
            return None  # printing has stopped: these are not processed (emupos holds them)
        state = STATES[name]
        if token.name == "GS r":
            return emu_status.gs_r(token.params[0], state)
        if token.name == "GS a" and token.params[0]:
            return emu_status.asb(state)
        # HARNESS: GS ( H fn 48 process-ID response, per PROVIDERS.md 13.5 (emupos has none):
        # request 1D 28 48 06 00 30 30 d1 d2 d3 d4, reply 37 22 d1 d2 d3 d4 00.
        if token.name == "GS (" and token.params[0] == 0x48 and token.data[:2] == b"\x30\x30":
            if not self.args.no_process_id and len(token.data) == 6:
                return b"\x37\x22" + token.data[2:6] + b"\x00"
        return None

    def serve(self) -> int:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.args.listen))  # loopback only
        server.listen(16)
        server.settimeout(0.2)
        port = server.getsockname()[1]
        (self.out / "port").write_text(f"{port}\n", encoding="utf-8")
        self.log(event="listening", host="127.0.0.1", port=port, status=self.args.status,
                 drop_every=self.args.drop_every, max_seconds=self.args.max_seconds)
        deadline = time.monotonic() + self.args.max_seconds
        reason = "max-seconds"
        try:
            while not self.stop.is_set():
                if time.monotonic() >= deadline:
                    break
                if self.args.max_connections and self.count >= self.args.max_connections:
                    reason = "max-connections"
                    break
                try:
                    conn, peer = server.accept()
                except TimeoutError:
                    continue
                self.count += 1
                n = self.count
                if self.args.drop_every and n % self.args.drop_every == 0:
                    # Abrupt: RST instead of FIN, nothing read.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    conn.close()
                    self.log(event="dropped", n=n, peer=f"{peer[0]}:{peer[1]}")
                    continue
                thread = threading.Thread(target=self.handle, args=(conn, peer, n, deadline), daemon=True)
                thread.start()
                self.threads.append(thread)
            else:
                reason = "signal"
        finally:
            server.close()
            for thread in self.threads:
                thread.join(timeout=max(1.0, self.args.idle_timeout + 1))
            self.log(event="stopped", reason=reason, connections=self.count)
        return 0

    def handle(self, conn: socket.socket, peer: tuple[str, int], n: int, deadline: float) -> None:
        data = bytearray()
        tokenizer = Tokenizer()
        replies = bytearray()
        ended = "eof"
        conn.settimeout(0.2)
        last = time.monotonic()
        try:
            while True:
                now = time.monotonic()
                if now >= deadline or self.stop.is_set():
                    ended = "listener-stopping"
                    break
                if now - last >= self.args.idle_timeout:
                    ended = "idle-timeout"
                    break
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                last = time.monotonic()
                data += chunk
                for token in tokenizer.feed(chunk):
                    if not isinstance(token, Command):
                        continue
                    reply = self.reply(token) if token.realtime else self.nonrealtime_reply(token)
                    if reply:
                        conn.sendall(reply)
                        replies += reply
        except (ConnectionResetError, BrokenPipeError) as error:
            ended = type(error).__name__
        finally:
            conn.close()
        path = self.out / f"job-{n}.bin"
        tmp = path.with_suffix(".bin.tmp")
        tmp.write_bytes(bytes(data))
        os.replace(tmp, path)
        summary: dict[str, Any] = {}
        try:
            decoder = Decoder(self.profile, scan_qr=not self.args.no_scan_qr)
            decoder.feed(bytes(data))
            decoded = decoder.finish()
            jtmp = self.out / f"job-{n}.json.tmp"
            jtmp.write_text(json.dumps(decoded, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            os.replace(jtmp, self.out / f"job-{n}.json")
            summary = {"lines": len(decoded["lines"]), "qr": decoded["qr"], "cut": decoded["cut"],
                       "unknown": len(decoded["unknown"])}
        except Exception as error:  # a decoding failure must not stop the printer double
            summary = {"decode_error": repr(error)}
        self.log(event="job", n=n, peer=f"{peer[0]}:{peer[1]}", bytes=len(data), file=str(path),
                 ended=ended, replies=replies.hex(" "), **summary)


# --- command line --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default="-", help="raw ESC/POS bytes; - or omitted: stdin")
    parser.add_argument("--profile", default=DEFAULT_PROFILE,
                        help="emupos printer profile name or YAML path (ESC t numbering)")
    parser.add_argument("--tokens", action="store_true", help="include emupos' token dump")
    parser.add_argument("--no-scan-qr", action="store_true",
                        help="skip reading the rendered QR codes back with OpenCV (qr_scanned); with "
                             "--listen too (about 0.15 s of CPU per job saved)")
    parser.add_argument("--png", help="write the rendered receipt(s) as PNG (receipt 2+ get -2, -3...)")
    parser.add_argument("--listen", type=int, metavar="PORT", help="act as a printer on 127.0.0.1:PORT (0: any)")
    parser.add_argument("--out", help="with --listen: directory for job-N.bin, job-N.json, connections.jsonl")
    parser.add_argument("--status", default="online", choices=[*STATES, "silent"],
                        help="printer state the status replies report (default online: DLE EOT n -> 12)")
    parser.add_argument("--status-byte", action="append", metavar="N=HH",
                        help="reply HH (hex) to DLE EOT N whatever the state, e.g. 1=1a")
    parser.add_argument("--no-process-id", action="store_true", help="do not answer GS ( H fn 48")
    parser.add_argument("--drop-every", type=int, default=0, metavar="N",
                        help="reset every Nth connection at once, without reading")
    parser.add_argument("--idle-timeout", type=float, default=30.0, metavar="S",
                        help="close a connection idle this long (default 30)")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop listening after this (default 600)")
    parser.add_argument("--max-connections", type=int, default=0, help="stop after accepting N connections")
    args = parser.parse_args(argv)

    if args.listen is not None:
        if not args.out:
            parser.error("--listen needs --out DIR")
        listener = Listener(args)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: listener.stop.set())
        return listener.serve()

    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    decoder = Decoder(load_profile(args.profile), keep_tokens=args.tokens, scan_qr=not args.no_scan_qr)
    decoder.feed(data)
    result = decoder.finish()
    if args.png:
        for index, png in enumerate(decoder.pngs):
            target = Path(args.png)
            if index:
                target = target.with_name(f"{target.stem}-{index + 1}{target.suffix}")
            target.write_bytes(png)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
