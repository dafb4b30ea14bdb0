"""`make bench`: KAM at scale, served the way production serves it.

    python scripts/bench.py [--scale large] [--requests 40] [--out bench]

1. A database of its own (``<name>_<scale>_bench`` next to DATABASE_URL's), created
   if missing, migrated and seeded (``seed_demo --scale``, config/bench_seed.py) only when
   empty; its dates re-anchored to today when it was seeded on an earlier day.
2. The subjects: the KAM and the supervisor at the 90th percentile by rows, and the
   executive.
3. Batch work timed in-process with its SQL statement count: scoring, the candidate
   scoring, the credit check, the nightly health check, the lifecycle rules, the
   reminder sweep, a 1,000-row bulk upsert of actuals, and imports of
   10,000 accounts, contacts and actuals (values changed on every run).
4. Every page and API list: the SQL query count (Django test client, in-process,
   same database), the same SQL run alone (timed in PostgreSQL), and median / p95
   over ``--requests`` requests against gunicorn (production settings, DEBUG off)
   on a free loopback port; then the page writes (visit form, stage move, plan approval,
   handover of 100 accounts), the bulk upsert over HTTP with changed values, and exports.
5. The framework's floor (``/healthz`` and a minimal signed-in page), a closed-loop load
   run (``--users`` for ``--load-seconds``) reported as a share of that floor, and an
   open loop at ``--open-rate`` requests/s for ``--open-seconds`` from ``--identities``
   signed-in users, with the server's and the load generator's CPU.
6. A soak: ``--soak-requests`` mixed requests (at most ``--soak-seconds``) with worker
   recycling off, each worker's RSS sampled; its growth after the warm-up has a budget of
   10 %.
7. ``bench/report.md`` and ``bench/results.json`` with a met / missed check per budget,
   and the configuration it ran: gunicorn.conf.py (the image's and compose's, workers
   from the CPU count unless ``--workers``) and PostgreSQL's settings beside those
   config/embedded.py and docker-compose.yml give it, and the machine's load.
"""

import argparse
import asyncio
import base64
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PY = sys.executable
LOAD_RUN_SUMMARY = "Logged by the bench load run."
RAW_SECONDS = 2.0  # raw SQL repeats stop after this much time (at least one run)
ENDPOINT_SECONDS = 15.0  # requests per endpoint stop after this much time ...
MIN_REQUESTS = 20  # ... once at least this many were made (the report gives the number)


def log(message):
    print(f"[bench] {message}", flush=True)  # noqa: T201 - a command-line tool


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


# ---------------------------------------------------------------- database


def bench_database_url(scale: str) -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit(
            "DATABASE_URL is not set (run through `python -m config.embedded exec --`)."
        )
    parts = urlsplit(base)
    name = parts.path.lstrip("/") or "kam"
    return urlunsplit(parts._replace(path=f"/{name}_{scale}_bench")), base


def ensure_database(url: str, base: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    conninfo = _conninfo(base)
    with closing(psycopg.connect(conninfo, autocommit=True)) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"creating the database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
        # The product's PostgreSQL settings (config/embedded.py, docker-compose.yml) for this
        # database's sessions, whichever server DATABASE_URL names.
        from config.embedded import POSTGRES_SETTINGS

        for setting, value in POSTGRES_SETTINGS.items():
            conn.execute(f"ALTER DATABASE \"{name}\" SET {setting} = '{value}'")


def _conninfo(url: str) -> str:
    import environ

    config = environ.Env.db_url_config(url)
    options = config.get("OPTIONS", {})
    parts = {
        "dbname": "postgres",  # the maintenance database: CREATE DATABASE runs from there
        "user": config.get("USER") or "postgres",
        "host": config.get("HOST") or options.get("host") or "",
        "port": str(config.get("PORT") or ""),
        "password": config.get("PASSWORD") or "",
    }
    return " ".join(f"{key}='{value}'" for key, value in parts.items() if value)


def manage(*args, env):
    subprocess.run([PY, str(BASE_DIR / "manage.py"), *args], check=True, env=env)  # noqa: S603


# ---------------------------------------------------------------- in-process measures


def measure_batch(quick: bool) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.health.services import health_check_run
    from accounts.tiering.services import accounts_score
    from candidates.engine import candidates_score
    from candidates.models import Candidate
    from credit.engine import credit_check
    from kam.models import User
    from lifecycle.engine import run as lifecycle_run
    from plans.services import actuals_upsert
    from reminders.services import reminders_sweep

    admin = (
        User.objects.filter(role="admin").first() or User.objects.filter(is_superuser=True).first()
    )
    accounts = list(
        __import__("accounts.models", fromlist=["Account"])
        .Account.objects.filter(external_id__startswith="BENCH-")
        .order_by("pk")
        .values_list("external_id", flat=True)[:1000]
    )
    salt = int(time.time())
    rows = [
        {
            "external_id": external_id,
            "year": 2020,
            "month": 1 + index % 12,
            # values that change with each run, so that the upsert writes every row
            "revenue": f"{100000 + (index * 7919 + salt) % 900000}.00",
            "gross_profit": f"{20000 + (index * 104729 + salt) % 90000}.00",
        }
        for index, external_id in enumerate(accounts)
    ]
    candidates = Candidate.objects.in_pool().count()
    jobs = {
        "scoring (all accounts)": lambda: accounts_score(actor=None),
        f"candidate scoring ({candidates:,} candidates)": lambda: candidates_score(),
        "credit check (all accounts)": lambda: credit_check(),
        "nightly health check": lambda: health_check_run(actor=None),
        "lifecycle rules (all accounts)": lambda: lifecycle_run(),
        "reminder sweep": lambda: reminders_sweep(),
        f"bulk upsert of {len(rows)} actuals": lambda: actuals_upsert(
            actor=admin, rows=rows, source="api"
        ),
    }
    results = {}
    for name, job in jobs.items():
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            error = None
            try:
                job()
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:300]
            seconds = time.perf_counter() - started
        results[name] = {"seconds": round(seconds, 3), "statements": len(queries), "error": error}
        log(f"batch {name}: {seconds:.3f} s, {len(queries)} statements {error or ''}")
    return results


def _ranked(sql: str) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


#: rows per owner: the accounts, their visits and their contacts
ROWS_PER_OWNER = (
    "SELECT a.owner_id, count(*) + sum(v.n) + sum(c.n) AS rows FROM accounts_account a"
    " CROSS JOIN LATERAL (SELECT count(*) AS n FROM accounts_visit WHERE account_id = a.id) v"
    " CROSS JOIN LATERAL (SELECT count(*) AS n FROM accounts_contact WHERE account_id = a.id) c"
    " WHERE a.external_id LIKE 'BENCH-%' GROUP BY a.owner_id"
)


def at_percentile(ranked: list[tuple], fraction: float):
    """The row at ``fraction`` of ``ranked`` (ordered by its second column, then its first)."""
    ordered = sorted(ranked, key=lambda row: (row[1], row[0]))
    return ordered[min(len(ordered) - 1, int(fraction * (len(ordered) - 1) + 0.5))]


def pick_subjects() -> dict:
    """The bench signs in as the KAM and the supervisor at the 90th percentile by rows (the
    accounts, visits and contacts they own or their team owns), not the first of each."""
    from django.db.models import Count

    from accounts.models import Account, Visit
    from kam.models import Team, User
    from plans.models import AccountPlan

    per_kam = _ranked(ROWS_PER_OWNER)
    per_team = _ranked(
        f"SELECT t.supervisor_id, sum(o.rows) FROM ({ROWS_PER_OWNER}) o"  # noqa: S608
        " JOIN kam_teammembership m ON m.user_id = o.owner_id"
        " JOIN kam_team t ON t.id = m.team_id WHERE t.name LIKE 'Bench team%' GROUP BY 1"
    )
    kam_id, kam_rows = at_percentile(per_kam, 0.9)
    supervisor_id, team_rows = at_percentile(per_team, 0.9)
    kam = User.objects.get(pk=kam_id)
    supervisor = User.objects.get(pk=supervisor_id)
    executive = User.objects.get(username="bench.exec")
    admin = User.objects.filter(role="admin", is_active=True).order_by("pk").first()
    team = Team.objects.get(supervisor=supervisor)
    members = [
        row[0] for row in per_kam if row[0] in set(team.members.values_list("pk", flat=True))
    ]
    loads = dict(
        Account.objects.active()
        .filter(owner_id__in=members)
        .values_list("owner_id")
        .annotate(n=Count("pk"))
    )
    heaviest = max(members, key=lambda pk: (loads.get(pk, 0), pk))
    # the KAM's account with the most visits: the account page as its owner sees it most
    account = (
        Account.objects.filter(owner=kam).annotate(n=Count("visits")).order_by("-n", "pk").first()
    )
    plan = (
        AccountPlan.objects.filter(account__owner=kam)
        .annotate(n=Count("action_items"))
        .order_by("-n", "pk")
        .first()
    )
    # deep page numbers: half-way down the list, at most page 40 (the team) and 500 (all)
    team_visits = Visit.objects.filter(account__owner__in=members).count()
    deep_pages = {
        "supervisor": max(1, min(40, team_visits // 50 // 2)),
        "executive": max(1, min(500, Visit.objects.count() // 50 // 2)),
    }
    oldest = Visit.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    deep = oldest + timedelta(days=180) if oldest else None
    log(
        f"subjects: KAM {kam.username} ({kam_rows} rows, 90th percentile of {len(per_kam)}),"
        f" supervisor {supervisor.username} ({team_rows} rows, of {len(per_team)} teams)"
    )
    return {
        "kam": kam,
        "kam_rows": kam_rows,
        "kam_accounts": Account.objects.filter(owner=kam).count(),
        "supervisor": supervisor,
        "team_rows": team_rows,
        "executive": executive,
        "admin": admin,
        "team": team,
        "handover_from": User.objects.get(pk=heaviest),
        "handover_to": User.objects.get(pk=next(pk for pk in members if pk != heaviest)),
        "account": account,
        "plan": plan,
        "deep_pages": deep_pages,
        "deep_cursor": base64.b64encode(urlencode({"p": deep.isoformat()}).encode()).decode()
        if deep
        else "",
    }


def last_quarter() -> str:
    """The report filters of the last full quarter: what a report is read for."""
    today = time.gmtime()
    if today.tm_mon > 3:
        return f"year={today.tm_year}&quarter={(today.tm_mon - 1) // 3}"
    return f"year={today.tm_year - 1}&quarter=4"


def endpoints(subjects) -> list[dict]:
    """Every page with its kind, which sets its budget (BUDGETS): a list page is a full
    page of 50 rows (the subjects own hundreds)."""
    account, plan, deep = subjects["account"], subjects["plan"], subjects["deep_pages"]
    rows = "page_size=50"
    period = last_quarter()
    pages = [
        ("account list", "/accounts/?status=active", "kam", "list"),
        ("account list (filtered)", "/accounts/?tier=A&tier=B&tier=C", "kam", "list"),
        ("account list (supervisor, filtered)", "/accounts/?tier=A&tier=B", "supervisor",
         "list"),
        ("account 360", f"/accounts/{account.pk}/", "kam", "360"),
        ("contact list", "/accounts/contacts/", "kam", "list"),
        ("visit list", "/accounts/visits/", "supervisor", "list"),
        (f"visit list (page {deep['supervisor']})",
         f"/accounts/visits/?page={deep['supervisor']}", "supervisor", "deep"),
        (f"visit list (executive, page {deep['executive']})",
         f"/accounts/visits/?page={deep['executive']}", "executive", "deep"),
        ("opportunity list", "/opportunities/", "kam", "list"),
        ("opportunity board", "/opportunities/board/", "kam", "board"),
        ("opportunity board (supervisor)", "/opportunities/board/", "supervisor", "board"),
        ("opportunity board (executive)", "/opportunities/board/", "executive", "board"),
        ("plan page", f"/plans/{plan.pk}/" if plan else "/plans/", "kam", "plan"),
        ("my day", "/dashboards/my-day/", "kam", "dashboard"),
        ("team dashboard", "/dashboards/team/", "supervisor", "dashboard"),
        ("team dashboard (executive)", "/dashboards/team/", "executive", "dashboard"),
        ("team dashboard (executive, a row per team)", "/dashboards/team/?team=all",
         "executive", "dashboard"),
        ("report: plan vs actual", f"/dashboards/reports/plan-actual/?{period}", "supervisor",
         "report"),
        ("report: pipeline", "/dashboards/reports/pipeline/", "supervisor", "report"),
        ("report: activity", f"/dashboards/reports/activity/?{period}", "supervisor", "report"),
        ("report: activity (executive)", f"/dashboards/reports/activity/?{period}",
         "executive", "report"),
        ("report: complaint SLA", f"/dashboards/reports/complaint-sla/?{period}", "supervisor",
         "report"),
        ("report: tier movements", "/dashboards/reports/tier-movements/", "supervisor",
         "report"),
        ("history: account", f"/audit/history/account/{account.pk}/", "kam", "history"),
        ("history: plan", f"/audit/history/plan/{plan.pk}/" if plan else "/plans/", "kam",
         "history"),
        ("API accounts", f"/api/v1/accounts/?{rows}", "executive", "list"),
        ("API contacts", f"/api/v1/contacts/?{rows}", "executive", "list"),
        ("API visits (first page)", f"/api/v1/visits/?{rows}", "executive", "list"),
        (
            "API visits (cursor deep in the history)",
            f"/api/v1/visits/?{rows}&{urlencode({'cursor': subjects['deep_cursor']})}",
            "executive",
            "deep",
        ),
        ("API opportunities", f"/api/v1/opportunities/?{rows}", "executive", "list"),
        ("API actuals", f"/api/v1/actuals/?{rows}", "executive", "list"),
    ]  # fmt: skip
    # the navbar search as the box asks for it (htmx): a Chinese fragment, pinyin initials,
    # full pinyin, a credit-code fragment (config.bench_seed) and a phone fragment
    for query, who in (
        ("华", "executive"),
        ("华为", "supervisor"),
        ("hw", "executive"),
        ("huawei", "kam"),
        ("0000123", "executive"),
        ("0001234", "supervisor"),
    ):
        pages.append((f"navbar search: {query}", f"/search/?{urlencode({'q': query})}", who,
                      "search"))  # fmt: skip
    return [{"name": n, "url": u, "as": who, "kind": k} for n, u, who, k in pages]


def measure_queries(items, subjects, tokens, raw_repeats: int) -> None:
    """Query count and the raw SQL time of each page, in-process on the same database,
    signed in as the timed requests are: a session for pages, a token for the API."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for role in ("kam", "supervisor", "executive"):
        client = Client()
        client.force_login(subjects[role])
        client.get("/")  # session and language settled before counting
        clients[role] = client
    for item in items:
        if item["url"].startswith("/api/"):
            client = Client(headers=headers_for(item, {}, tokens))
        else:
            client = clients[item["as"]]
        extra = {"HTTP_HX_REQUEST": "true"} if item["kind"] == "search" else {}
        client.get(item["url"], **extra)  # warm caches the way a repeated request sees them
        with CaptureQueriesContext(connection) as queries:
            response = client.get(item["url"], **extra)
        item["status_in_process"] = response.status_code
        statements = [query["sql"] for query in queries.captured_queries]
        item["queries"] = len(statements)
        timings = []
        with connection.cursor() as cursor:
            for _ in range(raw_repeats):
                if sum(timings) > RAW_SECONDS:
                    break
                started = time.perf_counter()
                for sql in statements:
                    if sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "FETCH", "CLOSE")):
                        continue
                    if sql.startswith("DECLARE") and " FOR " in sql:
                        sql = sql.split(" CURSOR ", 1)[1].split(" FOR ", 1)[1]
                    cursor.execute(sql.replace("%", "%%"), ())
                    if cursor.description:
                        cursor.fetchall()
                timings.append(time.perf_counter() - started)
        item["sql_ms"] = round(statistics.median(timings) * 1000, 2) if timings else 0.0
        log(f"{item['name']}: {item['queries']} queries, SQL {item['sql_ms']} ms")


def session_cookies(subjects) -> dict:
    from django.conf import settings
    from django.test import Client

    cookies = {}
    for role in ("kam", "supervisor", "executive"):
        client = Client()
        client.force_login(subjects[role])
        cookies[role] = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


def api_tokens(subjects) -> dict:
    from knox.models import AuthToken

    return {
        role: AuthToken.objects.create(subjects[role])[1]
        for role in ("kam", "supervisor", "executive", "admin")
    }


# ---------------------------------------------------------------- over HTTP


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


GUNICORN_CONFIG = BASE_DIR / "gunicorn.conf.py"


@contextmanager
def gunicorn(env, workers: int | None, **overrides):
    """gunicorn as production runs it (gunicorn.conf.py), on a free loopback port; the
    access log goes to a file, and `overrides` are environment variables the config reads."""
    port = free_port()
    command = [PY, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)]
    command += ["--bind", f"127.0.0.1:{port}"]
    if workers:
        command += ["--workers", str(workers)]
    access_log = BASE_DIR / ".data" / "bench-access.log"
    access_log.parent.mkdir(exist_ok=True)
    process = subprocess.Popen(  # noqa: S603
        [*command, "config.wsgi:application"],
        cwd=BASE_DIR,
        env={
            **env,
            "GUNICORN_ACCESS_LOG": str(access_log),
            "GUNICORN_LOG_LEVEL": "warning",
            **overrides,
        },
    )
    import httpx

    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def server_configuration(workers: int | None) -> dict:
    """The configuration the bench serves with: gunicorn.conf.py as read in this
    environment (and --workers), and PostgreSQL's settings against the embedded server's."""
    import runpy

    from django.db import connection

    from config.embedded import POSTGRES_SETTINGS

    config = runpy.run_path(str(GUNICORN_CONFIG))
    gunicorn_config = {
        "file": GUNICORN_CONFIG.name,
        "worker_class": config["worker_class"],
        "workers": workers or config["workers"],
        "workers_from_config": not workers,
        "cpus": config["cpus"],
        "threads": config.get("threads", 1),
        "max_requests": config["max_requests"],
        "max_requests_jitter": config["max_requests_jitter"],
        "timeout": config["timeout"],
        "preload_app": config["preload_app"],
    }
    postgres = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        for name in POSTGRES_SETTINGS:
            cursor.execute(f"SHOW {name}")
            postgres[name] = cursor.fetchone()[0]
    return {
        "gunicorn": gunicorn_config,
        "postgres_version": version,
        "postgres": postgres,
        "postgres_as_embedded": postgres == POSTGRES_SETTINGS,
    }


def describe_configuration(configuration: dict) -> str:
    server = configuration["gunicorn"]
    workers = f"{server['workers']} {server['worker_class']} workers"
    if server["threads"] > 1:
        workers += f" x {server['threads']} threads"
    origin = (
        f"2 x {server['cpus']} CPUs + 1" if server["workers_from_config"] else "set by --workers"
    )
    postgres = ", ".join(f"{key} {value}" for key, value in configuration["postgres"].items())
    same = (
        "the settings config/embedded.py and docker-compose.yml give it"
        if configuration["postgres_as_embedded"]
        else "**not** the settings config/embedded.py and docker-compose.yml give it"
    )
    return (
        f"gunicorn with `{server['file']}`: {workers} ({origin}), max_requests "
        f"{server['max_requests']} + up to {server['max_requests_jitter']}, timeout "
        f"{server['timeout']} s, {'preloaded' if server['preload_app'] else 'not preloaded'}; "
        f"PostgreSQL {configuration['postgres_version']} with {postgres} ({same})."
    )


def _cpu_seconds(pid) -> float:
    """CPU time (user + system) of the server and its workers so far, the replaced ones
    included."""
    import psutil

    parent = psutil.Process(pid)
    # the workers gunicorn replaced (max_requests) and reaped count in its children's times
    times = parent.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for process in parent.children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def cpu_reference_ms() -> float:
    """The best of five timings of a fixed pure-Python loop: the machine's speed, for
    comparing runs made on different machines or at busier times."""
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number * number % 7
        timings.append(time.perf_counter() - started)
    return round(min(timings) * 1000, 1)


def headers_for(item, cookies, tokens):
    if item["url"].startswith("/api/"):
        return {"Authorization": f"Token {tokens[item['as']]}", "Accept": "application/json"}
    if item.get("kind") == "search":  # the navbar's dropdown, an htmx request
        return {"Cookie": cookies[item["as"]], "HX-Request": "true"}
    return {"Cookie": cookies[item["as"]]}


def measure_http(base, items, cookies, tokens, requests: int) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        for item in items:
            headers = headers_for(item, cookies, tokens)
            for _ in range(3):
                client.get(item["url"], headers=headers)
            times, errors = [], 0
            cap = time.perf_counter() + ENDPOINT_SECONDS
            for _ in range(requests):
                if len(times) >= MIN_REQUESTS and time.perf_counter() > cap:
                    break  # a slow endpoint: fewer requests, stated in the report
                started = time.perf_counter()
                response = client.get(item["url"], headers=headers)
                times.append(time.perf_counter() - started)
                errors += response.status_code != 200
            item["status"] = response.status_code
            item["requests"] = len(times)
            item["errors"] = errors
            item["median_ms"] = round(statistics.median(times) * 1000, 1)
            item["p95_ms"] = round(percentile(times, 0.95) * 1000, 1)
            item["ratio"] = round(item["median_ms"] / item["sql_ms"], 1) if item["sql_ms"] else None
            log(
                f"{item['name']}: median {item['median_ms']} ms, p95 {item['p95_ms']} ms,"
                f" errors {errors}"
            )


async def _load(base, cookies, tokens, subjects, users: int, seconds: float) -> dict:
    import httpx

    account = subjects["account"]
    reads = [
        ("/accounts/?tier=A&status=active", "kam"),
        ("/accounts/contacts/", "kam"),
        (f"/accounts/{account.pk}/", "kam"),
        ("/accounts/visits/", "supervisor"),
        ("/api/v1/accounts/?page_size=50", "executive"),
        ("/api/v1/visits/?page_size=50", "executive"),
    ]
    dashboards = [("/dashboards/my-day/", "kam"), ("/dashboards/team/", "supervisor")]
    latencies, errors, statuses = [], 0, {}
    deadline = time.perf_counter() + seconds
    rng = random.Random(2026)  # noqa: S311 - a load mix, not security
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)

    async def user(client):
        nonlocal errors
        while time.perf_counter() < deadline:
            roll = rng.random()
            started = time.perf_counter()
            try:
                if roll < 0.7:
                    url, role = rng.choice(reads)
                    item = {"url": url, "as": role}
                    response = await client.get(url, headers=headers_for(item, cookies, tokens))
                elif roll < 0.9:
                    response = await client.post(
                        "/api/v1/visits/",
                        headers={"Authorization": f"Token {tokens['kam']}"},
                        json={
                            "account": account.pk,
                            "kind": "call",
                            "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                            "purpose": "Load run",
                            "summary": LOAD_RUN_SUMMARY,
                        },
                    )
                else:
                    url, role = rng.choice(dashboards)
                    response = await client.get(url, headers={"Cookie": cookies[role]})
                ok = response.status_code < 400
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            except httpx.HTTPError as exc:
                ok = False
                statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
            latencies.append(time.perf_counter() - started)
            errors += not ok

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        await asyncio.gather(*(user(client) for _ in range(users)))
    elapsed = time.perf_counter() - started
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "median_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "errors": errors,
        "statuses": {str(key): value for key, value in statuses.items()},
    }


SOAK_WARM_UP = 0.1  # the share of the soak's requests before its baseline sample


async def _soak(
    base, cookies, tokens, subjects, requests: int, concurrency: int, pid, seconds: float
) -> dict:
    """Many mixed requests against gunicorn with worker recycling off (``requests``, or as
    many as ``seconds`` allow), each worker's RSS sampled as they go: a leak shows as
    growth after the warm-up."""
    import httpx
    import psutil

    account = subjects["account"]
    mix = [
        *[("/api/v1/accounts/?page_size=100", "executive")] * 2,
        *[("/api/v1/visits/?page_size=100", "executive")] * 2,
        ("/api/v1/contacts/?page_size=100", "executive"),
        ("/accounts/?tier=A&tier=B&status=active", "kam"),
        ("/accounts/visits/", "supervisor"),
        (f"/accounts/{account.pk}/", "kam"),
        ("/opportunities/board/", "kam"),
        ("/dashboards/my-day/", "kam"),
    ]
    rng = random.Random(2026)  # noqa: S311 - a load mix, not security
    order = [rng.choice(mix) for _ in range(requests)]
    samples, errors, done = [], 0, 0
    deadline = time.perf_counter() + seconds
    master = psutil.Process(pid)

    def sample():
        rss = {}
        for worker in master.children():
            try:
                rss[worker.pid] = round(worker.memory_info().rss / 2**20, 1)
            except psutil.NoSuchProcess:
                continue
        samples.append({"requests": done, "rss_mb": rss})

    sample()
    queue = iter(order)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()

    async def client_loop(client):
        nonlocal done, errors
        for url, role in queue:
            if time.perf_counter() > deadline:
                break
            try:
                response = await client.get(
                    url, headers=headers_for({"url": url, "as": role}, cookies, tokens)
                )
                errors += response.status_code != 200
            except httpx.HTTPError:
                errors += 1
            done += 1

    async def sampler(finished):
        interval = max(0.2, min(seconds, requests / 20) / 40)
        while not finished.is_set():
            await asyncio.sleep(interval)
            sample()

    finished = asyncio.Event()
    sampling = asyncio.create_task(sampler(finished))
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
    finished.set()
    await sampling
    elapsed = time.perf_counter() - started
    if samples[-1]["requests"] != done:
        sample()
    warm_at = done * SOAK_WARM_UP
    baseline = next(item for item in samples if item["requests"] >= warm_at)
    final = samples[-1]
    workers = []
    for worker, warm in sorted(baseline["rss_mb"].items()):
        end = final["rss_mb"].get(worker)
        series = [item["rss_mb"][worker] for item in samples if worker in item["rss_mb"]]
        workers.append(
            {
                "pid": worker,
                "start_mb": samples[0]["rss_mb"].get(worker),
                "after_warm_up_mb": warm,
                "end_mb": end,
                "max_mb": max(series),
                "growth_pct": round((end - warm) * 100 / warm, 1) if end else None,
            }
        )
    return {
        "requests": done,
        "concurrency": concurrency,
        "seconds": round(elapsed, 1),
        "rps": round(done / elapsed, 1),
        "errors": errors,
        "warm_up_requests": baseline["requests"],
        "workers": workers,
        "samples": samples,
    }


# ---------------------------------------------------------------- jobs: imports, exports, writes

IMPORT_ROWS = 10_000


def _csv(header, rows) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def measure_imports(admin, stamp: str) -> dict:
    """Imports of 10,000 accounts, contacts and actuals as a worker runs them: the CSV read
    by kam.uploads, its columns mapped, every row validated, the all-or-nothing upsert. The
    rows are bench rows with values that change each run (``stamp``), so each is a write."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts import imports
    from accounts.models import Account, Contact
    from kam import uploads
    from plans.imports import MAX_ROWS as ACTUALS_MAX_ROWS
    from plans.imports import read_actuals_file
    from plans.services import actuals_upsert

    accounts = list(
        Account.objects.filter(external_id__startswith="BENCH-")
        .order_by("external_id")
        .values_list("external_id", "name")[:IMPORT_ROWS]
    )
    contacts = list(
        Contact.objects.filter(account__external_id__startswith="BENCH-")
        .order_by("account__external_id", "external_id")
        .values_list("account__external_id", "external_id", "name")[:IMPORT_ROWS]
    )
    salt = sum(stamp.encode())

    def table(kind, content):
        rows = uploads.read_table(name=f"{kind}.csv", content=content, max_rows=imports.MAX_ROWS)
        parsed = imports.table_from(rows)
        return parsed, imports.guess_mapping(kind, parsed["header"])

    def accounts_import():
        content = _csv(
            ["external_id", "name", "description"],
            [(ext, name, f"Imported {stamp}") for ext, name in accounts],
        )
        parsed, mapping = table("accounts", content)
        return imports.commit("accounts", actor=admin, table=parsed, mapping=mapping)

    def contacts_import():
        content = _csv(
            ["account_external_id", "external_id", "name", "notes"],
            [(account, ext, name, f"Imported {stamp}") for account, ext, name in contacts],
        )
        parsed, mapping = table("contacts", content)
        return imports.commit("contacts", actor=admin, table=parsed, mapping=mapping)

    def actuals_import():
        # the actuals import takes at most plans.imports.MAX_ROWS rows a file: 10,000 rows
        # are sent as as many files as that takes, one after the other
        year = time.gmtime().tm_year - 2
        rows = [
            (ext, year, 1 + index % 12, 100000 + (index * 37 + salt) % 900000,
             20000 + (index * 11 + salt) % 90000)
            for index, (ext, _name) in enumerate(accounts)
        ]  # fmt: skip
        written = 0
        for first in range(0, len(rows), ACTUALS_MAX_ROWS):
            content = _csv(
                ["external_id", "year", "month", "revenue", "gross_profit"],
                rows[first : first + ACTUALS_MAX_ROWS],
            )
            upload = SimpleUploadedFile("actuals.csv", content, "text/csv")
            written += actuals_upsert(actor=admin, rows=read_actuals_file(upload), source="import")
        return written

    results = {}
    for name, job, rows in (
        (f"import of {len(accounts):,} accounts", accounts_import, len(accounts)),
        (f"import of {len(contacts):,} contacts", contacts_import, len(contacts)),
        (
            f"import of {len(accounts):,} actuals"
            + (f" (files of {ACTUALS_MAX_ROWS:,})" if len(accounts) > ACTUALS_MAX_ROWS else ""),
            actuals_import,
            len(accounts),
        ),
    ):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            error = None
            try:
                job()
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:300]
            seconds = time.perf_counter() - started
        results[name] = {
            "seconds": round(seconds, 3),
            "statements": len(queries),
            "rows": rows,
            "error": error,
            "kind": "import",
        }
        log(f"{name}: {seconds:.3f} s, {len(queries)} statements {error or ''}")
    return results


def _form_token(client, url, cookie) -> tuple[str, str]:
    """The CSRF token of the form on ``url`` and the Cookie header that goes with it."""
    import re

    response = client.get(url, headers={"Cookie": cookie})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    csrf = response.cookies.get("csrftoken") or ""
    if not csrf:
        for header in response.headers.get_list("set-cookie"):
            if header.startswith("csrftoken="):
                csrf = header.split(";", 1)[0].split("=", 1)[1]
    return (token.group(1) if token else ""), f"{cookie}; csrftoken={csrf}"


def _timed(client, method, url, **kwargs):
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    response.read()
    return time.perf_counter() - started, response


def _summary(name, times, errors, kind, extra=None) -> dict:
    item = {
        "name": name,
        "kind": kind,
        "requests": len(times),
        "errors": errors,
        "median_ms": round(statistics.median(times) * 1000, 1) if times else None,
        "p95_ms": round(percentile(times, 0.95) * 1000, 1) if times else None,
        **(extra or {}),
    }
    log(f"{name}: median {item['median_ms']} ms, p95 {item['p95_ms']} ms, errors {errors}")
    return item


def measure_writes(base, subjects, cookies, tokens, requests: int) -> list[dict]:
    """The page writes as a browser sends them (the form's CSRF token, the redirect that
    follows a save not followed), the bulk upsert over HTTP, and the exports downloaded."""
    import httpx

    from opportunities.models import Opportunity, Stage
    from plans.models import AccountPlan

    results = []
    kam, supervisor = cookies["kam"], cookies["supervisor"]
    account = subjects["account"]
    with httpx.Client(base_url=base, timeout=60) as client:
        # the visit form, as the KAM logs a visit
        token, cookie = _form_token(client, "/accounts/visits/new/", kam)
        times, errors = [], 0
        for index in range(requests):
            seconds, response = _timed(
                client,
                "POST",
                "/accounts/visits/new/",
                headers={"Cookie": cookie, "Referer": f"{base}/accounts/visits/new/"},
                data={
                    "csrfmiddlewaretoken": token,
                    "account": account.pk,
                    "kind": "onsite",
                    "occurred_at": time.strftime("%Y-%m-%dT%H:%M"),
                    "summary": LOAD_RUN_SUMMARY,
                    "purpose": f"Bench write {index}",
                    "sentiment": "positive",
                },
            )
            times.append(seconds)
            errors += response.status_code != 302
        results.append(_summary("write: visit form", times, errors, "write"))

        # the stage move, between two open stages, on the KAM's open deals
        stages = list(Stage.objects.filter(kind="open", is_active=True).order_by("order"))
        deals = list(
            Opportunity.objects.filter(owner=subjects["kam"], stage__in=stages[:2]).order_by("pk")[
                : max(1, requests // 2)
            ]
        )
        times, errors = [], 0
        if deals and len(stages) >= 2:
            token, cookie = _form_token(client, f"/opportunities/{deals[0].pk}/", kam)
            for index in range(requests):
                deal = deals[index % len(deals)]
                target = stages[1] if (index // len(deals)) % 2 == 0 else stages[0]
                if deal.stage_id == target.pk:
                    target = stages[0] if target == stages[1] else stages[1]
                seconds, response = _timed(
                    client,
                    "POST",
                    f"/opportunities/{deal.pk}/stage/",
                    headers={"Cookie": cookie, "Referer": f"{base}/opportunities/{deal.pk}/"},
                    data={"csrfmiddlewaretoken": token, "stage": target.pk},
                )
                deal.stage_id = target.pk
                times.append(seconds)
                errors += response.status_code not in (200, 302)
        results.append(_summary("write: stage move", times, errors, "write"))

        # plan approval: the supervisor approves the team's submitted plans
        team = list(subjects["team"].members.values_list("pk", flat=True))
        plans = list(
            AccountPlan.objects.filter(status="submitted", account__owner__in=team).order_by("pk")[
                :requests
            ]
        )
        times, errors = [], 0
        if plans:
            token, cookie = _form_token(client, f"/plans/{plans[0].pk}/", supervisor)
            for plan in plans:
                seconds, response = _timed(
                    client,
                    "POST",
                    f"/plans/{plan.pk}/approve/",
                    headers={"Cookie": cookie, "Referer": f"{base}/plans/{plan.pk}/"},
                    data={"csrfmiddlewaretoken": token, "comment": "同意 / approved"},
                )
                times.append(seconds)
                errors += response.status_code not in (200, 302)
        results.append(
            _summary(
                "write: plan approval", times, errors, "write", {"plans": [p.pk for p in plans]}
            )
        )

        # handover of 100 accounts from the team's heaviest KAM to a colleague, and back
        giver, taker = subjects["handover_from"], subjects["handover_to"]
        from accounts.models import Account

        moved = list(
            Account.objects.active()
            .filter(owner=giver)
            .order_by("pk")
            .values_list("pk", flat=True)[:100]
        )
        times, errors = [], 0
        token, cookie = _form_token(client, f"/accounts/handover/?from_user={giver.pk}", supervisor)
        rounds = 2 * max(1, min(5, requests // 10))  # even: the accounts end where they began
        for index in range(rounds):
            source, target = (giver, taker) if index % 2 == 0 else (taker, giver)
            seconds, response = _timed(
                client,
                "POST",
                "/accounts/handover/",
                headers={"Cookie": cookie, "Referer": f"{base}/accounts/handover/"},
                data={
                    "csrfmiddlewaretoken": token,
                    "from_user": source.pk,
                    "accounts": [str(pk) for pk in moved],
                    "assign_all": str(target.pk),
                    "note": "Bench handover",
                },
            )
            times.append(seconds)
            errors += response.status_code != 302
        results.append(
            _summary(
                f"write: handover of {len(moved)} accounts", times, errors, "handover",
                {"accounts": len(moved)},
            )
        )  # fmt: skip

        # the bulk upsert over HTTP: 1,000 actuals with values changed each run, through the
        # endpoint's validation
        externals = list(
            Account.objects.filter(external_id__startswith="BENCH-")
            .order_by("external_id")
            .values_list("external_id", flat=True)[:1000]
        )
        times, errors = [], 0
        year = time.gmtime().tm_year - 3
        for run in range(max(3, requests // 10)):
            salt = int(time.time() * 1000) + run
            body = {
                "rows": [
                    {
                        "external_id": ext,
                        "year": year,
                        "month": 1 + index % 12,
                        "revenue": f"{100000 + (index * 7919 + salt) % 900000}.00",
                        "gross_profit": f"{20000 + (index * 104729 + salt) % 90000}.00",
                    }
                    for index, ext in enumerate(externals)
                ]
            }
            seconds, response = _timed(
                client,
                "POST",
                "/api/v1/actuals/bulk/",
                headers={"Authorization": f"Token {tokens['admin']}"},
                json=body,
            )
            times.append(seconds)
            errors += response.status_code != 200 or response.json().get("rows") != len(externals)
        results.append(
            _summary(
                f"bulk upsert of {len(externals):,} actuals over HTTP (changed values)",
                times, errors, "bulk", {"rows": len(externals)},
            )
        )  # fmt: skip

        # exports: the activity report of a quarter for the executive (a row per week, KAM
        # and type), as CSV and as Excel, downloaded in full
        from kam.models import ExportRecord

        for file_format in ("csv", "xlsx"):
            times, errors = [], 0
            for _ in range(2):
                seconds, response = _timed(
                    client,
                    "GET",
                    f"/dashboards/reports/activity/?{last_quarter()}&export={file_format}",
                    headers={"Cookie": cookies["executive"]},
                )
                times.append(seconds)
                errors += response.status_code != 200
            record = ExportRecord.objects.filter(file_format=file_format).order_by("-pk").first()
            rows = record.row_count if record else 0
            results.append(
                _summary(
                    f"export: activity report, a quarter, executive ({file_format})", times, errors,
                    "export", {"rows": rows},
                )
            )  # fmt: skip
    return results


def undo_writes(writes, subjects) -> None:
    """The next run starts from the same data: the visits logged go, the plans approved are
    submitted again (without history rows: a correction, not an edit)."""
    from django.db import connection, transaction

    from accounts.models import Visit

    removed, _ = Visit.objects.filter(summary=LOAD_RUN_SUMMARY).delete()
    plans = next(
        (item.get("plans") for item in writes if item["name"] == "write: plan approval"), []
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        if plans:
            cursor.execute(
                "UPDATE plans_accountplan SET status = 'submitted' WHERE id = ANY(%s)", [plans]
            )
    log(f"writes undone: {removed} rows of visits removed, {len(plans)} plans submitted again")


# ---------------------------------------------------------------- open loop and the floor


def identities(count: int) -> list:
    """``count`` bench users: the executive, every supervisor, then KAMs, signed in."""
    from kam.models import User

    users = [User.objects.get(username="bench.exec")]
    users += list(User.objects.filter(username__startswith="bench.sup").order_by("username"))
    users += list(
        User.objects.filter(username__startswith="bench.kam").order_by("username")[
            : max(0, count - len(users))
        ]
    )
    return users[:count]


def open_loop_targets(users) -> list[tuple[str, str, str]]:
    """(url, cookie, kind) per identity: a KAM's day, accounts, an account page, the board;
    a supervisor's team dashboard, board and reports; the executive's dashboard and board."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import Account

    targets = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        if user.role == "account_manager":
            account = Account.objects.filter(owner=user).order_by("pk").first()
            urls = ["/dashboards/my-day/", "/accounts/?status=active", "/opportunities/board/",
                    "/accounts/visits/"]  # fmt: skip
            if account:
                urls.append(f"/accounts/{account.pk}/")
        elif user.role == "supervisor":
            urls = ["/dashboards/team/", "/opportunities/board/", "/dashboards/reports/activity/",
                    "/dashboards/reports/pipeline/", "/accounts/visits/"]  # fmt: skip
        else:
            urls = ["/dashboards/team/", "/opportunities/board/", "/dashboards/reports/pipeline/"]
        targets.extend((url, cookie, user.role) for url in urls)
    return targets


async def _open_loop(base, targets, rate: float, seconds: float, connections: int) -> dict:
    """Requests at a fixed arrival rate whatever the answers' speed (an open loop: users do
    not wait for each other); each latency from the moment its request was due. At most
    ``connections`` are open at once, as a reverse proxy in front of sync workers holds
    the rest: a request waiting for one is waiting all the same."""
    import httpx

    rng = random.Random(2026)  # noqa: S311 - a load mix, not security
    total = int(rate * seconds)
    latencies, statuses = [], {}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(connections)

    async def one(client, due, url, cookie):
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        async with gate:
            try:
                response = await client.get(url, headers={"Cookie": cookie})
                key = response.status_code
            except httpx.HTTPError as exc:
                key = type(exc).__name__
        latencies.append(loop.time() - due)
        statuses[key] = statuses.get(key, 0) + 1

    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        start = loop.time() + 0.5
        tasks, dues = [], []
        for index in range(total):
            url, cookie, _role = rng.choice(targets)
            dues.append(start + index / rate)
            tasks.append(asyncio.create_task(one(client, dues[-1], url, cookie)))
        # a server that cannot keep up would be waited for without end: the requests still
        # unanswered OPEN_LOOP_GRACE s after the last was due count as errors, their
        # latency as at least that wait
        _done, pending = await asyncio.wait(tasks, timeout=seconds + OPEN_LOOP_GRACE + 0.5)
        cutoff = loop.time()
        for task in pending:
            task.cancel()
        for task, due in zip(tasks, dues, strict=True):
            if task in pending:
                latencies.append(cutoff - due)
                statuses["unanswered"] = statuses.get("unanswered", 0) + 1
        await asyncio.gather(*pending, return_exceptions=True)
        elapsed = cutoff - start
    errors = sum(count for key, count in statuses.items() if key != 200)
    answered = sum(count for key, count in statuses.items() if key != "unanswered")
    return {
        "rate": rate,
        "planned_seconds": seconds,
        "connections": connections,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "completed_rps": round(answered / elapsed, 1),
        "median_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p90_ms": round(percentile(latencies, 0.9) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "errors": errors,
        "statuses": {str(key): value for key, value in statuses.items()},
    }


async def _closed_loop(base, url, headers, concurrency: int, seconds: float) -> dict:
    import httpx

    done, errors = 0, 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    deadline = time.perf_counter() + seconds

    async def worker(client):
        nonlocal done, errors
        while time.perf_counter() < deadline:
            try:
                response = await client.get(url, headers=headers)
                errors += response.status_code != 200
            except httpx.HTTPError:
                errors += 1
            done += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"requests": done, "seconds": round(elapsed, 1), "rps": round(done / elapsed, 1),
            "errors": errors}  # fmt: skip


FLOOR_PAGE = "/notifications/preferences/"
OPEN_LOOP_GRACE = 20


def measure_floor(base, cookies, workers: int, seconds: float, server_pid) -> dict:
    """The framework's floor under the same gunicorn: the throughput of /healthz (no
    session, no database beyond its check) and of a minimal signed-in page."""
    floor = {}
    for name, url, headers in (
        ("healthz", "/healthz", {}),
        ("signed-in page", FLOOR_PAGE, {"Cookie": cookies["kam"]}),
    ):
        server_cpu, generator_cpu = _cpu_seconds(server_pid), time.process_time()
        result = asyncio.run(_closed_loop(base, url, headers, 2 * workers, seconds))
        result["url"] = url
        result["server_cpu_seconds"] = round(_cpu_seconds(server_pid) - server_cpu, 1)
        result["generator_cpu_seconds"] = round(time.process_time() - generator_cpu, 1)
        floor[name] = result
        log(f"floor {name}: {result}")
    return floor


# ---------------------------------------------------------------- budgets and report

#: p95 budgets in ms per kind of page (endpoints()), and of the writes and jobs
PAGE_BUDGETS = {
    "list": 100,
    "deep": 100,
    "search": 50,
    "360": 150,
    "board": 300,
    "dashboard": 300,
    "plan": 300,
    "report": 300,
    "history": 300,
    "write": 200,
    "handover": 200,
    "bulk": 1000,
}
EXPORT_SECONDS_PER_10K = 3
IMPORT_SECONDS = 10
OPEN_LOOP_P95_MS = 300


def budgets(items, batch, load, scale, soak=None, writes=(), open_loop=None) -> list[dict]:
    checks = []

    def check(name, value, limit, met):
        checks.append({"budget": name, "value": value, "limit": limit, "met": bool(met)})

    for item in items:
        check(f"{item['name']}: queries", item["queries"], "<= 12", item["queries"] <= 12)
        limit = PAGE_BUDGETS.get(item["kind"])
        if limit:
            p95 = item.get("p95_ms")
            check(f"{item['name']}: p95", p95, f"<= {limit} ms", (p95 or 1e9) <= limit)
        if item["kind"] == "list":
            ratio = item.get("ratio")
            check(f"{item['name']}: app / SQL", ratio, "<= 3x", ratio is not None and ratio <= 3)
        check(f"{item['name']}: no errors", item.get("errors"), "0", item.get("errors") == 0)
    for item in writes:
        p95 = item.get("p95_ms")
        if item["kind"] == "export":
            rows = item.get("rows") or 0
            allowed = EXPORT_SECONDS_PER_10K * max(1.0, rows / 10_000)
            check(
                f"{item['name']}: p95 ({rows:,} rows)",
                f"{p95 / 1000:.2f} s" if p95 else None,
                f"<= {EXPORT_SECONDS_PER_10K} s per 10,000 rows ({allowed:.1f} s)",
                p95 is not None and p95 / 1000 <= allowed and rows > 0,
            )
        else:
            limit = PAGE_BUDGETS[item["kind"]]
            check(f"{item['name']}: p95", p95, f"<= {limit} ms", (p95 or 1e9) <= limit)
        check(f"{item['name']}: no errors", item.get("errors"), "0", item.get("errors") == 0)
    for name, result in batch.items():
        limit = {
            "nightly health check": 10,
            "reminder sweep": 5,
            "credit check (all accounts)": 10,
            "lifecycle rules (all accounts)": 10,
        }.get(name)
        if name.startswith("bulk upsert"):
            limit = 1
        if name.startswith("candidate scoring"):
            limit = 10
        if result.get("kind") == "import":
            limit = IMPORT_SECONDS
        if limit:
            check(
                f"{name}: time",
                result["seconds"],
                f"<= {limit} s",
                result["seconds"] <= limit and not result["error"],
            )
    if load:
        check("load run: errors", load["errors"], "0", load["errors"] == 0)
        check("load run: throughput", load["rps"], ">= 200 req/s", load["rps"] >= 200)
    if open_loop:
        check(
            f"open loop at {open_loop['rate']} req/s: p95",
            open_loop["p95_ms"],
            f"<= {OPEN_LOOP_P95_MS} ms",
            open_loop["p95_ms"] <= OPEN_LOOP_P95_MS,
        )
        check(
            f"open loop at {open_loop['rate']} req/s: kept up",
            f"{open_loop['completed_rps']} req/s",
            f">= {open_loop['rate'] * 0.95:g} req/s",
            open_loop["completed_rps"] >= open_loop["rate"] * 0.95,
        )
        check("open loop: errors", open_loop["errors"], "0", open_loop["errors"] == 0)
    if soak:
        growths = [worker["growth_pct"] for worker in soak["workers"]]
        worst = max((growth for growth in growths if growth is not None), default=None)
        check(
            "soak: each worker's RSS growth after warm-up",
            f"{worst} %" if worst is not None else "a worker died",
            "<= 10 %",
            growths and None not in growths and worst <= 10,
        )
        check("soak: errors", soak["errors"], "0", soak["errors"] == 0)
    return checks


def write_report(out: Path, results: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    lines = [
        "# KAM benchmark",
        "",
        f"Scale **{results['scale']}** ({results['rows']}), seed {results['seed']}, "
        f"{results['cpus']} CPUs, production settings with DEBUG off, "
        f"{results['requests']} requests per endpoint; run {results['started']}, "
        f"{results['total_seconds']} s in all.",
        "",
        "Served as production serves it: " + describe_configuration(results["configuration"]),
        "",
        f"This machine's speed: a fixed pure-Python loop took {results['cpu_reference_ms']} ms "
        "at the start and at the end (the best of five, each time): compare it before "
        "comparing two runs, as the same code runs slower on a slower or busier machine. "
        f"The 1-minute load average was {results['loadavg']} at the start and at the end "
        f"({results['cpus']} CPUs): {results['machine']}",
        "",
        f"Signed in as {results['subjects']}.",
        "",
        "## Budgets",
        "",
        "| Budget | Value | Limit | |",
        "|---|---:|---|---|",
    ]
    for check in results["budgets"]:
        mark = "met" if check["met"] else "**missed**"
        lines.append(f"| {check['budget']} | {check['value']} | {check['limit']} | {mark} |")
    lines += [
        "",
        "## Pages and API lists",
        "",
        "| Endpoint | As | Queries | SQL alone ms | Median ms | p95 ms | App / SQL | Requests"
        " | Errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for item in results["endpoints"]:
        lines.append(
            f"| {item['name']} | {item['as']} | {item['queries']} | {item['sql_ms']} | "
            f"{item.get('median_ms')} | {item.get('p95_ms')} | {item.get('ratio')} | "
            f"{item.get('requests')} | {item.get('errors')} |"
        )
    writes = results.get("writes") or []
    if writes:
        lines += [
            "",
            "## Writes, bulk upsert and exports over HTTP",
            "",
            "Page writes are the forms' POSTs with their CSRF token, as a browser sends them "
            "(the redirect after a save not followed); the handover moves 100 accounts of the "
            "supervisor's heaviest KAM to a colleague and back; the bulk upsert sends 1,000 "
            "actuals with values changed on every request, through the endpoint's validation; "
            "each export is downloaded in full.",
            "",
            "| Request | Kind | Rows | Median ms | p95 ms | Requests | Errors |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for item in writes:
            lines.append(
                f"| {item['name']} | {item['kind']} | {item.get('rows') or item.get('accounts')}"
                f" | {item['median_ms']} | {item['p95_ms']} | {item['requests']}"
                f" | {item['errors']} |"
            )
    lines += [
        "",
        "## Batch work",
        "",
        "| Job | Seconds | SQL statements | Error |",
        "|---|---:|---:|---|",
    ]
    for name, batch in results["batch"].items():
        lines.append(
            f"| {name} | {batch['seconds']} | {batch['statements']} | {batch['error'] or ''} |"
        )
    load = results.get("load")
    if load:
        lines += [
            "",
            "## Load run",
            "",
            f"{load['users']} concurrent users for {load['seconds']} s (70 % reads, "
            "20 % visit logging, "
            f"10 % dashboards): **{load['requests']} requests, {load['rps']} req/s**, median "
            f"{load['median_ms']} ms, p95 {load['p95_ms']} ms, **{load['errors']} errors** "
            f"(statuses {load['statuses']}).",
        ]
        if "server_cpu_seconds" in load:
            lines += [
                "",
                f"CPU used meanwhile ({results['cpus']} CPUs, {load['seconds']} s): the server "
                f"{load['server_cpu_seconds']} s, **{load['server_cpu_ms_per_request']} ms per "
                f"request**; the load generator, on the same CPUs, "
                f"{load['generator_cpu_seconds']} s.",
            ]
    floor = results.get("floor")
    if floor:
        page, health = floor["signed-in page"], floor["healthz"]
        lines += [
            "",
            "## The framework's floor",
            "",
            f"Measured in the same run under the same gunicorn, {health['seconds']} s each "
            f"from {2 * results['workers']} clients: `/healthz` **{health['rps']} req/s**; a "
            f"minimal signed-in page (`{page['url']}`, session, user, navbar) **{page['rps']} "
            f"req/s** (server CPU {page['server_cpu_seconds']} s, load generator "
            f"{page['generator_cpu_seconds']} s).",
        ]
        if load:
            lines += [
                "",
                f"The load run's mix reached **{load['rps']} req/s, "
                f"{results['mix_share_of_floor']} % of the signed-in floor**.",
            ]
    open_loop = results.get("open_loop")
    if open_loop:
        lines += [
            "",
            "## Open loop",
            "",
            f"{open_loop['requests']:,} requests due at a fixed **{open_loop['rate']} req/s** "
            f"for {open_loop['planned_seconds']} s from {results['identities']} signed-in "
            f"users through at most {open_loop['connections']} connections at once (a "
            "reverse proxy in front of the sync workers holds the rest; that wait counts) "
            "(KAMs: My day, accounts, an account page, visits, the board; supervisors: "
            "the team dashboard, the board, the activity and pipeline reports, visits; the "
            "executive: the dashboard, the board, the pipeline report), each latency from "
            "the moment its request was due: "
            f"median **{open_loop['median_ms']} ms**, p90 {open_loop['p90_ms']} ms, "
            f"**p95 {open_loop['p95_ms']} ms**, p99 {open_loop['p99_ms']} ms, max "
            f"{open_loop['max_ms']} ms; completed {open_loop['completed_rps']} req/s over "
            f"{open_loop['seconds']} s, **{open_loop['errors']} errors** "
            f"(statuses {open_loop['statuses']}).",
            "",
            f"CPU meanwhile ({results['cpus']} CPUs): the server "
            f"{open_loop['server_cpu_seconds']} s, the load generator "
            f"{open_loop['generator_cpu_seconds']} s.",
        ]
    soak = results.get("soak")
    if soak:
        lines += [
            "",
            "## Soak",
            "",
            f"{soak['requests']:,} mixed requests (of {soak['planned']:,} planned, as many as "
            f"{soak['time_cap']} s allow; API lists of 100 rows, page lists, the "
            f"account page, the board, my day) from {soak['concurrency']} clients in "
            f"{soak['seconds']} s ({soak['rps']} req/s, {soak['errors']} errors), worker "
            "recycling off (`GUNICORN_MAX_REQUESTS=0`) so that each worker lives through "
            f"it all; each worker's RSS sampled {len(soak['samples'])} times as it ran. "
            f"Growth is measured from the sample after the warm-up ({soak['warm_up_requests']:,} "
            "requests) to the end; the budget is 10 %.",
            "",
            "| Worker | At start MB | After warm-up MB | End MB | Max MB | Growth |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for worker in soak["workers"]:
            lines.append(
                f"| {worker['pid']} | {worker['start_mb']} | {worker['after_warm_up_mb']} | "
                f"{worker['end_mb']} | {worker['max_mb']} | {worker['growth_pct']} % |"
            )
    (out / "report.md").write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("SCALE", "large"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--raw-repeats", type=int, default=5)
    parser.add_argument("--load-seconds", type=float, default=30)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--open-rate", type=float, default=30, help="open loop: requests/s")
    parser.add_argument("--open-seconds", type=float, default=60, help="open loop (0: none)")
    parser.add_argument("--identities", type=int, default=50, help="open loop: users")
    parser.add_argument("--floor-seconds", type=float, default=10, help="each floor measure")
    parser.add_argument(
        "--workers", type=int, default=None, help="instead of gunicorn.conf.py's (CPU count)"
    )
    parser.add_argument(
        "--soak-requests", type=int, default=20_000, help="requests of the soak (0: none)"
    )
    parser.add_argument(
        "--soak-seconds", type=float, default=120, help="the soak stops after this long"
    )
    parser.add_argument("--out", default=str(BASE_DIR / "bench"))
    parser.add_argument(
        "--only", action="append", default=[], help="endpoints whose name contains this (repeat)"
    )
    parser.add_argument("--no-batch", action="store_true", help="skip the batch work")
    options = parser.parse_args(argv)
    began = time.perf_counter()
    reference_at_start = cpu_reference_ms()
    load_at_start = os.getloadavg()[0]
    # Stopped with SIGTERM: unwind, so gunicorn is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    url, base = bench_database_url(options.scale)
    ensure_database(url, base)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48),
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_HSTS_SECONDS": "0",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "API_THROTTLE_TOKEN": "1000000/min",
        "API_THROTTLE_USER": "1000000/min",
        "API_THROTTLE_ANON": "1000000/min",
        "CACHE_KEY_PREFIX": f"bench-{options.scale}",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(BASE_DIR / ".data" / "bench-static"),
    }
    log(f"database {urlsplit(url).path.lstrip('/')}: migrating and seeding ({options.scale})")
    seeding = time.perf_counter()
    manage("migrate", "-v", "0", env=env)
    manage("collectstatic", "--noinput", "-v", "0", env=env)
    manage("seed_demo", "--scale", options.scale, "--seed", str(options.seed), env=env)
    seed_seconds = round(time.perf_counter() - seeding, 1)
    os.environ.update(env)

    import django

    django.setup()
    from django.db import connection

    from accounts.models import Account, Contact, Visit
    from config.bench_seed import reanchor
    from opportunities.models import Opportunity

    reanchor(log=log)  # a database seeded on an earlier day: its dates moved to today
    counts = {
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "visits": Visit.objects.count(),
        "opportunities": Opportunity.objects.count(),
    }
    log(f"rows: {counts}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    subjects = pick_subjects()
    stamp = time.strftime("%Y%m%d%H%M%S")
    batch = {}
    if not options.no_batch:
        batch = measure_batch(quick=options.requests < 100)
        batch.update(measure_imports(subjects["admin"], stamp))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    items = endpoints(subjects)
    if options.only:
        items = [item for item in items if any(part in item["name"] for part in options.only)]
    cookies, tokens = session_cookies(subjects), api_tokens(subjects)
    measure_queries(items, subjects, tokens, options.raw_repeats)
    configuration = server_configuration(options.workers)
    workers = configuration["gunicorn"]["workers"]
    log(describe_configuration(configuration))
    users = identities(options.identities)
    targets = open_loop_targets(users)
    connection.close()
    load = soak = open_loop = floor = None
    writes = []
    with gunicorn(env, options.workers) as (base_url, server_pid):
        measure_http(base_url, items, cookies, tokens, options.requests)
        if not options.no_batch:
            writes = measure_writes(base_url, subjects, cookies, tokens, options.requests)
            undo_writes(writes, subjects)
        floor = measure_floor(base_url, cookies, workers, options.floor_seconds, server_pid)
        if options.load_seconds > 0:
            log(f"load run: {options.users} users for {options.load_seconds} s")
            server_cpu, generator_cpu = _cpu_seconds(server_pid), time.process_time()
            load = asyncio.run(
                _load(base_url, cookies, tokens, subjects, options.users, options.load_seconds)
            )
            load["server_cpu_seconds"] = round(_cpu_seconds(server_pid) - server_cpu, 1)
            load["generator_cpu_seconds"] = round(time.process_time() - generator_cpu, 1)
            load["server_cpu_ms_per_request"] = round(
                load["server_cpu_seconds"] * 1000 / max(1, load["requests"]), 1
            )
            log(f"load run: {load}")
            # The next run starts from the same data: the visits this one logged go.
            removed, _ = Visit.objects.filter(summary=LOAD_RUN_SUMMARY).delete()
            log(f"load run: {removed} rows of its visits removed")
        if options.open_seconds > 0:
            log(f"open loop: {options.open_rate} req/s for {options.open_seconds} s")
            server_cpu, generator_cpu = _cpu_seconds(server_pid), time.process_time()
            open_loop = asyncio.run(
                _open_loop(base_url, targets, options.open_rate, options.open_seconds,
                           2 * workers)
            )  # fmt: skip
            open_loop["server_cpu_seconds"] = round(_cpu_seconds(server_pid) - server_cpu, 1)
            open_loop["generator_cpu_seconds"] = round(time.process_time() - generator_cpu, 1)
            log(f"open loop: {open_loop}")
    if options.soak_requests > 0:
        with gunicorn(env, options.workers, GUNICORN_MAX_REQUESTS="0") as (base_url, pid):
            log(f"soak: {options.soak_requests} requests from {workers} clients")
            soak = asyncio.run(
                _soak(base_url, cookies, tokens, subjects, options.soak_requests, workers, pid,
                      options.soak_seconds)
            )  # fmt: skip
            soak["planned"] = options.soak_requests
            soak["time_cap"] = options.soak_seconds
            log(f"soak: { ({key: soak[key] for key in ('requests', 'rps', 'errors')}) }")
            for worker in soak["workers"]:
                log(f"soak: worker {worker}")
    load_at_end = os.getloadavg()[0]
    kam, supervisor = subjects["kam"], subjects["supervisor"]
    results = {
        "scale": options.scale,
        "seed": options.seed,
        "rows": ", ".join(f"{value:,} {key}" for key, value in counts.items()),
        "counts": counts,
        "cpus": os.cpu_count(),
        "cpu_reference_ms": f"{reference_at_start} / {cpu_reference_ms()}",
        "loadavg": f"{load_at_start:.1f} / {load_at_end:.1f}",
        "machine": "other work was running on this machine meanwhile, so the figures are "
        "those of a loaded machine"
        if max(load_at_start, load_at_end) > 1.0
        else "the machine was otherwise quiet",
        "subjects": (
            f"the KAM at the 90th percentile by rows ({kam.username}: "
            f"{subjects['kam_accounts']} accounts, {subjects['kam_rows']:,} rows with their "
            f"visits and contacts), the supervisor at the 90th percentile of the teams "
            f"({supervisor.username}: {subjects['team_rows']:,} rows) and the executive"
        ),
        "workers": workers,
        "configuration": configuration,
        "requests": options.requests,
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seed_and_migrate_seconds": seed_seconds,
        "batch": batch,
        "endpoints": [dict(item) for item in items],
        "writes": writes,
        "load": load,
        "floor": floor,
        "identities": len(users),
        "open_loop": open_loop,
        "soak": soak,
    }
    if load and floor:
        results["mix_share_of_floor"] = round(
            load["rps"] * 100 / max(0.1, floor["signed-in page"]["rps"]), 1
        )
    results["budgets"] = budgets(items, batch, load, options.scale, soak, writes, open_loop)
    results["total_seconds"] = round(time.perf_counter() - began, 1)
    write_report(Path(options.out), results)
    missed = [check["budget"] for check in results["budgets"] if not check["met"]]
    log(f"report written to {options.out}/report.md; {len(missed)} budget(s) missed")
    for name in missed:
        log(f"  missed: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
