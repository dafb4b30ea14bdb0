"""make backup / make restore: a dump of a seeded database restored into an empty one
gives the same rows in every table and the same account page."""

import re

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from audit.backup import database_backup, database_restore
from tests.conftest import add_records, build_world
from tests.factories import ComplaintFactory, OpportunityFactory, PlanFactory

CSRF = re.compile(r'(csrfmiddlewaretoken" value="|csrf-token" content="|"X-CSRFToken": ")[^"]+')


def _server_connection():
    # the parameters Django hands psycopg (HOST/PORT merged with OPTIONS, where the
    # embedded server's socket directory is), on the server's maintenance database
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def _row_counts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def _use_database(name):
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = name


@pytest.mark.django_db(transaction=True)
def test_backup_restored_into_an_empty_database_is_identical(client, tmp_path):
    world = build_world()
    add_records(world)
    acme = world.accounts["acme"]
    PlanFactory(account=acme)
    OpportunityFactory(account=acme)
    ComplaintFactory(account=acme)
    client.force_login(world.user("kam_a"))  # the session is in the dump too
    url = reverse("accounts:detail", args=[acme.pk])
    page = CSRF.sub(r"\1-", client.get(url).content.decode())
    counts = _row_counts()
    assert counts["accounts_account"] == 3
    assert counts["audit_accountevent"] >= 3

    path = tmp_path / "kam.dump"
    call_command("db_backup", "--file", str(path))
    assert path.stat().st_size > 0

    original = connection.settings_dict["NAME"]
    fresh = f"{original}_restored"
    with _server_connection() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        server.execute(f'CREATE DATABASE "{fresh}"')
    try:
        database_restore(path=path, database=fresh)
        _use_database(fresh)
        try:
            assert _row_counts() == counts
            restored_page = CSRF.sub(r"\1-", client.get(url).content.decode())
        finally:
            _use_database(original)
        assert restored_page == page
    finally:
        with _server_connection() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def test_database_backup_names_the_file_by_time(db, tmp_path, settings):
    settings.BASE_DIR = tmp_path
    path = database_backup()
    assert path.parent == tmp_path / "backups"
    assert re.fullmatch(r"kam-\d{8}-\d{6}\.dump", path.name)
    assert path.stat().st_size > 0
