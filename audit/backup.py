"""Backup and restore of the whole database with PostgreSQL's own tools.

``pg_dump --format=custom`` writes one file; ``pg_restore --clean --if-exists`` puts it
back into the database Django is configured with (``DATABASE_URL``), dropping what is
there first, so it works on an empty database and on a used one alike. The binaries
come from the ``pgserver`` wheel when it is installed (they match the embedded server
and, being PostgreSQL 16, also dump older servers), else from the system's PATH.
"""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone


class BackupError(RuntimeError):
    pass


def _binary(name: str) -> str:
    try:
        import pgserver

        candidate = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
        if candidate.exists():
            return str(candidate)
    except ImportError:  # pragma: no cover - pgserver is a dependency
        pass
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return found


def _connection(alias: str = "default", name: str | None = None) -> tuple[list[str], dict]:
    # The parameters psycopg gets: HOST/PORT merged with OPTIONS, where the embedded
    # default's socket directory travels (``?host=/path`` in DATABASE_URL).
    params = connections[alias].get_connection_params()
    args = ["--dbname", name or params.get("dbname") or connections[alias].settings_dict["NAME"]]
    if params.get("host"):
        args += ["--host", str(params["host"])]
    if params.get("port"):
        args += ["--port", str(params["port"])]
    if params.get("user"):
        args += ["--username", params["user"]]
    environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if params.get("password"):
        environment["PGPASSWORD"] = params["password"]
    return args, environment


def default_backup_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "backups" / f"kam-{stamp}.dump"


def database_backup(*, path: Path | None = None, database: str | None = None) -> Path:
    """Dump the database (custom format) to ``path``; returns the path written."""
    path = Path(path or default_backup_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    args, environment = _connection(name=database)
    command = [_binary("pg_dump"), "--format=custom", "--no-owner", "--no-acl", "--file", str(path)]
    _run([*command, *args], environment)
    return path


def database_restore(*, path: Path, database: str | None = None) -> None:
    """Restore a dump into the configured database (or ``database`` on the same server),
    replacing what is there."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    args, environment = _connection(name=database)
    command = [
        _binary("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
    ]
    _run([*command, *args, str(path)], environment)


def _run(command, environment):
    result = subprocess.run(command, env=environment, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{command[0]} failed ({result.returncode})")
