"""The report opened offline in headless Chromium: no console error, no network request (skipped without Debian's chromium)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import numpy as np
import pytest

EVIL = "<script>alert(1)</script>"


ZH = "微博"


# ---------------------------------------------------------------------- browser
def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _WebSocket:
    """The few bytes of RFC 6455 a DevTools session needs (text frames, client masking)."""

    def __init__(self, url: str, timeout: float) -> None:
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()  # fmt: skip
        )
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(4096)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n")[0], head

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode()
        n = len(data)
        head = bytearray([0x81])
        if n < 126:
            head.append(0x80 | n)
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        body = (
            np.frombuffer(data, np.uint8) ^ np.resize(np.frombuffer(mask, np.uint8), n)
        ).tobytes()
        self.sock.sendall(bytes(head) + mask + body)

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self) -> dict[str, Any]:
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._read(2), "big")
            elif n == 127:
                n = int.from_bytes(self._read(8), "big")
            payload = self._read(n)
            if b0 & 0x0F == 0x8:
                raise ConnectionError("DevTools closed the connection")
            if b0 & 0x0F in (0x9, 0xA):
                continue
            message += payload
            if b0 & 0x80:
                return json.loads(message)


class _DevTools:
    """A page in headless Chromium driven over the DevTools protocol; events are recorded."""

    def __init__(self, ws: _WebSocket) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        self._id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        self.ws.send(msg)
        while True:
            reply = self.ws.recv()
            if reply.get("id") == self._id:
                assert "error" not in reply, reply
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            assert time.monotonic() < end, f"no {method} within {timeout} s"
            self.events.append(self.ws.recv())

    def drain(self, seconds: float) -> None:
        """Record the events that arrive in the next ``seconds``."""
        before = self.ws.sock.gettimeout()
        self.ws.sock.settimeout(seconds)
        try:
            while True:
                self.events.append(self.ws.recv())
        except TimeoutError:
            pass
        finally:
            self.ws.sock.settimeout(before)


def open_in_chromium(
    html: Path, screenshot: Path, timeout: float = 25.0
) -> tuple[list[str], list[str]]:
    """Load ``html`` in headless Chromium with no network; return (console errors, requested URLs).

    Saves a full-page PNG screenshot to ``screenshot``.
    """
    exe = _chromium()
    assert exe is not None
    profile = Path(tempfile.mkdtemp(prefix="mmm-chromium-"))
    args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars", "--window-size=1280,1600",
            f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        end = time.monotonic() + timeout
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            assert proc.poll() is None, "chromium exited at start"
            assert time.monotonic() < end, "chromium did not open its DevTools port"
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        cdp = _DevTools(_WebSocket(f"ws://127.0.0.1:{port}{path}", timeout))
        target = cdp.call("Target.createTarget", url="about:blank")["targetId"]
        cdp.session = cdp.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            cdp.call(f"{domain}.enable")
        url = html.resolve().as_uri()
        cdp.call("Page.navigate", url=url)
        cdp.wait_for("Page.loadEventFired", timeout)
        cdp.drain(0.5)
        size = cdp.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": min(size["height"], 16000), "scale": 1})  # fmt: skip
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        errors, requests = [], []
        for e in cdp.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append(json.dumps(p.get("exceptionDetails", {}))[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(json.dumps(p.get("args", []))[:300])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(p["entry"].get("text", ""))
            elif m == "Network.requestWillBeSent":
                requests.append(p["request"]["url"])
        with contextlib.suppress(ConnectionError, OSError):
            cdp.call("Browser.close")
        return errors, [r for r in requests if r != url]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.skipif(
    _chromium() is None,
    reason="headless Chromium not installed (Debian package `chromium`; .ci/run installs it)",
)
def test_opens_offline_in_chromium(evil_html: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = evil_html
    shot = tmp_path / "report.png"
    t0 = time.monotonic()
    errors, requests = open_in_chromium(path, shot)
    assert errors == []
    assert requests == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert time.monotonic() - t0 < 30


@pytest.mark.skipif(
    _chromium() is None,
    reason="headless Chromium not installed (Debian package `chromium`; .ci/run installs it)",
)
def test_browser_check_would_catch_errors_and_requests(tmp_path: Path) -> None:
    """The browser check itself: a page with a script error and an external image fails it."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><p>x</p><img src="http://mmm-test.invalid/x.png"><script>console.error("boom")</script>',
        encoding="utf-8",
    )
    errors, requests = open_in_chromium(page, tmp_path / "bad.png")
    assert any("boom" in e for e in errors)
    assert any("mmm-test.invalid" in r for r in requests)
