"""Schemathesis over every operation of /api/schema/, against a live server, with an
admin token and with a KAM token: no server error and no response that breaks the
schema (400 and 413 included: the schema documents both in the problem shape).
Bounded (the schema's examples, then 2 generated cases per operation, no shrinking),
seeded and sent by one worker: about 290 requests over the 112 operations, 17-28 s
per token, the same cases every time. (With two workers, Hypothesis reads source code in
two threads at once and CPython 3.11's parser fails with "AST constructor recursion depth
mismatch" in some runs.)"""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from knox.models import AuthToken

from tests.conftest import add_records, build_world
from tests.factories import (
    ActionItemFactory,
    ActualFactory,
    ComplaintFactory,
    ContractFactory,
    OpportunityFactory,
    PlanFactory,
    RiskEventFactory,
    SurveyFactory,
)

MAX_EXAMPLES = 2
SEED = 20261123


def _run(live_server, token, report: Path):
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--no-shrink",
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=240, check=False, cwd=report.parent
    )


@pytest.mark.parametrize("role", ["ops", "kam_a"])
def test_schemathesis_finds_no_server_error_and_no_schema_break(
    transactional_db, live_server, tmp_path, settings, role
):
    rates = {"token": "100000/min", "user": "100000/min"}  # the fuzzer is fast
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    world = add_records(build_world())
    for account in world.accounts.values():  # a record of every kind, so lists have rows
        ActualFactory(account=account)
        ActionItemFactory(plan=PlanFactory(account=account))
        OpportunityFactory(account=account)
        ContractFactory(account=account)
        ComplaintFactory(account=account)
        SurveyFactory(account=account)
        RiskEventFactory(account=account)
    _, token = AuthToken.objects.create(user=world.user(role))
    report = tmp_path / "junit.xml"
    result = _run(live_server, token, report)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    summary = [
        line for line in result.stdout.splitlines() if "passed" in line or "generated" in line
    ]
    sys.stderr.write(f"schemathesis as {role}: {' | '.join(s.strip() for s in summary)}\n")
    cases = ET.parse(report).getroot().iter("testcase")  # noqa: S314
    operations = [case.get("name") for case in cases]
    # every operation of the schema ran (about a hundred), and none failed
    assert len(operations) >= 100, operations
    assert "GET /api/v1/visits/" in " ".join(operations)
    assert "POST /api/v1/accounts/bulk/" in " ".join(operations)
