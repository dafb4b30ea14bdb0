# ruff: noqa: E501 - long generated SQL expressions read better on one line
"""Benchmark data at scale: ``seed_demo --scale small|medium|large``.

Every table is filled by a few set-based ``INSERT … SELECT generate_series``
statements generated in PostgreSQL from deterministic expressions of the row
number and the seed (``hashint8``), so a run is reproducible from its seed and
the large scale (20,000 accounts, a million visits) loads in minutes. The
small demo (configuration: stages, product lines, scoring model, demo logins)
is seeded first by the regular ``seed_demo``.
"""

import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from config.demo import DEMO_PASSWORD
from kam.batch import plan_for_whole_tables


@dataclass(frozen=True)
class Scale:
    teams: int
    kams_per_team: int
    accounts: int
    contacts_per_account: int
    visits: int
    opportunities: int
    actual_months: int


SCALES = {
    "tiny": Scale(2, 4, 200, 5, 5_000, 1_000, 12),
    "small": Scale(5, 9, 2_000, 5, 100_000, 10_000, 12),
    "medium": Scale(10, 9, 10_000, 5, 400_000, 50_000, 12),
    "large": Scale(20, 9, 20_000, 5, 1_000_000, 100_000, 12),
}

PREFIX = "BENCH-"
#: Chinese company names that start the bench accounts' names, so the search is measured
#: as Chinese users search (华, 华为, hw, huawei); the rest of each name stays "Bench …"
CN_STEMS = (
    "华为技术", "国家电网", "南方电力", "中国石化", "中华制药", "海尔智家", "格力电器", "比亚迪汽车",
    "宁德时代", "三一重工", "中联重科", "潍柴动力", "美的集团", "海康威视", "京东方", "中兴通讯",
    "长城汽车", "吉利汽车", "万华化学", "恒瑞医药", "顺丰速运", "中远海运", "华润万家", "隆基绿能",
    "通威股份", "紫金矿业", "宝钢股份", "鞍钢集团", "华能电力", "大唐发电",
)  # fmt: skip


def _h(expr: str, salt: int) -> str:
    """A deterministic pseudo-random non-negative integer from ``expr``, the seed and ``salt``."""
    return f"abs(hashint8(({expr})::bigint * 7919 + %(seed)s * 1000 + {salt}))"


def _insert(model, values: dict, source: str, params: dict) -> int:
    """``INSERT INTO <model> (…) SELECT … FROM <source>``; other non-null columns get defaults."""
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated or (field.null and field.column not in values):
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in values:
            expressions.append(values[field.column])
            continue
        kind = field.get_internal_type()
        default = field.get_default() if field.has_default() else None
        if kind == "JSONField":
            expressions.append("'[]'::jsonb" if isinstance(default, list) else "'{}'::jsonb")
        elif kind == "ArrayField":
            expressions.append("'{}'")
        elif kind == "BooleanField":
            expressions.append("true" if default else "false")
        elif kind == "DateTimeField":
            expressions.append("now()")
        elif kind == "DateField":
            expressions.append("current_date")
        elif kind in {"DecimalField", "IntegerField", "PositiveSmallIntegerField", "FloatField"}:
            expressions.append(str(default or 0))
        elif kind == "BigIntegerField":
            expressions.append("0")
        else:
            text = str(default or "").replace("'", "''")
            expressions.append(f"'{text}'")
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM {source}"  # noqa: S608 - built from model metadata
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def bench_seeded() -> bool:
    from accounts.models import Account

    return Account.objects.filter(external_id__startswith=PREFIX).exists()


@transaction.atomic
def seed_scale(scale_name: str, *, seed: int = 2026, log=print) -> dict:
    """Add the bench population on top of the demo data; returns rows and seconds per table."""
    from accounts.models import Account, Contact, Visit
    from accounts.service.models import Complaint, RiskEvent, Survey
    from kam.models import Team, TeamMembership, User
    from opportunities.models import Opportunity, OpportunityStageChange, ProductLine, Stage
    from plans.models import AccountPlan, Actual, PlanTarget

    scale = SCALES[scale_name]
    plan_for_whole_tables()
    timings: dict[str, dict] = {}
    params = {"seed": seed}
    kams = scale.teams * scale.kams_per_team

    def step(name, fn):
        started = time.perf_counter()
        rows = fn()
        seconds = round(time.perf_counter() - started, 2)
        timings[name] = {"rows": rows, "seconds": seconds}
        log(f"  {name}: {rows} rows in {seconds} s")

    password = make_password(DEMO_PASSWORD)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        # A bulk load, as pg_restore --disable-triggers does it: no per-row triggers (change
        # history of generated rows, foreign-key checks of rows consistent by construction).
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")

    def users():
        rows = _insert(
            User,
            {
                "password": "%(password)s",
                "username": "CASE WHEN i <= %(teams)s THEN 'bench.sup' || lpad(i::text, 2, '0')"
                " ELSE 'bench.kam' || lpad((i - %(teams)s)::text, 3, '0') END",
                "full_name": "CASE WHEN i <= %(teams)s THEN 'Bench Supervisor ' || i"
                " ELSE 'Bench KAM ' || (i - %(teams)s) END",
                "email": "'bench' || i || '@example.com'",
                "role": "CASE WHEN i <= %(teams)s THEN 'supervisor' ELSE 'account_manager' END",
                "language": "'en'",
                "is_active": "true",
            },
            "generate_series(1, %(n)s) AS i",
            {**params, "password": password, "teams": scale.teams, "n": scale.teams + kams},
        )
        _insert(
            User,
            {
                "password": "%(password)s",
                "username": "'bench.exec'",
                "full_name": "'Bench Executive'",
                "email": "'bench.exec@example.com'",
                "role": "'executive'",
                "language": "'en'",
                "is_active": "true",
            },
            "generate_series(1, 1) AS i",
            {**params, "password": password},
        )
        return rows + 1

    step("users", users)

    def teams():
        rows = _insert(
            Team,
            {"name": "'Bench team ' || lpad(i::text, 2, '0')", "supervisor_id": "u.id"},
            "generate_series(1, %(teams)s) AS i JOIN kam_user u"
            " ON u.username = 'bench.sup' || lpad(i::text, 2, '0')",
            {**params, "teams": scale.teams},
        )
        _insert(
            TeamMembership,
            {"team_id": "t.id", "user_id": "u.id"},
            "generate_series(1, %(kams)s) AS i"
            " JOIN kam_user u ON u.username = 'bench.kam' || lpad(i::text, 3, '0')"
            " JOIN kam_team t ON t.name = 'Bench team '"
            " || lpad((1 + (i - 1) / %(per)s)::text, 2, '0')",
            {**params, "kams": kams, "per": scale.kams_per_team},
        )
        return rows

    step("teams", teams)

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_kam ON COMMIT DROP AS SELECT"
            " substr(username, 10)::int AS k, id FROM kam_user WHERE username LIKE 'bench.kam%%'",
            params,
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_kam (k)")

    tier = f"CASE WHEN {_h('i', 1)} %% 100 < 5 THEN 'A' WHEN {_h('i', 1)} %% 100 < 20 THEN 'B'"
    tier += f" WHEN {_h('i', 1)} %% 100 < 50 THEN 'C' ELSE 'D' END"

    from kam.textsearch import pinyin_keys

    english = "CASE WHEN i %% 10 = 0 THEN 'Bench Group ' ELSE 'Bench Account ' END"
    english += " || lpad(i::text, 6, '0')"
    stem = f"(%(cn)s::text[])[1 + {_h('i', 13)} %% {len(CN_STEMS)}]"
    stem_keys = [pinyin_keys(name) for name in CN_STEMS]
    # the pinyin columns as kam.textsearch.pinyin_keys writes them: the stem's pinyin, then
    # the English rest lower-cased without spaces (tests/search checks they agree)
    pick = f"[1 + {_h('i', 13)} %% {len(CN_STEMS)}]"
    rest = f"lower(replace({english}, ' ', ''))"

    def accounts():
        rows = _insert(
            Account,
            {
                "name": f"{stem} || ' ' || {english}",
                "name_pinyin": f"(%(cn_full)s::text[]){pick} || {rest}",
                "name_initials": f"(%(cn_initials)s::text[]){pick} || {rest}",
                "credit_code": "'9144' || lpad(i::text, 13, '0') || 'X'",
                "legal_name": "'Bench Co. ' || lpad(i::text, 6, '0') || ' Ltd.'",
                "external_id": "'BENCH-' || lpad(i::text, 6, '0')",
                "industry": f"(ARRAY['manufacturing','automotive','electronics','energy',"
                f"'chemicals','healthcare','retail','logistics'])[1 + {_h('i', 2)} %% 8]",
                "region": f"(ARRAY['east','north','south','central','southwest','northwest',"
                f"'northeast','overseas'])[1 + {_h('i', 3)} %% 8]",
                "owner_id": "k.id",
                "status": f"CASE WHEN {_h('i', 4)} %% 100 < 85 THEN 'active'"
                f" WHEN {_h('i', 4)} %% 100 < 92 THEN 'at_risk' ELSE 'dormant' END",
                "is_industry_leader": f"{_h('i', 5)} %% 11 = 0",
                "is_reference_customer": f"{_h('i', 5)} %% 5 = 0",
                "has_channel_value": f"{_h('i', 5)} %% 3 = 0",
                "cooperation_since": f"make_date(2010 + ({_h('i', 6)} %% 15)::int, 1, 1)",
                "credit_rating": f"(ARRAY['AAA','AA','A','BBB','BB','B'])[1 + {_h('i', 7)} %% 6]",
                "credit_limit": f"1000000 + {_h('i', 8)} %% 50000000",
                "estimated_wallet": f"5000000 + {_h('i', 9)} %% 200000000",
                "annual_revenue_estimate": f"1000000 + {_h('i', 10)} %% 100000000",
                "gross_margin_estimate": f"5 + {_h('i', 11)} %% 40",
                "growth_potential": f"1 + {_h('i', 12)} %% 5",
                "tier": tier,
                "computed_tier": tier,
                "approved_tier": tier,
                "tags": "ARRAY['bench']::varchar[]",
            },
            "generate_series(1, %(n)s) AS i JOIN bench_kam k ON k.k = 1 + (i - 1) %% %(kams)s",
            {
                **params,
                "n": scale.accounts,
                "kams": kams,
                "cn": list(CN_STEMS),
                "cn_full": [full for full, _ in stem_keys],
                "cn_initials": [initials for _, initials in stem_keys],
            },
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_account ON COMMIT DROP AS SELECT"
                " substr(external_id, 7)::int AS ai, id, owner_id, tier FROM accounts_account"
                " WHERE external_id LIKE 'BENCH-%%'",
                params,
            )
            cursor.execute("CREATE UNIQUE INDEX ON bench_account (ai)")
            cursor.execute("ANALYZE bench_account")
            # Group hierarchies: accounts i+1 … i+4 belong to the group account i (i %% 10 = 0).
            cursor.execute(
                "UPDATE accounts_account a SET parent_id = g.id FROM bench_account b"
                " JOIN bench_account g ON g.ai = b.ai - b.ai %% 10"
                " WHERE a.id = b.id AND b.ai %% 10 BETWEEN 1 AND 4 AND b.ai > 10",
                params,
            )
        return rows

    step("accounts", accounts)

    per = scale.contacts_per_account

    def contacts():
        rows = _insert(
            Contact,
            {
                "account_id": "a.id",
                "name": "'Contact ' || a.ai || '-' || c",
                "title": "(ARRAY['CEO','Procurement Director','Plant Manager','Buyer',"
                "'Engineer'])[1 + (c - 1) %% 5]",
                "level": "CASE WHEN c = 1 THEN 'executive' WHEN c <= 3 THEN 'decision'"
                " ELSE 'execution' END",
                "buying_role": "(ARRAY['decision_maker','influencer','champion','user',"
                "'gatekeeper'])[1 + (c - 1) %% 5]",
                "attitude": f"(ARRAY['supporter','neutral','opponent'])[1 + {_h('a.ai * 10 + c', 20)} %% 3]",
                "strength": f"1 + {_h('a.ai * 10 + c', 21)} %% 5",
                "email": "'c' || a.ai || '-' || c || '@example.com'",
                "phone": "'13' || lpad((a.ai * 10 + c)::text, 9, '0')",
                "external_id": "'BC-' || c",
                "has_left": f"{_h('a.ai * 10 + c', 22)} %% 50 = 0",
            },
            "bench_account a CROSS JOIN generate_series(1, %(per)s) AS c",
            {**params, "per": per},
        )
        # Org charts: decision makers report to the executive, the rest to a decision maker.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_contact c SET reports_to_id = boss.id FROM accounts_contact boss,"
                " bench_account a WHERE c.account_id = a.id AND boss.account_id = a.id"
                " AND c.external_id <> 'BC-1' AND boss.external_id = CASE"
                " WHEN c.external_id IN ('BC-2', 'BC-3') THEN 'BC-1'"
                " ELSE 'BC-' || (2 + (substr(c.external_id, 4)::int %% 2)) END",
                params,
            )
        return rows

    step("contacts", contacts)

    minutes = 3 * 365 * 24 * 60

    def visits():
        return _insert(
            Visit,
            {
                "account_id": "a.id",
                "kind": f"(ARRAY['onsite','call','meeting','executive_meeting','email','wechat',"
                f"'event'])[1 + {_h('i', 30)} %% 7]",
                "occurred_at": f"now() - make_interval(mins => ({_h('i', 31)} %% {minutes})::int)",
                "logged_by_id": "a.owner_id",
                "purpose": "'Bench visit ' || i",
                "summary": "'Discussed supply plan and open issues.'",
                "sentiment": f"(ARRAY['positive','neutral','negative'])[1 + {_h('i', 32)} %% 3]",
                "next_visit_on": f"CASE WHEN {_h('i', 33)} %% 40 = 0"
                f" THEN current_date + ({_h('i', 34)} %% 60 - 30)::int END",
                "next_visit_owner_id": f"CASE WHEN {_h('i', 33)} %% 40 = 0 THEN a.owner_id END",
            },
            f"generate_series(1, %(n)s) AS i JOIN bench_account a ON a.ai = 1 + {_h('i', 35)} %% %(accounts)s",
            {**params, "n": scale.visits, "accounts": scale.accounts},
        )

    step("visits", visits)

    stages = list(Stage.objects.order_by("order").values_list("pk", "kind", "probability"))
    lines = list(ProductLine.objects.values_list("pk", flat=True))
    open_stages = [pk for pk, kind, _ in stages if kind == "open"]
    won = next(pk for pk, kind, _ in stages if kind == "won")
    lost = next(pk for pk, kind, _ in stages if kind == "lost")
    # 70 %% open spread over the open stages, 18 %% won, 12 %% lost.
    stage_pick = f"CASE WHEN {_h('i', 40)} %% 100 < 18 THEN %(won)s WHEN {_h('i', 40)} %% 100 < 30"
    stage_pick += f" THEN %(lost)s ELSE (%(open)s::bigint[])[1 + {_h('i', 41)} %% %(n_open)s] END"

    def opportunities():
        rows = _insert(
            Opportunity,
            {
                "account_id": "a.id",
                "name": "'Bench deal ' || i",
                "type": f"(ARRAY['new_business','cross_sell','up_sell','renewal'])[1 + {_h('i', 42)} %% 4]",
                "product_line_id": f"(%(lines)s::bigint[])[1 + {_h('i', 43)} %% %(n_lines)s]",
                "amount": f"50000 + {_h('i', 44)} %% 5000000",
                "currency": "'CNY'",
                "expected_close_on": f"current_date + ({_h('i', 45)} %% 540 - 180)::int",
                "stage_id": "s.id",
                "probability": "s.probability",
                "stage_entered_at": f"now() - make_interval(days => ({_h('i', 46)} %% 120)::int)",
                "owner_id": "a.owner_id",
                "close_reason": "CASE WHEN s.kind = 'open' THEN '' ELSE 'Bench close reason' END",
                "closed_on": f"CASE WHEN s.kind = 'open' THEN NULL"
                f" ELSE current_date - ({_h('i', 47)} %% 700)::int END",
                "created_at": f"now() - make_interval(days => 120 + ({_h('i', 48)} %% 600)::int)",
            },
            f"generate_series(1, %(n)s) AS i JOIN bench_account a ON a.ai = 1 + {_h('i', 49)} %% %(accounts)s"
            f" JOIN opportunities_stage s ON s.id = {stage_pick}",
            {
                **params,
                "n": scale.opportunities,
                "accounts": scale.accounts,
                "lines": lines,
                "n_lines": len(lines),
                "won": won,
                "lost": lost,
                "open": open_stages,
                "n_open": len(open_stages),
            },
        )
        # Stage history: every open stage up to the current one (all of them for a closed
        # deal), then the closing stage; one day per step after creation.
        _insert(
            OpportunityStageChange,
            {
                "opportunity_id": "o.id",
                "from_stage_id": 'lag(s.id) OVER (PARTITION BY o.id ORDER BY s."order")',
                "to_stage_id": "s.id",
                "changed_by_id": "o.owner_id",
                "changed_at": 'o.created_at + make_interval(days => s."order"::int * 7)',
            },
            "opportunities_opportunity o JOIN opportunities_stage cur ON cur.id = o.stage_id"
            " JOIN opportunities_stage s ON (s.kind = 'open' AND (cur.kind <> 'open'"
            ' OR s."order" <= cur."order")) OR s.id = cur.id'
            " WHERE o.name LIKE 'Bench deal %%'",
            params,
        )
        return rows

    step("opportunities", opportunities)

    def actuals():
        return _insert(
            Actual,
            {
                "account_id": "a.id",
                "year": "extract(year FROM m)::int",
                "month": "extract(month FROM m)::int",
                "revenue": f"100000 + {_h('a.ai * 100 + n', 50)} %% 5000000",
                "gross_profit": f"20000 + {_h('a.ai * 100 + n', 51)} %% 1000000",
                "invoiced": f"100000 + {_h('a.ai * 100 + n', 52)} %% 5000000",
                "collected": f"90000 + {_h('a.ai * 100 + n', 53)} %% 4000000",
                "overdue_1_30": f"{_h('a.ai * 100 + n', 54)} %% 200000",
                "source": "'import'",
            },
            "bench_account a CROSS JOIN generate_series(1, %(months)s) AS n"
            " CROSS JOIN LATERAL (SELECT (date_trunc('month', current_date)"
            " - make_interval(months => n))::date AS m) mm",
            {**params, "months": scale.actual_months},
        )

    step("actuals", actuals)

    def plans():
        rows = _insert(
            AccountPlan,
            {
                "account_id": "a.id",
                "year": "extract(year FROM current_date)::int",
                "status": f"(ARRAY['draft','submitted','approved','approved'])[1 + {_h('a.ai', 60)} %% 4]",
                "objectives": "'Grow share of wallet.'",
                "revenue_target": f"4 * (1000000 + {_h('a.ai', 61)} %% 20000000)",
                "new_business_target": f"{_h('a.ai', 62)} %% 2000000",
            },
            "bench_account a WHERE a.tier IN ('A', 'B')",
            params,
        )
        _insert(
            PlanTarget,
            {
                "plan_id": "p.id",
                "quarter": "q",
                "revenue": "p.revenue_target / 4",
                "new_business": "p.new_business_target / 4",
            },
            "plans_accountplan p JOIN bench_account a ON a.id = p.account_id"
            " CROSS JOIN generate_series(1, 4) AS q",
            params,
        )
        return rows

    step("plans", plans)

    def service():
        rows = _insert(
            Complaint,
            {
                "account_id": "a.id",
                "received_at": f"now() - make_interval(hours => ({_h('i', 70)} %% 8760)::int)",
                "channel": f"(ARRAY['phone','email','wechat','visit'])[1 + {_h('i', 71)} %% 4]",
                "category": f"(ARRAY['quality','delivery','service','billing','communication'])"
                f"[1 + {_h('i', 72)} %% 5]",
                "severity": f"(ARRAY['low','normal','normal','high','critical'])[1 + {_h('i', 73)} %% 5]",
                "description": "'Bench complaint ' || i",
                "owner_id": "a.owner_id",
                "response_due": f"now() - make_interval(hours => ({_h('i', 70)} %% 8760)::int - 24)",
                "status": f"CASE WHEN {_h('i', 74)} %% 100 < 90 THEN 'closed'"
                f" WHEN {_h('i', 74)} %% 100 < 95 THEN 'responded' ELSE 'open' END",
                "first_response_at": f"CASE WHEN {_h('i', 74)} %% 100 < 95 THEN now()"
                f" - make_interval(hours => ({_h('i', 70)} %% 8760)::int - 6) END",
                "closed_at": f"CASE WHEN {_h('i', 74)} %% 100 < 90 THEN now() END",
                "root_cause": f"(ARRAY['product','process','logistics','people'])[1 + {_h('i', 75)} %% 4]",
                "satisfaction": f"CASE WHEN {_h('i', 74)} %% 100 < 90 THEN 1 + {_h('i', 76)} %% 5 END",
            },
            f"generate_series(1, %(n)s) AS i JOIN bench_account a ON a.ai = 1 + {_h('i', 77)} %% %(accounts)s",
            {**params, "n": scale.accounts // 4, "accounts": scale.accounts},
        )
        rows += _insert(
            Survey,
            {
                "account_id": "a.id",
                "taken_on": f"current_date - ({_h('i', 80)} %% 1000)::int",
                "nps": f"{_h('i', 81)} %% 11",
                "csat": f"1 + {_h('i', 82)} %% 5",
                "recorded_by_id": "a.owner_id",
            },
            f"generate_series(1, %(n)s) AS i JOIN bench_account a ON a.ai = 1 + {_h('i', 83)} %% %(accounts)s",
            {**params, "n": scale.accounts // 2, "accounts": scale.accounts},
        )
        rows += _insert(
            RiskEvent,
            {
                "account_id": "a.id",
                "type": f"(ARRAY['credit','financial_distress','policy','competitor','delivery'])"
                f"[1 + {_h('i', 90)} %% 5]",
                "level": f"(ARRAY['low','medium','high'])[1 + {_h('i', 91)} %% 3]",
                "description": "'Bench risk ' || i",
                "owner_id": "a.owner_id",
                "status": f"(ARRAY['open','mitigating','closed','closed'])[1 + {_h('i', 92)} %% 4]",
            },
            f"generate_series(1, %(n)s) AS i JOIN bench_account a ON a.ai = 1 + {_h('i', 93)} %% %(accounts)s",
            {**params, "n": scale.accounts // 10, "accounts": scale.accounts},
        )
        return rows

    step("service", service)
    return timings


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
