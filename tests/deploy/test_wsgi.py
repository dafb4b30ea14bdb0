"""The web process's garbage-collector tuning (config/wsgi.py): start-up objects frozen, each
request's cycles freed once the server lets go of its response, the old generation flat."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]

# In a process of its own: the tuning is for the web server, not for this test run. The
# requests are served as gunicorn serves them: iterate the response, close it, drop it.
SCRIPT = """
import gc, json, weakref
import config.wsgi
from django.test.client import RequestFactory

frozen = gc.get_freeze_count()


def serve(path):
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="GET", HTTP_HOST="localhost"
    )
    response = config.wsgi.application(environ, lambda status, headers, exc_info=None: None)
    body = b"".join(response)
    response.close()
    assert body.startswith(b'{"type"'), body[:200]  # DRF's answer to a request without a token


old = []
for number in range(1, 301):
    serve("/api/v1/accounts/")
    if number in (100, 300):
        old.append(len(gc.get_objects(generation=2)))

gc.disable()  # only the collection the wrapper makes


class Response(list):
    def close(self):
        pass


response = Response([b"page"])
response.cycle = response  # what a DRF response, its view and its request make
alive = weakref.ref(response)
released = config.wsgi._Released(response)
del response
b"".join(released)
released.close()
print(json.dumps({"frozen": frozen, "old": old, "freed": alive() is None}))
"""


def _run(script):
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_web_process_keeps_the_old_generation_flat_and_frees_each_request_s_cycles():
    result = _run(SCRIPT)
    assert result.returncode == 0, result.stderr[-3000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert measured["frozen"] > 10_000  # Django, the apps and every view module
    before, after = measured["old"]
    # 200 more requests leave (almost) nothing more in the oldest generation; promoting
    # each request's page of objects there grew it by hundreds of objects a request
    assert after - before < 2_000, measured
    assert measured["freed"]  # the request's cycle went once the server let go of it
