import json
import os
import subprocess
import sys

from django.conf import settings

BASE = settings.BASE_DIR


def _manage(*args, **env):
    return _python("manage.py", *args, **env)


def _python(*args, **env):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {**inherited, **env}
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="kam.settings.production",
        SECRET_KEY="x7#Kq2!vN9pL4zR8wT1yU6iO3aS5dF0gH7jK2lZ9xC4vB8nM1qW5eR3tY6uI0oP",
        ALLOWED_HOSTS="kam.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_the_development_secret_key():
    environment = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE,
        env={**environment, "DJANGO_SETTINGS_MODULE": "kam.settings.production"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_defaults_are_the_product_defaults():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.DEFAULT_CURRENCY == "CNY"
    assert [code for code, _ in settings.LANGUAGES] == ["en", "zh-hans"]
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def test_the_web_process_freezes_start_up_objects_and_frees_each_request_s_cycles():
    # In a process of its own: the tuning is for the web server, not for this test run.
    script = (
        "import gc, json, kam.wsgi\n"
        "from django.test import Client\n"
        "frozen = gc.get_freeze_count()\n"
        "Client().get('/healthz')\n"
        "gc.disable()\n"
        "class Cycle:\n"
        "    pass\n"
        "def request_with_a_cycle():\n"
        "    a, b = Cycle(), Cycle()\n"
        "    a.b, b.a = b, a\n"
        "request_with_a_cycle()\n"
        "from django.core.signals import request_finished\n"
        "request_finished.send(sender=None)\n"
        "left = sum(isinstance(o, Cycle) for o in gc.get_objects())\n"
        "print(json.dumps([frozen, gc.get_threshold()[0], left]))\n"
    )
    result = _python("-c", script, DJANGO_SETTINGS_MODULE="kam.settings.test")
    assert result.returncode == 0, result.stderr
    frozen, threshold, left = json.loads(result.stdout.strip().splitlines()[-1])
    assert frozen > 10_000  # Django, the apps and every view module
    assert threshold == 50_000
    assert left == 0  # the finished request's cycle was collected
