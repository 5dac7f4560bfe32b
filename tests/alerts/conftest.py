"""Fixtures of the price-alert end-to-end tests: the real investking binary (`serve` on a temporary data directory,
prices only from injected ticks), a webhook receiver on loopback that checks signatures, and a moto server (the AWS
emulator, from PyPI) standing in for Amazon SNS.

Every wait is on a condition with a deadline; nothing sleeps instead of waiting.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Optional

import pytest
import requests
from websockets.sync.client import connect

REPO = Path(os.environ.get("IK_REPO", Path(__file__).resolve().parents[2]))
BINARY = Path(os.environ.get("IK_BINARY", REPO / "build" / "debug" / "src" / "app" / "investking"))
ADMIN_PASSWORD = "alerts-admin-password-1"
READY_LINE = re.compile(r"event=ready .*listen=127\.0\.0\.1:([0-9]+)")
START_DEADLINE_S = 120.0  # the debug build runs under ASan
SNS_REGION = "ap-northeast-2"


def wait_until(predicate: Callable[[], object], timeout: float, what: str,
               detail: Callable[[], str] | None = None, interval: float = 0.05) -> object:
    """Polls predicate until it returns a truthy value, or fails the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = f"\n{detail()}" if detail else ""
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}{extra}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- webhook receiver ------------------------------------------------------------------------------------

@dataclasses.dataclass
class Hook:
    """One POST the receiver got."""
    at: float
    headers: dict
    body: bytes

    @property
    def key(self) -> str:
        return self.headers.get("idempotency-key", "")

    def signature_ok(self, secret: str) -> bool:
        ts = self.headers.get("x-investking-timestamp", "")
        mac = hmac.new(secret.encode(), ts.encode() + b"." + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers.get("x-investking-signature", ""), "sha256=" + mac)


class Receiver:
    """A webhook endpoint on loopback: records every POST and answers `status` (200, or 503 when "down")."""

    def __init__(self) -> None:
        self.hooks: list[Hook] = []
        self.status = 200
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.hooks.append(Hook(time.monotonic(), {k.lower(): v for k, v in self.headers.items()}, body))
                    status = outer.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def got(self) -> list[Hook]:
        with self.lock:
            return list(self.hooks)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---- the server ------------------------------------------------------------------------------------------

@dataclasses.dataclass
class User:
    username: str
    token: str

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


class Server:
    """`investking serve` on a data directory that outlives restarts and SIGKILLs."""

    _names = itertools.count(1)

    def __init__(self, workdir: Path, env: dict) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.extra_env = env
        self.proc: Optional[subprocess.Popen] = None
        self.port = 0
        self.starts = 0
        self.http = requests.Session()
        self.admin_token = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_path(self) -> Path:
        return self.workdir / f"serve-{self.starts}.log"

    def log(self) -> str:
        try:
            return self.log_path().read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> None:
        self.starts += 1
        env = dict(os.environ)
        env.update(
            INVESTKING_MARKET_SOURCE="none",
            INVESTKING_MARKET_SESSION="always",
            INVESTKING_MARKET_ALLOW_INJECTION="true",
            INVESTKING_ADMIN_PASSWORD=ADMIN_PASSWORD,
            INVESTKING_HTTP_LISTEN="127.0.0.1:0",
            INVESTKING_ALERTS_ALLOW_INTERNAL_WEBHOOKS="true",
        )
        env.update(self.extra_env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path(), "wb") as log:
            self.proc = subprocess.Popen([str(BINARY), "serve", "--data-dir", str(self.data_dir)], env=env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

        def ready() -> int:
            m = READY_LINE.search(self.log())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                pytest.fail(f"investking exited with {self.proc.returncode} before it was ready:\n{self.log()[-4000:]}")
            return 0

        self.port = wait_until(ready, START_DEADLINE_S, "the event=ready log line")
        r = self.http.post(f"{self.url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD},
                           timeout=30)
        assert r.status_code == 200, r.text
        self.admin_token = r.json()["access_token"]

    def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return -9

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def verify(self) -> subprocess.CompletedProcess:
        return subprocess.run([str(BINARY), "verify", "--data-dir", str(self.data_dir)], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=300)

    # ---- API helpers ----
    def sign_up(self, phone: str = "") -> User:
        name = f"alertuser{next(self._names)}"
        body = {"username": name, "password": f"pw-{name}-secret"}
        if phone:
            body["phone"] = phone
        r = self.http.post(f"{self.url}/api/v1/auth/signup", json=body, timeout=30)
        assert r.status_code == 201, r.text
        r = self.http.post(f"{self.url}/api/v1/auth/login", json={"username": name, "password": body["password"]},
                           timeout=30)
        assert r.status_code == 200, r.text
        return User(name, r.json()["access_token"])

    def login(self, user: User) -> User:
        r = self.http.post(f"{self.url}/api/v1/auth/login",
                           json={"username": user.username, "password": f"pw-{user.username}-secret"}, timeout=30)
        assert r.status_code == 200, r.text
        return User(user.username, r.json()["access_token"])

    def inject(self, symbol: str, price: int, volume: int = 10) -> None:
        r = self.http.post(f"{self.url}/api/v1/admin/ticks", json={"symbol": symbol, "price": price, "volume": volume},
                           headers={"Authorization": f"Bearer {self.admin_token}"}, timeout=30)
        assert r.status_code == 200, f"tick {symbol} {price}: {r.status_code} {r.text}"

    def create_alert(self, user: User, **fields) -> dict:
        r = self.http.post(f"{self.url}/api/v1/alerts", json=fields, headers=user.auth, timeout=30)
        assert r.status_code == 201, f"{fields}: {r.status_code} {r.text}"
        return r.json()

    def alert(self, user: User, alert_id: str) -> dict:
        r = self.http.get(f"{self.url}/api/v1/alerts/{alert_id}", headers=user.auth, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def inbox(self, user: User) -> dict:
        r = self.http.get(f"{self.url}/api/v1/notifications?limit=500", headers=user.auth, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()


class TradeStream:
    """The /stream WebSocket of one user, listening to notifications."""

    def __init__(self, server: Server, user: User) -> None:
        self._connection = connect(f"ws://127.0.0.1:{server.port}/stream", open_timeout=30)
        self.ws = self._connection.__enter__()
        self.ws.send(json.dumps({"action": "authenticate", "data": {"oauth_token": user.token}}))
        auth = self.next_of("authorization")
        assert auth["data"]["status"] == "authorized", auth
        self.ws.send(json.dumps({"action": "listen", "data": {"streams": ["notifications"]}}))
        listening = self.next_of("listening")
        assert listening["data"]["streams"] == ["notifications"], listening

    def next_of(self, stream: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"no {stream} message on /stream within {timeout:.0f} s")
            message = json.loads(self.ws.recv(timeout=left))
            if message.get("stream") == stream:
                return message

    def close(self) -> None:
        self._connection.__exit__(None, None, None)


# ---- fixtures --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def moto(tmp_path_factory) -> str:
    """A moto server on loopback (scripts/moto); its URL."""
    workdir = tmp_path_factory.mktemp("moto")
    port = free_port()
    started = subprocess.run([str(REPO / "scripts" / "moto"), "start", str(workdir), str(port)], capture_output=True,
                             text=True, timeout=900)
    assert started.returncode == 0, f"scripts/moto start failed:\n{started.stderr}"
    yield started.stdout.strip().splitlines()[-1]
    subprocess.run([str(REPO / "scripts" / "moto"), "stop", str(workdir)], capture_output=True, timeout=120)


@pytest.fixture
def receiver() -> Receiver:
    r = Receiver()
    yield r
    r.close()


def sns_env(moto_url: str) -> dict:
    return dict(INVESTKING_SNS_ENDPOINT=moto_url, INVESTKING_SNS_REGION=SNS_REGION,
                INVESTKING_SNS_ACCESS_KEY_ID="AKIAINVESTKINGTEST01", INVESTKING_SNS_SECRET_ACCESS_KEY="test-secret",
                # moto's account: the topics the tests make are there
                INVESTKING_SNS_ALLOWED_TOPIC_ARNS=f"arn:aws:sns:{SNS_REGION}:123456789012:investking-")


@pytest.fixture(scope="session")
def server(tmp_path_factory, moto) -> Server:
    """One server for the delivery tests: fast retries (0.2 s doubling, 4 attempts) and SNS on moto."""
    env = dict(INVESTKING_ALERTS_FIRST_BACKOFF_MS="200", INVESTKING_ALERTS_MAX_ATTEMPTS="4")
    env.update(sns_env(moto))
    s = Server(tmp_path_factory.mktemp("serve"), env)
    s.start()
    yield s
    code = s.stop()
    assert code == 0, f"serve exited with {code}:\n{s.log()[-4000:]}"
    verified = s.verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr


def moto_state(moto_url: str) -> dict:
    r = requests.get(f"{moto_url}/moto-api/data.json", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()
