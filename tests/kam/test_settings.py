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
        DJANGO_SETTINGS_MODULE="config.settings.production",
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
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
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
