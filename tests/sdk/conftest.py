"""Fixtures for the alpaca-py compatibility tests: the real investking binary on a free loopback port.

The server is started once per session in a temporary directory (market source none, session always open,
tick injection on), users are signed up through the platform API (which the SDK does not cover, so plain
HTTP is used for it), and the server is stopped with SIGTERM at the end: it must exit 0, and
`investking verify` must accept the data directory it leaves.

With IK_SDK_URL set (e.g. a gateway of the distributed mode, http://127.0.0.1:8080) the tests run against that
server instead, started by the caller with the same settings and a fresh database, signing in as "admin" with
IK_SDK_ADMIN_PASSWORD; stopping and verifying it is then the caller's job (tests/distributed/run_clients.sh).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Optional

import pytest
import requests

HERE = Path(__file__).resolve().parent
DEFAULT_BINARY = HERE.parent.parent / "build" / "debug" / "src" / "app" / "investking"
ADMIN_PASSWORD = "sdk-admin-password-1"
READY_LINE = re.compile(r"event=ready .*listen=127\.0\.0\.1:([0-9]+)")
START_DEADLINE_S = 120.0  # the debug build runs under ASan
STOP_DEADLINE_S = 60.0


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05, what: str = "",
               detail: Callable[[], str] | None = None) -> object:
    """Polls predicate until it returns a truthy value or the deadline passes (then fails the test, adding
    detail() — e.g. what was seen so far — to the message)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = f"\n{detail()}" if detail else ""
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what or predicate}{extra}")
        time.sleep(interval)


@dataclasses.dataclass
class User:
    username: str
    password: str
    access_token: str
    key_id: str
    secret_key: str


class Server:
    """A running `investking serve` and the platform-API helpers the SDK tests need."""

    def __init__(self, binary: Path, workdir: Path, url: str = "", admin_password: str = ADMIN_PASSWORD):
        self.url = url.rstrip("/")
        self.admin_password = admin_password
        self.binary = binary
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.log_path = workdir / "serve.log"
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None
        self.http = requests.Session()
        self.admin_token = ""
        self._names = itertools.count(1)

    # ---- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        if self.url:
            self.port = int(self.url.rsplit(":", 1)[1])
            self._sign_in_admin()
            return
        env = dict(os.environ)
        env.update(
            INVESTKING_MARKET_SOURCE="none",
            INVESTKING_MARKET_SESSION="always",
            INVESTKING_MARKET_ALLOW_INJECTION="true",
            INVESTKING_ADMIN_PASSWORD=ADMIN_PASSWORD,
            INVESTKING_HTTP_LISTEN="127.0.0.1:0",
        )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [str(self.binary), "serve", "--data-dir", str(self.data_dir)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def ready_port() -> int:
            m = READY_LINE.search(self.log())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                pytest.fail(f"investking exited with {self.proc.returncode} before it was ready:\n{self.log_tail()}")
            return 0

        self.port = wait_until(ready_port, START_DEADLINE_S, what="the event=ready log line")

        def readyz() -> bool:
            try:
                return self.http.get(f"{self.base_url}/readyz", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_until(readyz, START_DEADLINE_S, what="GET /readyz to answer 200")
        self._sign_in_admin()

    def _sign_in_admin(self) -> None:
        r = self.http.post(f"{self.base_url}/api/v1/auth/login",
                           json={"username": "admin", "password": self.admin_password}, timeout=30)
        assert r.status_code == 200, f"admin login: {r.status_code} {r.text}"
        self.admin_token = r.json()["access_token"]

    def stop(self) -> int:
        """SIGTERM, then the exit code (killed after the deadline, which fails the caller's assertion)."""
        self.http.close()
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return -9

    def verify(self) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.binary), "verify", "--data-dir", str(self.data_dir)],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    # ---- URLs ----------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The REST base for url_override: no trailing slash and no /v2 (the SDK appends "/v2" + path)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def trading_stream_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/stream"

    @property
    def data_stream_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v2/iex"

    # ---- platform API (not part of Alpaca's API, so plain HTTP) --------------------------------------
    def sign_up(self, username: Optional[str] = None) -> User:
        """A new user with 10,000,000 KRW of cash and one API key pair."""
        username = username or f"sdkuser{next(self._names)}"
        password = f"pw-{username}-secret"
        r = self.http.post(f"{self.base_url}/api/v1/auth/signup",
                           json={"username": username, "password": password}, timeout=30)
        assert r.status_code == 201, f"sign-up {username}: {r.status_code} {r.text}"
        r = self.http.post(f"{self.base_url}/api/v1/auth/login",
                           json={"username": username, "password": password}, timeout=30)
        assert r.status_code == 200, f"login {username}: {r.status_code} {r.text}"
        token = r.json()["access_token"]
        r = self.http.post(f"{self.base_url}/api/v1/keys", json={"name": "alpaca-py"},
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code == 201, f"API key for {username}: {r.status_code} {r.text}"
        key = r.json()
        return User(username, password, token, key["key_id"], key["secret_key"])

    def inject(self, symbol: str, price: int, volume: int, bid: Optional[int] = None,
               ask: Optional[int] = None) -> dict:
        """Forces a tick (admin API). Without bid/ask the server quotes one tick either side of price."""
        body = {"symbol": symbol, "price": price, "volume": volume}
        if bid is not None:
            body["bid"] = bid
        if ask is not None:
            body["ask"] = ask
        r = self.http.post(f"{self.base_url}/api/v1/admin/ticks", json=body,
                           headers={"Authorization": f"Bearer {self.admin_token}"}, timeout=30)
        assert r.status_code == 200, f"tick {body}: {r.status_code} {r.text}"
        return r.json()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    binary = Path(os.environ.get("IK_BINARY", str(DEFAULT_BINARY))).resolve()
    if not os.access(binary, os.X_OK):
        pytest.fail(f"investking binary not found at {binary} (set IK_BINARY or build the debug preset)")
    url = os.environ.get("IK_SDK_URL", "")
    srv = Server(binary, tmp_path_factory.mktemp("investking"), url,
                 os.environ.get("IK_SDK_ADMIN_PASSWORD", ADMIN_PASSWORD) if url else ADMIN_PASSWORD)
    try:
        srv.start()
    except BaseException:
        srv.stop()
        raise
    yield srv
    if url:
        return  # the caller's server: the caller stops and verifies it
    code = srv.stop()
    assert code == 0, f"investking serve exited with {code} after SIGTERM:\n{srv.log_tail()}"
    verify = srv.verify()
    assert verify.returncode == 0, (
        f"investking verify exited with {verify.returncode}:\n{verify.stdout}\n{verify.stderr}")


@pytest.fixture(scope="session")
def alice(server: Server) -> User:
    return server.sign_up("alice")


@pytest.fixture(scope="session")
def bob(server: Server) -> User:
    return server.sign_up("bob")


@pytest.fixture(scope="session", autouse=True)
def _two_users(alice: User, bob: User) -> None:
    """Both users exist from the start, whichever tests are selected."""


@pytest.fixture
def inject(server: Server) -> Callable[..., dict]:
    return server.inject


class SdkLog(logging.Handler):
    """Collects what alpaca-py logs (stream connects, subscription acks, and every exception a stream swallows,
    e.g. a pydantic ValidationError on a message) so failures can show the SDK's own words."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s: %(message)s"))
        self._lines_lock = threading.Lock()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        with self._lines_lock:
            self.lines.append(text)

    def note(self, text: str) -> None:
        with self._lines_lock:
            self.lines.append(f"(test) {text}")

    def contains(self, needle: str) -> bool:
        with self._lines_lock:
            return any(needle in line for line in self.lines)

    def text(self) -> str:
        with self._lines_lock:
            return "\n".join(self.lines) or "(alpaca-py logged nothing)"


@pytest.fixture
def sdk_log() -> SdkLog:
    handler = SdkLog()
    logger = logging.getLogger("alpaca")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)
