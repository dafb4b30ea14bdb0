"""The benchmark machinery at a tiny scale: the seed is reproducible and `scripts/bench.py`
produces its report (the large run is `make bench`, never part of `make test`)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from config.bench_seed import bench_seeded, seed_scale

BASE_DIR = Path(__file__).resolve().parents[2]


class _RollbackError(Exception):
    pass


def _fingerprint():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(a.external_id || a.tier || u.username, ','"
            " ORDER BY a.external_id)), (SELECT md5(string_agg(a2.external_id || v.kind"
            " || v.purpose, ',' ORDER BY v.purpose))"
            "  FROM accounts_visit v JOIN accounts_account a2 ON a2.id = v.account_id"
            "  WHERE v.purpose LIKE 'Bench visit %%'),"
            " (SELECT count(*) FROM accounts_contact WHERE reports_to_id IS NOT NULL"
            "  AND external_id LIKE 'BC-%%')"
            " FROM accounts_account a JOIN kam_user u ON u.id = a.owner_id"
            " WHERE a.external_id LIKE 'BENCH-%%'"
        )
        return cursor.fetchone()


def _seed_once(seed):
    try:
        with transaction.atomic():
            timings = seed_scale("tiny", seed=seed, log=lambda message: None)
            assert bench_seeded()
            result = (timings, _fingerprint())
            raise _RollbackError
    except _RollbackError:
        return result


def test_seed_is_reproducible_from_its_seed(db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    timings, first = _seed_once(7)
    assert timings["accounts"]["rows"] == 200
    assert timings["contacts"]["rows"] == 1000
    assert timings["visits"]["rows"] == 5000
    assert first[2] == 800  # every contact but the executive reports to someone
    assert _seed_once(7)[1] == first
    assert _seed_once(8)[1][:2] != first[:2]


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
    assert set(results["batch"]) >= {"nightly health check", "reminder sweep"}
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
    start, end = (float(part) for part in results["cpu_reference_ms"].split(" / "))
    assert start > 0
    assert end > 0
    assert f"{results['cpu_reference_ms']} ms" in report
