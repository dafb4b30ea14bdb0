"""docker-compose.yml runs what the image and the embedded servers run: one gunicorn
configuration, the same PostgreSQL settings."""

import json
from pathlib import Path

import yaml

from config.embedded import POSTGRES_SETTINGS
from tests.deploy.test_image import dockerfile_instructions

BASE = Path(__file__).resolve().parents[2]


def _compose():
    return yaml.safe_load((BASE / "docker-compose.yml").read_text())


def test_compose_s_postgres_runs_with_the_embedded_server_s_settings():
    command = _compose()["services"]["postgres"]["command"]
    assert command[0] == "postgres"
    given = {}
    for flag, setting in zip(command[1::2], command[2::2], strict=True):
        assert flag == "-c"
        name, _, value = setting.partition("=")
        given[name] = value
    assert given == POSTGRES_SETTINGS


def test_the_web_service_runs_the_image_s_command_with_gunicorn_conf():
    services = _compose()["services"]
    cmd = next(
        json.loads(arguments)
        for keyword, arguments in dockerfile_instructions(BASE / "Dockerfile")
        if keyword == "CMD"
    )
    assert cmd[:3] == ["gunicorn", "--config", "gunicorn.conf.py"]
    assert services["web"].get("command", cmd) == cmd
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["image"] == "kam:latest"
        assert "media:/app/media" in services[name]["volumes"]
