"""`make run` for real: services, migrations, demo data, web + worker + beat, then Ctrl-C.

The database is one of its own (created and dropped here); Redis is left unset
so the command starts and stops its embedded Redis as on a fresh machine.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from contextlib import closing

import psutil
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config.demo import DEMO_PASSWORD
from tests.utils import database_url

pytestmark = pytest.mark.worker


def _free_port():
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def run_database(db):
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    name = f"{connection.settings_dict['NAME']}_run"
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield database_url(name)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_for(url, deadline):
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} never answered")


def _sign_in(base, username, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(
        f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"}
    )
    return opener.open(request, timeout=10).read().decode()


def test_run_serves_demo_logins_and_ctrl_c_stops_everything(run_database):
    port = _free_port()
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment.update(DATABASE_URL=run_database, PORT=str(port), DEMO_LANG="en")
    process = subprocess.Popen(
        [sys.executable, "-m", "config.embedded", "run"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        assert _wait_for(f"{base}/login/", time.monotonic() + 120) == 200
        # the banner comes once the web server answers, before Ctrl-C is sent
        deadline = time.monotonic() + 30
        while not any("demo logins" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.1)
        home = _sign_in(base, "kam.li", DEMO_PASSWORD)
        assert "My day" in home  # a KAM's home page
        assert "Kevin Li" in home
        descendants = psutil.Process(process.pid).children(recursive=True)
        names = " ".join(" ".join(child.cmdline()) for child in descendants)
        assert "gunicorn.conf.py" in names  # the web server: the production configuration
        assert "worker" in names
        assert "beat" in names
        assert "redis-server" in names
    finally:
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        process.wait(timeout=60)
        reader.join(timeout=10)
    output = "".join(lines)
    assert process.returncode == 0, output
    assert "demo logins" in output
    time.sleep(0.5)
    survivors = [
        child for child in descendants if child.is_running() and child.status() != "zombie"
    ]
    assert survivors == [], survivors
