from urllib.parse import quote

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
