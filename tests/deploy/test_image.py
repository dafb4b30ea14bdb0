"""The production image, tested without Docker.

The image's file set is built from the Dockerfile's own instructions and .dockerignore (the
build context as `docker build` sends it), into a directory standing for the image's root;
the Dockerfile's RUN steps run there in a fresh virtual environment, as they run in the
image (`pip install .`, compilemessages, collectstatic), except the two that change the
system (apt-get, useradd). Then the image's own commands run against it: `manage.py check
--deploy` under the production settings, `migrate` into a new database, and the Dockerfile's
CMD (gunicorn with gunicorn.conf.py) answering HTTP requests. An application left out of the
image fails every one of them.

`pytest -m image` runs these alone. The dependencies come from the package index through
pip's own cache, so a run after the first takes under a minute.
"""

import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from django.conf import settings

# one worker builds the image once for the module (`make test` runs parallel workers)
pytestmark = [pytest.mark.image, pytest.mark.xdist_group("image")]

CONTEXT = Path(__file__).resolve().parents[2]
#: RUN steps that change the system rather than the image's files: gettext (msgfmt) must be
#: on this machine instead, and the processes run as the current user.
SYSTEM_COMMANDS = ("apt-get", "useradd")


# ---------------------------------------------------------------- the Dockerfile


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments may sit inside a continued instruction too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return instructions


def dockerignore_patterns(path: Path) -> list[tuple[bool, re.Pattern, str]]:
    """(excludes, regex, pattern) per line, as Docker reads .dockerignore: `#` comments,
    `!` exceptions, `*` and `?` within a path segment, `**` across segments."""
    patterns = []
    if not path.exists():
        return patterns
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        excludes = not line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex, index = "", 0
        while index < len(pattern):
            char = pattern[index]
            if pattern.startswith("**/", index):
                regex, index = regex + "(?:.*/)?", index + 3
                continue
            if pattern.startswith("**", index):
                regex, index = regex + ".*", index + 2
                continue
            if char == "*":
                regex += "[^/]*"
            elif char == "?":
                regex += "[^/]"
            elif char == "[":
                end = pattern.index("]", index)
                regex += pattern[index : end + 1]
                index = end
            else:
                regex += re.escape(char)
            index += 1
        patterns.append((excludes, re.compile(regex), pattern))
    return patterns


def is_ignored(relative: str, patterns) -> bool:
    """Docker's rule: the last pattern that matches the path, or one of its parent
    directories, decides."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: count + 1]) for count in range(len(parts))]
    ignored = False
    for excludes, regex, _ in patterns:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            ignored = excludes
    return ignored


def context_files(context: Path, patterns) -> list[str]:
    """Every file of the build context that .dockerignore lets through (relative paths)."""
    exceptions = [pattern for excludes, _, pattern in patterns if not excludes]
    files = []
    for directory, subdirectories, names in os.walk(context):
        base = Path(directory).relative_to(context).as_posix()
        base = "" if base == "." else base + "/"
        subdirectories[:] = [
            name
            for name in sorted(subdirectories)
            if not is_ignored(base + name, patterns)
            or any(pattern.startswith(base + name) for pattern in exceptions)
        ]
        files += [base + name for name in sorted(names) if not is_ignored(base + name, patterns)]
    return files


def copy_sources(arguments: str, workdir: str, files: list[str]) -> dict[str, str]:
    """What one COPY instruction puts in the image: {path in the image: path in the context}."""
    words = shlex.split(arguments)
    options = [word for word in words if word.startswith("--")]
    assert all(option.startswith(("--chown", "--chmod")) for option in options), (
        f"COPY {arguments}: only --chown / --chmod are understood here"
    )
    *sources, destination = [word for word in words if not word.startswith("--")]
    target = destination if destination.startswith("/") else f"{workdir}/{destination}"
    into_directory = destination.endswith("/") or len(sources) > 1
    placed = {}
    for source in sources:
        assert not any(char in source for char in "*?["), f"COPY {source}: no wildcards here"
        source = os.path.normpath(source)
        prefix = "" if source == "." else source + "/"
        inside = [name for name in files if name.startswith(prefix)]
        if source != "." and source in files:  # a file
            name = source.rsplit("/", 1)[-1]
            placed[f"{target}/{name}" if into_directory else target] = source
        else:  # a directory: its contents go into the destination
            assert inside, f"COPY {source}: nothing in the build context (or all ignored)"
            for name in inside:
                placed[f"{target}/{name[len(prefix) :]}"] = name
    return {os.path.normpath(path): source for path, source in placed.items()}


def image_file_set(context: Path = CONTEXT) -> dict[str, str]:
    """Every file the Dockerfile's COPY instructions put in the image."""
    files = context_files(context, dockerignore_patterns(context / ".dockerignore"))
    workdir, placed = "/", {}
    for keyword, arguments in dockerfile_instructions(context / "Dockerfile"):
        if keyword == "WORKDIR":
            workdir = arguments
        elif keyword in ("COPY", "ADD"):
            assert keyword == "COPY", "ADD is not used: COPY says what it does"
            placed.update(copy_sources(arguments, workdir, files))
    return placed


def local_applications() -> list[str]:
    """The top-level packages of INSTALLED_APPS that live in this repository."""
    packages = []
    for entry in settings.INSTALLED_APPS:
        package = entry.split(".")[0]
        if (CONTEXT / package / "__init__.py").exists() and package not in packages:
            packages.append(package)
    return packages


# ---------------------------------------------------------------- the file set, fast


def test_every_application_and_resource_is_in_the_image():
    image = image_file_set()
    workdir = next(
        arguments
        for keyword, arguments in dockerfile_instructions(CONTEXT / "Dockerfile")
        if keyword == "WORKDIR"
    )
    in_app = {path[len(workdir) + 1 :] for path in image if path.startswith(workdir + "/")}
    applications = local_applications()
    assert {"kam", "accounts", "audit", "reminders"} <= set(applications)
    missing = []
    for package in applications:
        for source in sorted((CONTEXT / package).rglob("*")):
            relative = source.relative_to(CONTEXT).as_posix()
            compiled = "__pycache__" in relative or relative.endswith((".pyc", ".mo"))
            if source.is_file() and not compiled and relative not in in_app:
                missing.append(relative)
    assert not missing, f"left out of the image: {missing[:20]}"
    for needed in ("manage.py", "gunicorn.conf.py", "pyproject.toml", "README.md"):
        assert needed in in_app
    for directory in ("templates", "static", "locale"):
        assert any(path.startswith(directory + "/") for path in in_app), directory
    for local in (".venv/", ".data/", ".git/", "node_modules/", "tests/", "backups/"):
        assert not any(path.startswith(local) for path in in_app), local


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        (".venv/bin/python", True),
        ("kam/__pycache__/wsgi.cpython-311.pyc", True),
        ("locale/zh_Hans/LC_MESSAGES/django.mo", True),
        ("tests/conftest.py", True),
        ("config/wsgi.py", False),
        ("locale/zh_Hans/LC_MESSAGES/django.po", False),
        ("gunicorn.conf.py", False),
    ],
)
def test_the_dockerignore_rules_read_as_docker_reads_them(path, ignored):
    assert is_ignored(path, dockerignore_patterns(CONTEXT / ".dockerignore")) is ignored


def test_the_dockerignore_reader_follows_docker_s_matching(tmp_path):
    (tmp_path / ".dockerignore").write_text("# comment\n*.log\n!keep.log\n/build\n**/cache\n")
    patterns = dockerignore_patterns(tmp_path / ".dockerignore")
    assert is_ignored("a.log", patterns)
    assert not is_ignored("keep.log", patterns)
    assert not is_ignored("sub/a.log", patterns)  # `*` stays in one segment
    assert is_ignored("build/x.py", patterns)  # a directory takes its contents
    assert is_ignored("a/b/cache/x", patterns)
    assert not is_ignored("builder.py", patterns)


# ---------------------------------------------------------------- the image, built and run


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _maintenance_conninfo(url: str) -> str:
    import environ

    config = environ.Env.db_url_config(url)
    options = config.get("OPTIONS", {})
    parts = {
        "dbname": "postgres",
        "user": config.get("USER") or "postgres",
        "host": config.get("HOST") or options.get("host") or "",
        "port": str(config.get("PORT") or ""),
        "password": config.get("PASSWORD") or "",
    }
    return " ".join(f"{key}='{value}'" for key, value in parts.items() if value)


class Image:
    """The image's root as a directory, with a fresh virtual environment as its Python."""

    def __init__(self, root: Path, venv: Path):
        self.root, self.venv = root, venv
        self.environment: dict[str, str] = {}
        self.workdir = "/"
        self.command: list[str] = []
        self.healthcheck: list[str] = []
        self.skipped: list[str] = []
        self.timings: dict[str, float] = {}

    def path(self, image_path: str) -> Path:
        return self.root / image_path.lstrip("/")

    def base_environment(self) -> dict[str, str]:
        passed = ("HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
        environment = {
            key: value
            for key, value in os.environ.items()
            if key in passed or key.startswith("PIP_") or key.lower().endswith("_proxy")
        }
        environment["PATH"] = f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"
        environment["VIRTUAL_ENV"] = str(self.venv)
        for key, value in self.environment.items():
            # the image's absolute paths (PYTHONPATH=/app ...) point into its root here
            environment[key] = str(self.path(value)) if value.startswith("/") else value
        return environment

    def run(self, command: str | list[str], *, extra=None, timeout=300, check=True):
        """A command in the image's working directory; `extra` adds to (None: removes from)
        the image's environment."""
        environment = {**self.base_environment(), **(extra or {})}
        environment = {key: value for key, value in environment.items() if value is not None}
        completed = subprocess.run(
            command,
            shell=isinstance(command, str),
            cwd=self.path(self.workdir),
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check:
            assert completed.returncode == 0, (
                f"{command!r} failed ({completed.returncode}):\n"
                f"{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}"
            )
        return completed

    @classmethod
    def build(cls, directory: Path) -> "Image":
        image = cls(directory / "root", directory / "venv")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", str(image.venv)], check=True)
        image.timings["virtual environment"] = time.perf_counter() - started
        files = context_files(CONTEXT, dockerignore_patterns(CONTEXT / ".dockerignore"))
        for keyword, arguments in dockerfile_instructions(CONTEXT / "Dockerfile"):
            started = time.perf_counter()
            if keyword == "ENV":
                for word in shlex.split(arguments):
                    key, _, value = word.partition("=")
                    image.environment[key] = value
            elif keyword == "WORKDIR":
                image.workdir = arguments
                image.path(arguments).mkdir(parents=True, exist_ok=True)
            elif keyword == "COPY":
                for target, source in copy_sources(arguments, image.workdir, files).items():
                    image.path(target).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(CONTEXT / source, image.path(target))
            elif keyword == "RUN":
                if any(re.search(rf"\b{name}\b", arguments) for name in SYSTEM_COMMANDS):
                    image.skipped.append(arguments)
                    continue
                # pip's cache is kept (the image sets PIP_NO_CACHE_DIR): the same packages
                # from the same index, without downloading them again; and the packages'
                # bytecode is left to be written when imported, as it changes nothing
                image.run(
                    arguments,
                    extra={"PIP_NO_CACHE_DIR": None, "PIP_NO_COMPILE": "1"},
                    timeout=600,
                )
            elif keyword == "CMD":
                image.command = json.loads(arguments)
            elif keyword == "HEALTHCHECK":
                image.healthcheck = json.loads(arguments.split(" CMD ", 1)[1])
            image.timings[f"{keyword} {arguments[:40]}"] = time.perf_counter() - started
        return image


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    assert shutil.which("msgfmt"), "gettext (msgfmt) is needed: the image installs it"
    return Image.build(tmp_path_factory.mktemp("image"))


@pytest.fixture(scope="module")
def runtime(image):
    """The environment the image runs with (docker-compose.yml's), on a new database."""
    server_url = os.environ.get("DATABASE_URL") or settings.DATABASES["default"].get("URL")
    assert server_url, "DATABASE_URL names the PostgreSQL server to create the database on"
    name = f"kam_image_{secrets.token_hex(4)}"
    import psycopg

    conninfo = _maintenance_conninfo(server_url)
    with closing(psycopg.connect(conninfo, autocommit=True)) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {
            "DATABASE_URL": urlunsplit(urlsplit(server_url)._replace(path=f"/{name}")),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "localhost",
            "SECURE_SSL_REDIRECT": "true",
        }
    finally:
        with closing(psycopg.connect(conninfo, autocommit=True)) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.timeout(900)
def test_the_image_passes_the_deployment_checks(image, runtime):
    assert image.environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert sorted(image.skipped) == sorted(
        step for step in image.skipped if re.search(r"apt-get|useradd", step)
    )
    result = image.run(
        ["python", "manage.py", "check", "--deploy", "--fail-level", "WARNING"], extra=runtime
    )
    assert "System check identified no issues" in result.stdout
    # compilemessages and collectstatic ran in the build
    assert image.path("/app/locale/zh_Hans/LC_MESSAGES/django.mo").exists()
    assert (image.path(image.environment["STATIC_ROOT"]) / "staticfiles.json").exists()


@pytest.mark.timeout(900)
def test_the_image_migrates_a_new_database_and_serves(image, runtime):
    image.run(["python", "manage.py", "migrate", "--noinput", "-v", "0"], extra=runtime)
    result = image.run(
        ["python", "manage.py", "migrate", "--check", "--noinput", "-v", "0"], extra=runtime
    )
    assert result.returncode == 0

    # The Dockerfile's CMD as it stands (gunicorn.conf.py), on a free loopback port.
    assert image.command[0] == "gunicorn"
    port = _free_port()
    environment = {
        **image.base_environment(),
        **runtime,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        image.command,
        cwd=image.path(image.workdir),
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"{base}/healthz", headers={"Host": "localhost"}, timeout=5)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert health is not None, "gunicorn did not answer"
        assert health.status_code == 200, health.text
        assert health.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
        # the image's own health check, as Docker runs it inside the container
        check = image.run(
            image.healthcheck, extra={**runtime, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        )
        assert check.returncode == 0
        # a page through the proxy's HTTPS: templates, translations and static files
        proxied = {"Host": "localhost", "X-Forwarded-Proto": "https"}
        login = httpx.get(f"{base}/login/", headers=proxied, timeout=10)
        assert login.status_code == 200, login.text[:2000]
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login.text)
        assert stylesheet, "the page links no stylesheet"
        css = httpx.get(f"{base}{stylesheet.group(1)}", headers=proxied, timeout=10)
        assert css.status_code == 200
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    # gunicorn.conf.py was read: its access-log line (with the duration in ms) was written
    assert re.search(r'"GET /healthz HTTP/1.1" 200 \S+ \d+ms', output), output[-3000:]
