"""The benchmark machinery at a tiny scale: the seed is reproducible and `scripts/bench.py`
produces its report (the large run is `make bench`, never part of `make test`)."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Max

from accounts.models import Account, Visit
from config.bench_seed import bench_seeded, reanchor, seed_scale
from kam.models import User

BASE_DIR = Path(__file__).resolve().parents[2]


class _RollbackError(Exception):
    pass


def _fingerprint():
    """The population's content, without its ids or the moment it was seeded."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(a.external_id || a.tier || a.name || u.username, ','"
            " ORDER BY a.external_id)), (SELECT md5(string_agg(a2.external_id || v.kind"
            " || v.purpose || v.summary, ','"
            " ORDER BY a2.external_id || v.kind || v.purpose || v.summary))"
            "  FROM accounts_visit v JOIN accounts_account a2 ON a2.id = v.account_id"
            "  WHERE a2.external_id LIKE 'BENCH-%%'),"
            " (SELECT count(*) FROM accounts_contact WHERE reports_to_id IS NOT NULL"
            "  AND external_id LIKE 'BC-%%')"
            " FROM accounts_account a JOIN kam_user u ON u.id = a.owner_id"
            " WHERE a.external_id LIKE 'BENCH-%%'"
        )
        return cursor.fetchone()


def _shape():
    """What makes the population look like a company's, measured in SQL."""
    queries = {
        "loads": "SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM accounts_account"
        " WHERE external_id LIKE 'BENCH-%%' GROUP BY owner_id) t",
        "contacts": "SELECT min(n), max(n) FROM (SELECT count(c.id) AS n FROM accounts_account a"
        " JOIN accounts_contact c ON c.account_id = a.id WHERE a.external_id LIKE 'BENCH-%%'"
        " GROUP BY a.id) t",
        "visits_by_tier": "SELECT a.tier, count(v.id)::float / count(DISTINCT a.id)"
        " FROM accounts_account a LEFT JOIN accounts_visit v ON v.account_id = a.id"
        " WHERE a.external_id LIKE 'BENCH-%%' GROUP BY a.tier ORDER BY a.tier",
        "depth": "WITH RECURSIVE t(id, depth) AS (SELECT id, 1 FROM accounts_account"
        " WHERE parent_id IS NULL AND external_id LIKE 'BENCH-%%' UNION ALL"
        " SELECT a.id, t.depth + 1 FROM accounts_account a JOIN t ON a.parent_id = t.id)"
        " SELECT max(depth), count(*) FILTER (WHERE depth = 2) FROM t",
        "rows": "SELECT (SELECT count(*) FROM accounts_accountteammember),"
        " (SELECT count(*) FROM opportunities_contract WHERE number LIKE 'HT-BENCH-%%'),"
        " (SELECT count(*) FROM plans_actionitem), (SELECT count(*) FROM accounts_visit_contacts),"
        " (SELECT count(*) FROM accounts_visit_colleagues),"
        " (SELECT count(*) FROM accounts_visitcomment),"
        " (SELECT count(*) FROM audit_accountevent WHERE pgh_label = 'update')",
        "cjk": "SELECT count(*) FILTER (WHERE name ~ '[\u4e00-\u9fff]'),"
        " count(*) FILTER (WHERE name !~ '[\u4e00-\u9fff]'),"
        " avg(char_length(name)) FROM accounts_account WHERE external_id LIKE 'BENCH-%%'",
        "summaries": "SELECT min(char_length(summary)), max(char_length(summary)),"
        " count(*) FILTER (WHERE summary ~ '[\u4e00-\u9fff]') FROM accounts_visit",
        "last_30_days": "SELECT count(*) FROM accounts_visit v JOIN accounts_account a"
        " ON a.id = v.account_id WHERE a.external_id LIKE 'BENCH-%%'"
        " AND v.occurred_at > now() - interval '30 days'",
    }
    shape = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            rows = cursor.fetchall()
            shape[name] = rows if name == "visits_by_tier" else rows[0]
    return shape


def _seed_once(seed, check=None):
    try:
        with transaction.atomic():
            timings = seed_scale("tiny", seed=seed, log=lambda message: None)
            assert bench_seeded()
            result = (timings, _fingerprint(), check() if check else None)
            raise _RollbackError
    except _RollbackError:
        return result


def test_seed_is_reproducible_from_its_seed(db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    timings, first, _ = _seed_once(7)
    assert timings["accounts"]["rows"] == 200
    assert timings["candidates"]["rows"] == 2_000  # ten per account
    # every contact but each account's executive reports to someone
    assert first[2] == timings["contacts"]["rows"] - 200
    assert _seed_once(7)[1] == first
    assert _seed_once(8)[1][:2] != first[:2]


def test_seed_looks_like_a_company(db):
    from kam.textsearch import pinyin_keys

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    def check():
        shape = _shape()
        names = list(
            Account.objects.filter(external_id__startswith="BENCH-").values_list(
                "name", "name_pinyin", "name_initials"
            )
        )
        return shape, names

    timings, _, (shape, names) = _seed_once(2026, check)
    low, high = shape["loads"]
    assert low >= 20, shape["loads"]
    assert high >= 3 * low, shape["loads"]  # skewed accounts per KAM
    assert shape["contacts"][0] >= 2, shape["contacts"]
    assert shape["contacts"][1] <= 30, shape["contacts"]
    assert shape["contacts"][1] >= 12  # the A accounts' org charts
    per_tier = dict(shape["visits_by_tier"])
    assert per_tier["A"] > 5 * per_tier["D"], per_tier  # visits skewed by tier
    assert 4_000 <= timings["visits"]["rows"] <= 6_500  # about the scale's 5,000
    assert shape["depth"][0] == 3  # groups two and three levels deep
    assert shape["depth"][1] > 0
    assert all(count > 0 for count in shape["rows"]), shape["rows"]
    chinese, english, length = shape["cjk"]
    assert chinese > english > 0
    assert length >= 10
    shortest, longest, with_cjk = shape["summaries"]
    assert shortest >= 40
    assert longest >= 120
    assert with_cjk > 0
    assert shape["last_30_days"][0] > 0
    # the pinyin columns are what the model writes for each name
    for name, full, initials in names:
        assert (full, initials) == pinyin_keys(name), name


def test_reanchor_moves_the_dates_by_the_days_since_seeding(db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    def latest():
        return Visit.objects.filter(account__external_id__startswith="BENCH-").aggregate(
            latest=Max("occurred_at")
        )["latest"]

    def check():
        seeded = latest()
        # the population as it is three days after it was seeded: every date three days old
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_visit SET occurred_at = occurred_at - interval '3 days'"
                " WHERE account_id IN (SELECT id FROM accounts_account"
                " WHERE external_id LIKE 'BENCH-%%')"
            )
        User.objects.filter(username="bench.exec").update(
            date_joined=F("date_joined") - timedelta(days=3)
        )
        assert latest() == seeded - timedelta(days=3)
        moved = reanchor(log=lambda message: None)
        return seeded, moved, latest(), reanchor(log=lambda message: None)

    _, _, (seeded, moved, after, again) = _seed_once(2026, check)
    assert moved == 3
    assert after == seeded
    assert again == 0  # once re-anchored, today's run moves nothing


@pytest.mark.timeout(300)
def test_bench_produces_the_report(tmp_path):
    out = tmp_path / "bench"
    env = {**os.environ}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    completed = subprocess.run(
        [
            sys.executable,
            str(BASE_DIR / "scripts" / "bench.py"),
            "--scale=tiny",
            "--requests=3",
            "--raw-repeats=1",
            "--load-seconds=2",
            "--users=4",
            "--workers=2",
            "--soak-requests=60",
            "--open-rate=5",
            "--open-seconds=2",
            "--floor-seconds=1",
            f"--out={out}",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert results["counts"]["accounts"] >= 200
    names = {item["name"] for item in results["endpoints"]}
    assert {
        "account 360",
        "my day",
        "team dashboard",
        "API visits (cursor deep in the history)",
    } <= names
    for item in results["endpoints"]:
        assert item["status"] == 200, item
        assert item["queries"] > 0
        assert item["p95_ms"] > 0
        assert item["sql_ms"] > 0
    assert {"history: account", "report: activity", "plan page", "account list"} <= names
    assert {item["kind"] for item in results["endpoints"]} >= {
        "list", "deep", "board", "dashboard", "plan", "report", "history", "search", "360",
    }  # fmt: skip
    # the subjects: the KAM and the supervisor at the 90th percentile by rows
    assert "90th percentile" in results["subjects"]
    assert set(results["batch"]) >= {
        "nightly health check", "reminder sweep", "credit check (all accounts)",
        "lifecycle rules (all accounts)",
        "candidate scoring (2,000 candidates)",  # ten per account at the tiny scale
    }  # fmt: skip
    imports = [name for name, job in results["batch"].items() if job.get("kind") == "import"]
    assert len(imports) == 3, results["batch"]  # accounts, contacts, actuals
    # page writes, the bulk upsert over HTTP and the exports, each with its budget
    writes = {item["kind"]: item for item in results["writes"]}
    assert set(writes) == {"write", "handover", "bulk", "export"}
    for item in results["writes"]:
        assert item["errors"] == 0, item
        assert item["requests"] > 0, item
    assert writes["export"]["rows"] > 0
    budget_names = " ".join(check["budget"] for check in results["budgets"])
    for part in (
        "write: visit form",
        "write: stage move",
        "write: plan approval",
        "write: handover",
        "over HTTP (changed values)",
        "export:",
        "import of",
        "open loop at 5.0 req/s: p95",
        "plan page: p95",
        "report: activity: p95",
        "history: account: p95",
        "opportunity board (executive): p95",
        "candidate scoring (2,000 candidates): time",
        "credit check (all accounts): time",
        "lifecycle rules (all accounts): time",
    ):
        assert part in budget_names, part  # fmt: skip
    # the open loop and the framework's floor, measured in the same run
    open_loop = results["open_loop"]
    assert open_loop["requests"] == 10
    assert open_loop["errors"] == 0, open_loop
    assert open_loop["p95_ms"] > 0
    assert open_loop["generator_cpu_seconds"] >= 0
    assert open_loop["server_cpu_seconds"] > 0
    assert results["floor"]["healthz"]["rps"] > 0
    assert results["floor"]["signed-in page"]["errors"] == 0
    assert results["mix_share_of_floor"] > 0
    assert all(batch["error"] is None for batch in results["batch"].values()), results["batch"]
    assert results["load"]["requests"] > 0
    assert results["load"]["errors"] == 0, results["load"]
    # the CPU the server spent serving the load run, and the generator's share beside it
    assert results["load"]["server_cpu_seconds"] > 0
    assert results["load"]["server_cpu_ms_per_request"] > 0
    assert results["load"]["generator_cpu_seconds"] > 0
    # the visits the load run logged are gone again: the next run sees the same data
    removed = re.search(r"load run: (\d+) rows of its visits removed", completed.stdout)
    assert removed, completed.stdout[-3000:]
    assert int(removed.group(1)) >= results["load"]["statuses"].get("201", 0)
    # the soak: every worker sampled, its growth after the warm-up checked against the budget
    soak = results["soak"]
    assert soak["requests"] == 60
    assert soak["errors"] == 0, soak
    assert len(soak["workers"]) == 2
    assert all(worker["growth_pct"] is not None for worker in soak["workers"])
    assert any(check["budget"].startswith("soak:") for check in results["budgets"])
    # the configuration it ran: the production gunicorn.conf.py and PostgreSQL's settings
    assert results["configuration"]["gunicorn"]["worker_class"] == "sync"
    assert results["configuration"]["gunicorn"]["workers"] == 2
    assert set(results["configuration"]["postgres"]) >= {"jit", "work_mem"}
    report = (out / "report.md").read_text()
    assert "## Soak" in report
    assert "gunicorn with `gunicorn.conf.py`: 2 sync workers" in report
    assert "## Budgets" in report
    assert "| account 360 |" in report
    assert "ms per request" in report
    assert "## The framework's floor" in report
    assert "## Open loop" in report
    assert "of the signed-in floor" in report
    start, end = (float(part) for part in results["cpu_reference_ms"].split(" / "))
    assert start > 0
    assert end > 0
    assert f"{results['cpu_reference_ms']} ms" in report
