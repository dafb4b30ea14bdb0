from urllib.parse import quote

from django.apps import apps
from django.db import connection


def database_url(name=None):
    """A DATABASE_URL for another process to reach the test database server."""
    params = connection.get_connection_params()
    user = quote(params.get("user") or "", safe="")
    if params.get("password"):
        user += ":" + quote(params["password"], safe="")
    query = [f"host={quote(str(params.get('host') or 'localhost'), safe='/')}"]
    if params.get("port"):
        query.append(f"port={params['port']}")
    return f"postgres://{user}@/{name or connection.settings_dict['NAME']}?{'&'.join(query)}"


def make_statistics_stale(*app_labels):
    """Make PostgreSQL believe every table of these apps holds no rows over many pages, as
    after an analyse of a table full of dead rows: the worst case for a batch plan.
    An ordinary transactional update of ``pg_class``, undone with the test."""
    tables = [
        model._meta.db_table
        for label in app_labels
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = 0, relpages = 2000 WHERE relname = ANY(%s)",
            [tables],
        )
        return cursor.rowcount
