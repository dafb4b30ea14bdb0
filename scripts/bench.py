"""`make bench`: KAM at scale, served the way production serves it.

    python scripts/bench.py [--scale large] [--requests 100] [--load-seconds 60] [--out bench]

1. A database of its own (``<name>_<scale>_bench`` next to DATABASE_URL's), created
   if missing, migrated and seeded (``seed_demo --scale``) only when empty.
2. Batch work timed in-process with its SQL statement count: scoring, the nightly
   health check, the reminder sweep, a 1,000-row bulk upsert of actuals and a
   1,000-row actuals import.
3. Every page and API list: the SQL query count (Django test client, in-process,
   same database), the same SQL run alone (timed in PostgreSQL), and median / p95
   over ``--requests`` requests against gunicorn (production settings, DEBUG off)
   on a free loopback port.
4. A bounded load run: ``--users`` concurrent simulated users for
   ``--load-seconds`` (70 % reads, 20 % visit logging, 10 % dashboards).
5. A soak: ``--soak-requests`` mixed requests with worker recycling off, each worker's
   RSS sampled; its growth after the warm-up has a budget of 10 %.
6. ``bench/report.md`` and ``bench/results.json`` with a met / missed check per budget,
   and the configuration it ran: gunicorn.conf.py (the image's and compose's, workers
   from the CPU count unless ``--workers``) and PostgreSQL's settings beside those
   config/embedded.py and docker-compose.yml give it.
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
RAW_SECONDS = 5.0  # raw SQL repeats stop after this much time (at least one run)
ENDPOINT_SECONDS = 90.0  # requests per endpoint stop after this much time ...
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
    from kam.models import User
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
    rows = [
        {
            "external_id": external_id,
            "year": 2020,
            "month": 1 + index % 12,
            "revenue": "123456.00",
            "gross_profit": "23456.00",
        }
        for index, external_id in enumerate(accounts)
    ]
    jobs = {
        "scoring (all accounts)": lambda: accounts_score(actor=None),
        "nightly health check": lambda: health_check_run(actor=None),
        "reminder sweep": lambda: reminders_sweep(),
        f"bulk upsert of {len(rows)} actuals": lambda: actuals_upsert(
            actor=admin, rows=rows, source="api"
        ),
        f"import of {len(rows)} actuals rows": lambda: _import_actuals(admin, rows),
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


def _import_actuals(admin, rows):
    """The CSV import path: parse the file, then the same upsert the import view runs."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from plans.imports import read_actuals_file
    from plans.services import actuals_upsert

    buffer = io.StringIO()
    buffer.write("external_id,year,month,revenue,gross_profit\n")
    for row in rows:
        buffer.write(
            f"{row['external_id']},2021,{row['month']},{row['revenue']},{row['gross_profit']}\n"
        )
    upload = SimpleUploadedFile("actuals.csv", buffer.getvalue().encode(), "text/csv")
    parsed = read_actuals_file(upload)
    return actuals_upsert(actor=admin, rows=parsed, source="import")


def pick_subjects() -> dict:
    from accounts.models import Account, Visit
    from kam.models import User
    from plans.models import AccountPlan

    kam = User.objects.get(username="bench.kam001")
    supervisor = User.objects.get(username="bench.sup01")
    executive = User.objects.get(username="bench.exec")
    account = Account.objects.filter(owner=kam).order_by("pk").first()
    plan = AccountPlan.objects.filter(account__owner=kam).order_by("pk").first()
    oldest = Visit.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    deep = oldest + timedelta(days=180) if oldest else None
    return {
        "kam": kam,
        "supervisor": supervisor,
        "executive": executive,
        "account": account,
        "plan": plan,
        "deep_cursor": base64.b64encode(urlencode({"p": deep.isoformat()}).encode()).decode()
        if deep
        else "",
    }


def endpoints(subjects) -> list[dict]:
    account, plan = subjects["account"], subjects["plan"]
    rows = "page_size=100"
    pages = [
        ("account list (filtered)", "/accounts/?tier=A&tier=B&status=active", "kam", "list"),
        (
            "account list (supervisor, filtered)",
            "/accounts/?tier=A&region=east",
            "supervisor",
            "list",
        ),
        ("account 360", f"/accounts/{account.pk}/", "kam", "360"),
        ("contact list", "/accounts/contacts/", "kam", "list"),
        ("visit list", "/accounts/visits/", "supervisor", "list"),
        ("opportunity board", "/opportunities/board/", "kam", "page"),
        ("plan page", f"/plans/{plan.pk}/" if plan else "/plans/", "kam", "page"),
        ("my day", "/dashboards/my-day/", "kam", "dashboard"),
        ("team dashboard", "/dashboards/team/", "supervisor", "dashboard"),
        ("team dashboard (executive, all teams)", "/dashboards/team/", "executive", "dashboard"),
        (
            "team dashboard (executive, a row per team)",
            "/dashboards/team/?team=all",
            "executive",
            "dashboard",
        ),
        ("report: plan vs actual", "/dashboards/reports/plan-actual/", "supervisor", "page"),
        ("opportunity board (supervisor)", "/opportunities/board/", "supervisor", "board"),
        ("opportunity board (executive)", "/opportunities/board/", "executive", "board"),
        ("report: pipeline", "/dashboards/reports/pipeline/", "supervisor", "page"),
        ("report: activity", "/dashboards/reports/activity/", "supervisor", "page"),
        ("report: complaint SLA", "/dashboards/reports/complaint-sla/", "supervisor", "page"),
        ("report: tier movements", "/dashboards/reports/tier-movements/", "supervisor", "page"),
        ("API accounts", f"/api/v1/accounts/?{rows}", "executive", "list"),
        ("API contacts", f"/api/v1/contacts/?{rows}", "executive", "list"),
        ("API visits (first page)", f"/api/v1/visits/?{rows}", "executive", "list"),
        (
            "API visits (cursor deep in the history)",
            f"/api/v1/visits/?{rows}&{urlencode({'cursor': subjects['deep_cursor']})}",
            "executive",
            "list",
        ),
        ("API opportunities", f"/api/v1/opportunities/?{rows}", "executive", "list"),
        ("API actuals", f"/api/v1/actuals/?{rows}", "executive", "list"),
    ]
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
        for role in ("kam", "supervisor", "executive")
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
    """CPU time (user + system) of the server and its workers so far."""
    import psutil

    parent = psutil.Process(pid)
    total = 0.0
    for process in [parent, *parent.children(recursive=True)]:
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


async def _soak(base, cookies, tokens, subjects, requests: int, concurrency: int, pid) -> dict:
    """Many mixed requests against gunicorn with worker recycling off, each worker's RSS
    sampled as they go: a leak shows as growth after the warm-up."""
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
    every = max(1, requests // 20)
    samples, errors, done = [], 0, 0
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
            try:
                response = await client.get(
                    url, headers=headers_for({"url": url, "as": role}, cookies, tokens)
                )
                errors += response.status_code != 200
            except httpx.HTTPError:
                errors += 1
            done += 1
            if done % every == 0:
                sample()

    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if samples[-1]["requests"] != done:
        sample()
    warm_at = requests * SOAK_WARM_UP
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


# ---------------------------------------------------------------- budgets and report

LIST_KINDS = {"list"}


def budgets(items, batch, load, scale, soak=None) -> list[dict]:
    checks = []

    def check(name, value, limit, met):
        checks.append({"budget": name, "value": value, "limit": limit, "met": bool(met)})

    for item in items:
        check(f"{item['name']}: queries", item["queries"], "<= 12", item["queries"] <= 12)
        if item["kind"] == "list":
            check(
                f"{item['name']}: p95",
                item.get("p95_ms"),
                "<= 100 ms",
                (item.get("p95_ms") or 1e9) <= 100,
            )
            ratio = item.get("ratio")
            check(f"{item['name']}: app / SQL", ratio, "<= 3x", ratio is not None and ratio <= 3)
        elif item["kind"] == "search":
            check(
                f"{item['name']}: p95",
                item.get("p95_ms"),
                "<= 50 ms",
                (item.get("p95_ms") or 1e9) <= 50,
            )
        elif item["kind"] == "360":
            check(
                f"{item['name']}: p95",
                item.get("p95_ms"),
                "<= 150 ms",
                (item.get("p95_ms") or 1e9) <= 150,
            )
        elif item["kind"] in ("dashboard", "board"):
            check(
                f"{item['name']}: p95",
                item.get("p95_ms"),
                "<= 300 ms",
                (item.get("p95_ms") or 1e9) <= 300,
            )
        check(f"{item['name']}: no errors", item.get("errors"), "0", item.get("errors") == 0)
    for name, result in batch.items():
        limit = {"nightly health check": 10, "reminder sweep": 5}.get(name)
        if name.startswith("bulk upsert"):
            limit = 1
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
        "comparing two runs, as the same code runs slower on a slower or busier machine.",
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
    soak = results.get("soak")
    if soak:
        lines += [
            "",
            "## Soak",
            "",
            f"{soak['requests']:,} mixed requests (API lists of 100 rows, page lists, the "
            f"account page, the board, my day) from {soak['concurrency']} clients in "
            f"{soak['seconds']} s ({soak['rps']} req/s, {soak['errors']} errors), worker "
            "recycling off (`GUNICORN_MAX_REQUESTS=0`) so that each worker lives through "
            "it all; each worker's RSS sampled every "
            f"{soak['samples'][1]['requests'] if len(soak['samples']) > 1 else '-'} requests. "
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
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--raw-repeats", type=int, default=10)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--workers", type=int, default=None, help="instead of gunicorn.conf.py's (CPU count)"
    )
    parser.add_argument(
        "--soak-requests", type=int, default=20_000, help="requests of the soak (0: none)"
    )
    parser.add_argument("--out", default=str(BASE_DIR / "bench"))
    parser.add_argument(
        "--only", action="append", default=[], help="endpoints whose name contains this (repeat)"
    )
    parser.add_argument("--no-batch", action="store_true", help="skip the batch work")
    options = parser.parse_args(argv)
    began = time.perf_counter()
    reference_at_start = cpu_reference_ms()
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
    from opportunities.models import Opportunity

    counts = {
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "visits": Visit.objects.count(),
        "opportunities": Opportunity.objects.count(),
    }
    log(f"rows: {counts}")
    batch = {} if options.no_batch else measure_batch(quick=options.requests < 100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    subjects = pick_subjects()
    items = endpoints(subjects)
    if options.only:
        items = [item for item in items if any(part in item["name"] for part in options.only)]
    cookies, tokens = session_cookies(subjects), api_tokens(subjects)
    measure_queries(items, subjects, tokens, options.raw_repeats)
    configuration = server_configuration(options.workers)
    log(describe_configuration(configuration))
    connection.close()
    load = soak = None
    with gunicorn(env, options.workers) as (base_url, server_pid):
        measure_http(base_url, items, cookies, tokens, options.requests)
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
    if options.soak_requests > 0:
        workers = configuration["gunicorn"]["workers"]
        with gunicorn(env, options.workers, GUNICORN_MAX_REQUESTS="0") as (base_url, pid):
            log(f"soak: {options.soak_requests} requests from {workers} clients")
            soak = asyncio.run(
                _soak(base_url, cookies, tokens, subjects, options.soak_requests, workers, pid)
            )
            log(f"soak: { ({key: soak[key] for key in ('requests', 'rps', 'errors')}) }")
            for worker in soak["workers"]:
                log(f"soak: worker {worker}")
    results = {
        "scale": options.scale,
        "seed": options.seed,
        "rows": ", ".join(f"{value:,} {key}" for key, value in counts.items()),
        "counts": counts,
        "cpus": os.cpu_count(),
        "cpu_reference_ms": f"{reference_at_start} / {cpu_reference_ms()}",
        "workers": configuration["gunicorn"]["workers"],
        "configuration": configuration,
        "requests": options.requests,
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seed_and_migrate_seconds": seed_seconds,
        "batch": batch,
        "endpoints": [dict(item) for item in items],
        "load": load,
        "soak": soak,
    }
    results["budgets"] = budgets(items, batch, load, options.scale, soak)
    results["total_seconds"] = round(time.perf_counter() - began, 1)
    write_report(Path(options.out), results)
    missed = [check["budget"] for check in results["budgets"] if not check["met"]]
    log(f"report written to {options.out}/report.md; {len(missed)} budget(s) missed")
    for name in missed:
        log(f"  missed: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
