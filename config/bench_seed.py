# ruff: noqa: E501, S608 - generated SQL from constants and model metadata; long expressions read better on one line
"""Benchmark data at scale: ``seed_demo --scale tiny|small|medium|large``.

A population shaped like a real company's, filled by set-based ``INSERT … SELECT
generate_series`` statements from deterministic expressions of the row number and the
seed (``hashint8``), so a run is reproducible from its seed and the large scale loads in
minutes. The small demo (configuration: stages, product lines, scoring model, demo
logins) is seeded first by the regular ``seed_demo``. Its shape:

- accounts per KAM skewed by a power law between 20 and 400 (at the large scale; the
  smaller scales keep the same ratio of 1 to 20), the heavy KAMs spread over the teams;
- tiers A 5 %, B 15 %, C 30 %, D 50 %, and visits per account skewed by tier (an A account
  gets about sixteen times a D account's), contacts 2–30 per account by tier;
- group hierarchies two and three levels deep (a group, its subsidiaries, their branches);
- account-team members (a support and a technical colleague, the supervisor as executive
  sponsor), contracts, plans with action items, the contacts met and the colleagues who
  joined each visit, supervisors' comments on visits, and history rows (each account's,
  contact's, opportunity's, plan's and contract's creation, and owner or status changes);
- names and texts of realistic length in Chinese and English (company names with their
  pinyin, people's names, visit summaries of two to four sentences, mixed CJK text).

Every date is relative to an anchor, the moment of seeding, recorded as the bench
executive's ``date_joined``: ``reanchor()`` moves the dates forward by the days since, so
a database seeded on one day gives the same "last 30 days" on a later day.
"""

import random
import time
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from config.demo import DEMO_PASSWORD
from kam.batch import plan_for_whole_tables


@dataclass(frozen=True)
class Scale:
    teams: int
    kams_per_team: int
    accounts: int
    visits: int  # about this many (each account's count is skewed by its tier)
    opportunities: int
    actual_months: int


SCALES = {
    "tiny": Scale(2, 4, 200, 5_000, 1_000, 12),
    "small": Scale(5, 9, 2_000, 100_000, 10_000, 12),
    "medium": Scale(10, 9, 10_000, 400_000, 50_000, 12),
    "large": Scale(20, 9, 20_000, 1_000_000, 100_000, 12),
}

PREFIX = "BENCH-"
#: candidate key accounts per account (the large scale's 200,000)
CANDIDATES_PER_ACCOUNT = 10
#: accounts per KAM: between MIN_LOAD and MAX_LOAD (the large scale's 20 and 400)
MIN_LOAD, MAX_LOAD = 20, 400
#: tier shares (per cent) and each tier's weight in visits per account
TIER_SHARES = (("A", 5), ("B", 15), ("C", 30), ("D", 50))
VISIT_WEIGHTS = {"A": 8.0, "B": 4.0, "C": 1.5, "D": 0.5}
#: Chinese company names that start the bench accounts' names, so the search is measured
#: as Chinese users search (华, 华为, hw, huawei), with their English names beside them
CN_STEMS = (
    "华为技术", "国家电网", "南方电力", "中国石化", "中华制药", "海尔智家", "格力电器", "比亚迪汽车",
    "宁德时代", "三一重工", "中联重科", "潍柴动力", "美的集团", "海康威视", "京东方", "中兴通讯",
    "长城汽车", "吉利汽车", "万华化学", "恒瑞医药", "顺丰速运", "中远海运", "华润万家", "隆基绿能",
    "通威股份", "紫金矿业", "宝钢股份", "鞍钢集团", "华能电力", "大唐发电",
)  # fmt: skip
EN_STEMS = (
    "Huawei Technologies", "State Grid", "Southern Power", "Sinopec", "Zhonghua Pharmaceutical",
    "Haier Smart Home", "Gree Electric", "BYD Auto", "CATL", "Sany Heavy Industry", "Zoomlion",
    "Weichai Power", "Midea Group", "Hikvision", "BOE Technology", "ZTE", "Great Wall Motor",
    "Geely Auto", "Wanhua Chemical", "Hengrui Medicine", "SF Express", "COSCO Shipping",
    "China Resources Vanguard", "LONGi Green Energy", "Tongwei", "Zijin Mining", "Baosteel",
    "Ansteel", "Huaneng Power", "Datang Power",
)  # fmt: skip
CITIES = (
    ("北京", "Beijing"), ("上海", "Shanghai"), ("深圳", "Shenzhen"), ("广州", "Guangzhou"),
    ("苏州", "Suzhou"), ("杭州", "Hangzhou"), ("成都", "Chengdu"), ("武汉", "Wuhan"),
    ("西安", "Xi'an"), ("天津", "Tianjin"), ("重庆", "Chongqing"), ("南京", "Nanjing"),
    ("青岛", "Qingdao"), ("宁波", "Ningbo"), ("合肥", "Hefei"), ("长沙", "Changsha"),
)  # fmt: skip
#: a subsidiary's or branch's name from the stem and the city; the last is a group's
FORMS = (
    ("{stem}（{city}）有限公司", "{stem} ({city}) Co., Ltd."),
    ("{stem}{city}分公司", "{stem} {city} Branch"),
    ("{stem}{city}销售有限公司", "{stem} {city} Sales Co., Ltd."),
    ("{stem}（{city}）科技有限公司", "{stem} ({city}) Technology Co., Ltd."),
    ("{stem}集团有限公司", "{stem} Group Co., Ltd."),
)
SURNAMES = "张王李赵陈刘杨黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐"
GIVEN = (
    "伟", "芳", "敏", "静", "磊", "军", "燕", "涛", "明", "慧", "强", "丽", "鑫", "波", "宁",
    "建华", "晓燕", "志强", "海涛", "丽娟", "国平", "雪梅", "文博", "春生", "婷婷", "子轩", "思远",
)  # fmt: skip
EN_GIVEN = ("David", "Grace", "Kevin", "Linda", "Michael", "Helen", "Jason", "Amy", "Eric", "Cindy")
EN_SURNAMES = ("Wang", "Li", "Zhang", "Liu", "Chen", "Huang", "Zhou", "Lin", "Ho", "Tan")
TITLES = {
    "executive": ("董事长", "总经理", "副总经理", "财务总监", "CEO", "General Manager"),
    "decision": ("采购总监", "技术总监", "厂长", "供应链总监", "质量总监", "Procurement Director",
                 "Head of Engineering"),
    "execution": ("采购经理", "采购专员", "工艺工程师", "质量工程师", "仓储主管", "项目经理",
                  "Buyer", "Process Engineer", "Project Manager"),
}  # fmt: skip
PURPOSES = (
    "季度业务回顾", "新产品线推介", "年度价格谈判", "投诉跟进", "高层商务宴请", "技术交流会",
    "合同续签沟通", "新工厂项目对接", "样品试用反馈", "Quarterly business review",
    "New product line introduction", "Price negotiation", "Complaint follow-up",
    "Contract renewal",
)  # fmt: skip
#: sentences of visit summaries (two to four each; Chinese, English and mixed)
SENTENCES = (
    "回顾了本季度的交付与质量情况，客户对备件交期仍不满意，希望从目前的四周缩短到两周以内。",
    "介绍了新一代液压系统，对方技术部很感兴趣，希望下个月拿样品在二号产线试产。",
    "沟通年度调价方案，对方采购总监表示若全年采购额超过 500 万元，希望给予 3% 的返利。",
    "跟进上月延迟交货的投诉，与物流部门商定整改方案，下周提交 8D 报告。",
    "与对方管理层共进晚餐，气氛良好，对方提到正在筹建华东新工厂，预计明年二季度动工。",
    "与对方工程师联合研讨工艺优化，形成两项改进建议，待我方核算成本后回复。",
    "逐条沟通续约条款，对方法务预计两周内完成审核，付款条件希望由 60 天延长至 90 天。",
    "竞争对手近期报价低 8%，客户希望我们在服务响应上给出更明确的承诺。",
    "对方新任采购经理首次见面，介绍了公司的供应商考核体系，年底将进行 QBR。",
    "客户计划扩建自动化产线，预算约 1,200 万元，招标预计在三个月后启动。",
    "Reviewed delivery and quality for the quarter; the customer asked for faster lead times on spare parts.",
    "Presented the new automation line; engineering wants samples for a trial run next month.",
    "Their procurement team expects a volume rebate once annual purchases pass 5 million.",
    "Followed up on the late delivery and agreed a corrective action plan with logistics.",
    "The plant manager mentioned a second site being planned; we offered a feasibility study.",
    "Walked through the renewal terms; legal review on their side is expected within two weeks.",
    "客户反馈 MES 接口不稳定，已安排 FAE 现场排查，预计本周内给出 root cause。",
    "双方确认了 2027 年度框架协议的主要条款，下一步由 Finance 出具报价单。",
)  # fmt: skip
NEXT_STEPS = (
    "下周三前提交报价单并约技术交流。", "安排样品寄送，两周后回访试用结果。",
    "Send the revised quotation by Friday.", "邀请对方高层参加年度客户大会。",
    "Prepare the QBR deck with delivery KPIs.",
)  # fmt: skip
COMMENTS = (
    "请补充对方决策链信息，特别是新任采购总监的态度。", "价格让步需要先报批，不要当场承诺。",
    "Good visit. Please log the competitor's quote in the opportunity.",
    "下次拜访请带上应用工程师。", "Follow up on the rebate question before the month closes.",
)  # fmt: skip
DEALS = (
    "2027年度液压系统框架采购", "新工厂自动化产线改造", "备品备件年度供货协议", "现场服务外包项目",
    "智能仓储升级项目", "二期扩产设备采购", "Automation retrofit phase II",
    "Spare parts frame agreement 2027", "Field service contract renewal", "Hydraulics upgrade for line 3",
)  # fmt: skip
CONTRACT_TITLES = (
    "年度框架采购合同", "设备采购合同", "技术服务协议", "备件供货合同", "Master supply agreement",
    "Service level agreement", "Equipment purchase contract",
)  # fmt: skip
ACTION_TITLES = (
    "安排高层互访", "提交年度报价", "组织技术交流会", "完成供应商年审资料", "推进样品试用",
    "Map the new plant's decision makers", "Prepare the QBR", "Close the open complaint",
)  # fmt: skip


def _h(expr: str, salt: int) -> str:
    """A deterministic pseudo-random non-negative integer from ``expr``, the seed and ``salt``."""
    return f"abs(hashint8(({expr})::bigint * 7919 + %(seed)s * 1000 + {salt}))"


def _pick(array: str, expr: str, salt: int, size: int) -> str:
    """One element of the SQL array parameter ``array``, chosen by ``expr``."""
    return f"(%({array})s::text[])[1 + {_h(expr, salt)} %% {size}]"


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
            expressions.append("%(anchor)s::timestamptz")
        elif kind == "DateField":
            expressions.append("%(today)s::date")
        elif kind in {"DecimalField", "IntegerField", "PositiveSmallIntegerField", "FloatField"}:
            expressions.append(str(default or 0))
        elif kind == "BigIntegerField":
            expressions.append("0")
        else:
            text = str(default or "").replace("'", "''").replace("%", "%%")
            expressions.append(f"'{text}'")
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _execute(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def kam_loads(kams: int, accounts: int, seed: int) -> list[int]:
    """Accounts per KAM: ``low + (high - low) * x ** p`` over the KAMs' ranks x in [0, 1],
    with p chosen so that they add up to ``accounts`` (a power law: a few KAMs carry many
    accounts, most carry few), high = 20 x low; the ranks are shuffled by the seed so the
    heavy KAMs are spread over the teams."""
    mean = accounts / kams
    low = min(MIN_LOAD, int(mean))
    high = max(low, min(MAX_LOAD, int(mean * 3.6), accounts - low * (kams - 1)))
    ranks = [(kams - 1 - r) / max(1, kams - 1) for r in range(kams)]

    def loads(power):
        return [int(low + (high - low) * x**power) for x in ranks]

    lo, hi = 0.01, 500.0
    for _ in range(100):
        power = (lo + hi) / 2
        if sum(loads(power)) > accounts:
            lo = power
        else:
            hi = power
    counts = loads(hi)
    index = 0
    while sum(counts) < accounts:  # the rounding's remainder, one each from the heaviest
        if counts[index % kams] < high:
            counts[index % kams] += 1
        index += 1
    random.Random(seed).shuffle(counts)  # noqa: S311 - reproducible data, not security
    return counts


def _names(pairs):
    """Arrays of names and their pinyin (kam.textsearch.pinyin_keys, as the model writes)."""
    from kam.textsearch import pinyin_keys

    names = list(pairs)
    keys = [pinyin_keys(name) for name in names]
    return names, [full for full, _ in keys], [initials for _, initials in keys]


def bench_seeded() -> bool:
    from accounts.models import Account

    return Account.objects.filter(external_id__startswith=PREFIX).exists()


def _tier_sql(key: str) -> str:
    roll = f"{_h(key, 1)} %% 100"
    cases, share = [], 0
    for tier, percent in TIER_SHARES[:-1]:
        share += percent
        cases.append(f"WHEN {roll} < {share} THEN '{tier}'")
    return f"CASE {' '.join(cases)} ELSE '{TIER_SHARES[-1][0]}' END"


@transaction.atomic
def seed_scale(scale_name: str, *, seed: int = 2026, log=print) -> dict:
    """Add the bench population on top of the demo data; returns rows and seconds per table."""
    from accounts.models import Account, AccountTeamMember, Contact, Visit, VisitComment
    from accounts.service.models import Complaint, RiskEvent, Survey
    from kam.models import Team, TeamMembership, User
    from opportunities.models import (
        Contract,
        Opportunity,
        OpportunityStageChange,
        ProductLine,
        Stage,
    )
    from plans.models import AccountPlan, ActionItem, Actual, PlanTarget

    scale = SCALES[scale_name]
    plan_for_whole_tables()
    timings: dict[str, dict] = {}
    anchor = timezone.now().replace(microsecond=0)
    params = {"seed": seed, "anchor": anchor, "today": timezone.localdate(anchor)}
    kams = scale.teams * scale.kams_per_team
    loads = kam_loads(kams, scale.accounts, seed)

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
        # The history the population would have is written below, as rows of its own.
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")

    people, _, _ = _names(f"{s}{g}" for s in SURNAMES for g in GIVEN)
    people += [f"{g} {s}" for g in EN_GIVEN for s in EN_SURNAMES]
    n_people = len(people)

    def users():
        rows = _insert(
            User,
            {
                "password": "%(password)s",
                "username": "CASE WHEN i <= %(teams)s THEN 'bench.sup' || lpad(i::text, 2, '0')"
                " ELSE 'bench.kam' || lpad((i - %(teams)s)::text, 3, '0') END",
                "full_name": _pick("people", "i", 100, n_people),
                "email": "'bench' || i || '@example.com'",
                "role": "CASE WHEN i <= %(teams)s THEN 'supervisor' ELSE 'account_manager' END",
                "language": "CASE WHEN i %% 3 = 0 THEN 'en' ELSE 'zh-hans' END",
                "is_active": "true",
                "date_joined": "%(anchor)s::timestamptz - interval '2 years'",
            },
            "generate_series(1, %(n)s) AS i",
            {**params, "password": password, "teams": scale.teams, "n": scale.teams + kams,
             "people": people},
        )  # fmt: skip
        # the executive's date_joined is the anchor of every date (reanchor())
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
                "date_joined": "%(anchor)s::timestamptz",
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

    # bench_kam: each KAM's number k, user id, team supervisor and range of account numbers
    firsts, total = [], 0
    for load in loads:
        firsts.append(total + 1)
        total += load
    _execute(
        "CREATE TEMP TABLE bench_kam ON COMMIT DROP AS SELECT l.k::int AS k, u.id,"
        " s.id AS supervisor_id, l.first_i::int AS first_i,"
        " (l.first_i + l.load - 1)::int AS last_i, l.load::int AS load"
        " FROM unnest(%(firsts)s::int[], %(loads)s::int[]) WITH ORDINALITY AS l(first_i, load, k)"
        " JOIN kam_user u ON u.username = 'bench.kam' || lpad(l.k::text, 3, '0')"
        " JOIN kam_user s ON s.username = 'bench.sup'"
        " || lpad((1 + (l.k - 1) / %(per)s)::text, 2, '0')",
        {**params, "firsts": firsts, "loads": loads, "per": scale.kams_per_team},
    )
    _execute("CREATE UNIQUE INDEX ON bench_kam (k)", params)

    company_pairs = [
        (form_cn.format(stem=stem, city=city), form_en.format(stem=en_stem, city=en_city))
        for stem, en_stem in zip(CN_STEMS, EN_STEMS, strict=True)
        for city, en_city in CITIES
        for form_cn, form_en in FORMS
    ]
    cn_names, cn_full, cn_initials = _names(cn for cn, _ in company_pairs)
    en_names = [en for _, en in company_pairs]
    per_stem = len(CITIES) * len(FORMS)
    # the name's index: stem, city, form; a group's head (position 0 of a block of 20) takes
    # the group form
    company = (
        f"1 + ({_h('i', 13)} %% {len(CN_STEMS)}) * {per_stem} + ({_h('i', 14)} %% {len(CITIES)})"
        f" * {len(FORMS)} + CASE WHEN (i - 1) %% 20 = 0 THEN {len(FORMS) - 1}"
        f" ELSE {_h('i', 15)} %% {len(FORMS) - 1} END"
    )
    english = f"{_h('i', 16)} %% 4 = 0"  # one account in four has its English name
    tier = _tier_sql("i")

    def accounts():
        rows = _insert(
            Account,
            {
                "name": f"CASE WHEN {english} THEN (%(en)s::text[])[{company}]"
                f" ELSE (%(cn)s::text[])[{company}] END",
                "name_pinyin": f"CASE WHEN {english} THEN '' ELSE (%(cn_full)s::text[])[{company}] END",
                "name_initials": f"CASE WHEN {english} THEN '' ELSE (%(cn_initials)s::text[])[{company}] END",
                "credit_code": "'9144' || lpad(i::text, 13, '0') || 'X'",
                "legal_name": f"(%(cn)s::text[])[{company}]",
                "external_id": "'BENCH-' || lpad(i::text, 6, '0')",
                "industry": f"(ARRAY['manufacturing','automotive','electronics','energy',"
                f"'chemicals','healthcare','retail','logistics'])[1 + {_h('i', 2)} %% 8]",
                "region": f"(ARRAY['east','north','south','central','southwest','northwest',"
                f"'northeast','overseas'])[1 + {_h('i', 3)} %% 8]",
                "owner_id": "k.id",
                "status": f"CASE WHEN {_h('i', 4)} %% 100 < 85 THEN 'mature'"
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
                "created_at": f"%(anchor)s::timestamptz - make_interval(days => 30 + ({_h('i', 17)} %% 1500)::int)",
            },
            "generate_series(1, %(n)s) AS i JOIN bench_kam k ON i BETWEEN k.first_i AND k.last_i",
            {**params, "n": scale.accounts, "cn": cn_names, "en": en_names, "cn_full": cn_full,
             "cn_initials": cn_initials},
        )  # fmt: skip
        # bench_account: the number, tier, owner (k), and how many visits (nv) and contacts
        # (nc) the account gets; visits by tier times a factor between 0.25 and 1.75
        weight = sum(share * VISIT_WEIGHTS[t] for t, share in TIER_SHARES) / 100
        base = scale.visits / scale.accounts / weight
        visit_weight = " ".join(f"WHEN '{t}' THEN {w}" for t, w in VISIT_WEIGHTS.items())
        _execute(
            "CREATE TEMP TABLE bench_account ON COMMIT DROP AS SELECT"
            " substr(a.external_id, 7)::int AS ai, a.id, a.owner_id, a.tier, k.k,"
            " k.supervisor_id, a.created_at,"
            f" greatest(1, round(%(base)s * (CASE a.tier {visit_weight} END)"
            f" * (0.25 + ({_h('substr(a.external_id, 7)::int', 18)} %% 1500) / 1000.0)))::int AS nv,"
            f" (CASE a.tier WHEN 'A' THEN 12 + {_h('substr(a.external_id, 7)::int', 19)} %% 19"
            f" WHEN 'B' THEN 6 + {_h('substr(a.external_id, 7)::int', 19)} %% 15"
            f" WHEN 'C' THEN 3 + {_h('substr(a.external_id, 7)::int', 19)} %% 8"
            f" ELSE 2 + {_h('substr(a.external_id, 7)::int', 19)} %% 5 END)::int AS nc"
            " FROM accounts_account a JOIN bench_kam k ON k.id = a.owner_id"
            " WHERE a.external_id LIKE 'BENCH-%%'",
            {**params, "base": base},
        )
        _execute("CREATE UNIQUE INDEX ON bench_account (ai)", params)
        _execute("CREATE UNIQUE INDEX ON bench_account (id)", params)
        _execute("ANALYZE bench_account", params)
        # Group hierarchies in blocks of 20 accounts: the head (position 0), its four
        # subsidiaries (1-4), and three branches under the first subsidiary (5-7): two and
        # three levels deep.
        _execute(
            "UPDATE accounts_account a SET parent_id = g.id FROM bench_account b"
            " JOIN bench_account g ON g.ai = b.ai - (b.ai - 1) %% 20"
            " + CASE WHEN (b.ai - 1) %% 20 BETWEEN 5 AND 7 THEN 1 ELSE 0 END"
            " WHERE a.id = b.id AND (b.ai - 1) %% 20 BETWEEN 1 AND 7",
            params,
        )
        return rows

    step("accounts", accounts)

    def account_teams():
        # a support colleague (B and up), a technical one (A), the supervisor as the executive
        # sponsor (A); half the C accounts have a support colleague
        return _insert(
            AccountTeamMember,
            {
                "account_id": "a.id",
                "user_id": "CASE WHEN j = 3 THEN a.supervisor_id ELSE o.id END",
                "role": "(ARRAY['support','technical','executive_sponsor'])[j]",
            },
            "bench_account a CROSS JOIN generate_series(1, 3) AS j"
            " JOIN bench_kam o ON o.k = 1 + (a.k - 1 + j * 7) %% %(kams)s"
            f" WHERE j <= CASE a.tier WHEN 'A' THEN 3 WHEN 'B' THEN 1"
            f" WHEN 'C' THEN ({_h('a.ai', 24)} %% 2) ELSE 0 END AND o.id <> a.owner_id",
            {**params, "kams": kams},
        )

    step("account team members", account_teams)

    contact_names, contact_full, contact_initials = _names(people)
    levels = "CASE WHEN c = 1 THEN 'executive' WHEN c <= 3 THEN 'decision' ELSE 'execution' END"
    titles = list(TITLES["executive"]) + list(TITLES["decision"]) + list(TITLES["execution"])
    n_exec, n_dec, n_ex = (len(TITLES[key]) for key in ("executive", "decision", "execution"))
    title = (
        f"CASE WHEN c = 1 THEN (%(titles)s::text[])[1 + {_h('a.ai * 100 + c', 25)} %% {n_exec}]"
        f" WHEN c <= 3 THEN (%(titles)s::text[])[{n_exec + 1} + {_h('a.ai * 100 + c', 25)} %% {n_dec}]"
        f" ELSE (%(titles)s::text[])[{n_exec + n_dec + 1} + {_h('a.ai * 100 + c', 25)} %% {n_ex}] END"
    )
    person = f"1 + {_h('a.ai * 100 + c', 26)} %% {len(contact_names)}"

    def contacts():
        rows = _insert(
            Contact,
            {
                "account_id": "a.id",
                "name": f"(%(names)s::text[])[{person}]",
                "name_pinyin": f"(%(full)s::text[])[{person}]",
                "name_initials": f"(%(initials)s::text[])[{person}]",
                "title": title,
                "department": "CASE WHEN c = 1 THEN '总经办' WHEN c <= 3 THEN '运营中心' ELSE '采购部' END",
                "level": levels,
                "buying_role": "(ARRAY['decision_maker','influencer','champion','user',"
                "'gatekeeper'])[1 + (c - 1) %% 5]",
                "attitude": f"(ARRAY['supporter','neutral','opponent'])[1 + {_h('a.ai * 100 + c', 20)} %% 3]",
                "strength": f"1 + {_h('a.ai * 100 + c', 21)} %% 5",
                "email": "'c' || a.ai || '-' || c || '@example.com'",
                "phone": "'13' || lpad((a.ai * 100 + c)::text, 9, '0')",
                "wechat": "'wx_' || a.ai || '_' || c",
                "external_id": "'BC-' || c",
                "has_left": f"{_h('a.ai * 100 + c', 22)} %% 50 = 0",
                "notes": f"CASE WHEN {_h('a.ai * 100 + c', 23)} %% 3 = 0 THEN (%(sentences)s::text[])"
                f"[1 + {_h('a.ai * 100 + c', 27)} %% {len(SENTENCES)}] ELSE '' END",
            },
            "bench_account a CROSS JOIN LATERAL generate_series(1, a.nc) AS c",
            {**params, "names": contact_names, "full": contact_full,
             "initials": contact_initials, "titles": titles, "sentences": list(SENTENCES)},
        )  # fmt: skip
        # Org charts: decision makers report to the executive, the rest to a decision maker.
        _execute(
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
    key = "a.ai * 1000 + n"
    sentence = len(SENTENCES)

    def summary(expr):
        parts = [
            f"(%(sentences)s::text[])[1 + {_h(expr, 36 + part)} %% {sentence}]" for part in range(4)
        ]
        return (
            f"{parts[0]} || ' ' || {parts[1]} || CASE WHEN {_h(expr, 40)} %% 3 > 0"
            f" THEN ' ' || {parts[2]} ELSE '' END || CASE WHEN {_h(expr, 40)} %% 3 = 2"
            f" THEN ' ' || {parts[3]} ELSE '' END"
        )

    def visits():
        return _insert(
            Visit,
            {
                "account_id": "a.id",
                "kind": f"(ARRAY['onsite','call','meeting','executive_meeting','email','wechat',"
                f"'event'])[1 + {_h(key, 30)} %% 7]",
                "occurred_at": f"%(anchor)s::timestamptz - make_interval(mins => ({_h(key, 31)} %% {minutes})::int)",
                "logged_by_id": "a.owner_id",
                "purpose": _pick("purposes", key, 29, len(PURPOSES)),
                "summary": summary(key),
                "next_steps": f"CASE WHEN {_h(key, 28)} %% 2 = 0 THEN {_pick('next_steps', key, 27, len(NEXT_STEPS))} ELSE '' END",
                "sentiment": f"(ARRAY['positive','neutral','negative'])[1 + {_h(key, 32)} %% 3]",
                "next_visit_on": f"CASE WHEN {_h(key, 33)} %% 40 = 0"
                f" THEN %(today)s::date + ({_h(key, 34)} %% 60 - 30)::int END",
                "next_visit_owner_id": f"CASE WHEN {_h(key, 33)} %% 40 = 0 THEN a.owner_id END",
                "created_at": f"%(anchor)s::timestamptz - make_interval(mins => ({_h(key, 31)} %% {minutes})::int)",
            },
            "bench_account a CROSS JOIN LATERAL generate_series(1, a.nv) AS n",
            {**params, "purposes": list(PURPOSES), "sentences": list(SENTENCES),
             "next_steps": list(NEXT_STEPS)},
        )  # fmt: skip

    step("visits", visits)

    # a visit's stable number (its account's and its time's, not its id, which depends on
    # the sequences): what the contacts met, colleagues and comments are drawn from
    _execute(
        "CREATE TEMP TABLE bench_visit ON COMMIT DROP AS SELECT v.id, a.id AS account_id,"
        " a.nc, a.k, a.supervisor_id, a.owner_id, v.occurred_at,"
        " a.ai::bigint * 4000000 + extract(epoch FROM %(anchor)s::timestamptz - v.occurred_at)::bigint / 60 AS vk"
        " FROM accounts_visit v JOIN bench_account a ON a.id = v.account_id",
        params,
    )

    def visit_people():
        through = Visit.contacts.through._meta.db_table
        rows = _execute(
            f"INSERT INTO {through} (visit_id, contact_id) SELECT DISTINCT v.id, c.id"
            " FROM bench_visit v CROSS JOIN generate_series(0, 1) AS j"
            " JOIN accounts_contact c ON c.account_id = v.account_id AND c.external_id ="
            f" 'BC-' || (1 + ({_h('v.vk', 56)} + j) %% v.nc)"
            f" WHERE {_h('v.vk', 57)} %% 10 < CASE j WHEN 0 THEN 8 ELSE 3 END",
            params,
        )
        colleagues = Visit.colleagues.through._meta.db_table
        rows += _execute(
            f"INSERT INTO {colleagues} (visit_id, user_id) SELECT v.id,"
            f" CASE WHEN {_h('v.vk', 58)} %% 3 = 0 THEN v.supervisor_id ELSE o.id END"
            " FROM bench_visit v JOIN bench_kam o ON o.k = 1 + v.k %% %(kams)s"
            f" WHERE {_h('v.vk', 59)} %% 100 < 8 AND o.id <> v.owner_id",
            {**params, "kams": kams},
        )
        return rows

    step("visit contacts and colleagues", visit_people)

    def comments():
        return _insert(
            VisitComment,
            {
                "visit_id": "v.id",
                "author_id": "v.supervisor_id",
                "body": _pick("comments", "v.vk", 61, len(COMMENTS)),
                "created_at": "v.occurred_at + interval '1 day'",
            },
            f"bench_visit v WHERE {_h('v.vk', 60)} %% 100 < 5",
            {**params, "comments": list(COMMENTS)},
        )

    step("visit comments", comments)

    stages = list(Stage.objects.order_by("order").values_list("pk", "kind", "probability"))
    lines = list(ProductLine.objects.values_list("pk", flat=True))
    open_stages = [pk for pk, kind, _ in stages if kind == "open"]
    won = next(pk for pk, kind, _ in stages if kind == "won")
    lost = next(pk for pk, kind, _ in stages if kind == "lost")
    # 70 %% open spread over the open stages, 18 %% won, 12 %% lost.
    stage_pick = f"CASE WHEN {_h('i', 40)} %% 100 < 18 THEN %(won)s WHEN {_h('i', 40)} %% 100 < 30"
    stage_pick += f" THEN %(lost)s ELSE (%(open)s::bigint[])[1 + {_h('i', 41)} %% %(n_open)s] END"
    deal_names, deal_full, deal_initials = _names(DEALS)
    deal = f"1 + {_h('i', 39)} %% {len(DEALS)}"

    def opportunities():
        rows = _insert(
            Opportunity,
            {
                "account_id": "a.id",
                "name": f"(%(deals)s::text[])[{deal}]",
                "name_pinyin": f"(%(deal_full)s::text[])[{deal}]",
                "name_initials": f"(%(deal_initials)s::text[])[{deal}]",
                "type": f"(ARRAY['new_business','cross_sell','up_sell','renewal'])[1 + {_h('i', 42)} %% 4]",
                "product_line_id": f"(%(lines)s::bigint[])[1 + {_h('i', 43)} %% %(n_lines)s]",
                "amount": f"50000 + {_h('i', 44)} %% 5000000",
                "currency": "'CNY'",
                "expected_close_on": f"%(today)s::date + ({_h('i', 45)} %% 540 - 180)::int",
                "stage_id": "s.id",
                "probability": "s.probability",
                "stage_entered_at": f"%(anchor)s::timestamptz - make_interval(days => ({_h('i', 46)} %% 120)::int)",
                "owner_id": "a.owner_id",
                "close_reason": "CASE WHEN s.kind = 'open' THEN '' ELSE '价格与交期综合评估' END",
                "closed_on": f"CASE WHEN s.kind = 'open' THEN NULL"
                f" ELSE %(today)s::date - ({_h('i', 47)} %% 700)::int END",
                "created_at": f"%(anchor)s::timestamptz - make_interval(days => 120 + ({_h('i', 48)} %% 600)::int)",
            },
            # A and B accounts carry most of the pipeline: an account drawn twice, the
            # higher tier of the two kept
            f"generate_series(1, %(n)s) AS i JOIN bench_account a ON a.ai = CASE"
            f" WHEN {_h('i', 38)} %% 2 = 0 THEN 1 + {_h('i', 49)} %% %(accounts)s"
            f" ELSE 1 + {_h('i', 37)} %% %(accounts)s END"
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
                "deals": deal_names,
                "deal_full": deal_full,
                "deal_initials": deal_initials,
            },
        )
        # Stage history: every open stage up to the current one (all of them for a closed
        # deal), then the closing stage; one week per step after creation.
        _insert(
            OpportunityStageChange,
            {
                "opportunity_id": "o.id",
                "from_stage_id": 'lag(s.id) OVER (PARTITION BY o.id ORDER BY s."order")',
                "to_stage_id": "s.id",
                "changed_by_id": "o.owner_id",
                "changed_at": 'o.created_at + make_interval(days => s."order"::int * 7)',
            },
            "opportunities_opportunity o JOIN bench_account a ON a.id = o.account_id"
            " JOIN opportunities_stage cur ON cur.id = o.stage_id"
            " JOIN opportunities_stage s ON (s.kind = 'open' AND (cur.kind <> 'open'"
            ' OR s."order" <= cur."order")) OR s.id = cur.id',
            params,
        )
        return rows

    step("opportunities", opportunities)

    contract_titles, contract_full, contract_initials = _names(CONTRACT_TITLES)
    ckey = "a.ai * 10 + j"
    ctitle = f"1 + {_h(ckey, 63)} %% {len(CONTRACT_TITLES)}"
    starts = f"(%(today)s::date - ({_h(ckey, 64)} %% 1000)::int)"
    ends = f"({starts} + 365 * (1 + {_h(ckey, 65)} %% 3))"

    def contracts():
        return _insert(
            Contract,
            {
                "account_id": "a.id",
                "number": "'HT-BENCH-' || lpad(a.ai::text, 6, '0') || '-' || j",
                "title": f"(%(titles)s::text[])[{ctitle}]",
                "title_pinyin": f"(%(full)s::text[])[{ctitle}]",
                "title_initials": f"(%(initials)s::text[])[{ctitle}]",
                "amount": f"200000 + {_h(ckey, 66)} %% 20000000",
                "currency": "'CNY'",
                "starts_on": starts,
                "ends_on": ends,
                "status": f"CASE WHEN {ends} < %(today)s::date THEN 'expired'"
                f" ELSE (ARRAY['active','active','signed','in_review','draft'])[1 + {_h(ckey, 67)} %% 5] END",
                "payment_terms": "'月结 60 天，电汇 / Net 60, wire transfer'",
                "confidentiality": "'双方对合同内容及商业信息负有保密义务，期限五年。'",
                "file_reference": "'DMS/HT/' || a.ai || '/' || j",
                "created_by_id": "a.owner_id",
                "created_at": f"{starts}::timestamptz",
            },
            "bench_account a CROSS JOIN generate_series(1, 3) AS j"
            f" WHERE j <= CASE a.tier WHEN 'A' THEN 3 WHEN 'B' THEN 2"
            f" WHEN 'C' THEN {_h('a.ai', 68)} %% 2 ELSE 0 END",
            {**params, "titles": contract_titles, "full": contract_full,
             "initials": contract_initials},
        )  # fmt: skip

    step("contracts", contracts)

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
            " CROSS JOIN LATERAL (SELECT (date_trunc('month', %(today)s::date)"
            " - make_interval(months => n))::date AS m) mm",
            {**params, "months": scale.actual_months},
        )

    step("actuals", actuals)

    def plans():
        rows = _insert(
            AccountPlan,
            {
                "account_id": "a.id",
                "year": "extract(year FROM %(today)s::date)::int",
                "status": f"(ARRAY['draft','submitted','approved','approved'])[1 + {_h('a.ai', 60)} %% 4]",
                "objectives": "'提升钱包份额，巩固在液压与自动化产品线的首选供应商地位。"
                " Grow share of wallet and win the new plant''s automation tender.'",
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
        rows += _insert(
            ActionItem,
            {
                "plan_id": "p.id",
                "title": _pick("titles", "a.ai * 10 + j", 70, len(ACTION_TITLES)),
                "owner_id": "a.owner_id",
                "due_on": f"%(today)s::date + ({_h('a.ai * 10 + j', 71)} %% 150 - 60)::int",
                "status": f"(ARRAY['open','open','in_progress','done','blocked'])[1 + {_h('a.ai * 10 + j', 72)} %% 5]",
                "department": f"(ARRAY['product','technical','after_sales','supply_chain','finance','legal'])[1 + {_h('a.ai * 10 + j', 73)} %% 6]",
                "note": _pick("sentences", "a.ai * 10 + j", 74, len(SENTENCES)),
                "created_by_id": "a.owner_id",
            },
            "plans_accountplan p JOIN bench_account a ON a.id = p.account_id"
            f" CROSS JOIN generate_series(1, 8) AS j WHERE j <= 2 + {_h('a.ai', 75)} %% 7",
            {**params, "titles": list(ACTION_TITLES), "sentences": list(SENTENCES)},
        )
        return rows

    step("plans and action items", plans)

    def service():
        rows = _insert(
            Complaint,
            {
                "account_id": "a.id",
                "received_at": f"%(anchor)s::timestamptz - make_interval(hours => ({_h('i', 70)} %% 8760)::int)",
                "channel": f"(ARRAY['phone','email','wechat','visit'])[1 + {_h('i', 71)} %% 4]",
                "category": f"(ARRAY['quality','delivery','service','billing','communication'])"
                f"[1 + {_h('i', 72)} %% 5]",
                "severity": f"(ARRAY['low','normal','normal','high','critical'])[1 + {_h('i', 73)} %% 5]",
                "description": _pick("sentences", "i", 78, len(SENTENCES)),
                "owner_id": "a.owner_id",
                "response_due": f"%(anchor)s::timestamptz - make_interval(hours => ({_h('i', 70)} %% 8760)::int - 24)",
                "status": f"CASE WHEN {_h('i', 74)} %% 100 < 90 THEN 'closed'"
                f" WHEN {_h('i', 74)} %% 100 < 95 THEN 'responded' ELSE 'open' END",
                "first_response_at": f"CASE WHEN {_h('i', 74)} %% 100 < 95 THEN %(anchor)s::timestamptz"
                f" - make_interval(hours => ({_h('i', 70)} %% 8760)::int - 6) END",
                "closed_at": f"CASE WHEN {_h('i', 74)} %% 100 < 90 THEN %(anchor)s::timestamptz"
                f" - make_interval(hours => ({_h('i', 70)} %% 8760)::int - 72) END",
                "root_cause": f"(ARRAY['product','process','logistics','people'])[1 + {_h('i', 75)} %% 4]",
                "satisfaction": f"CASE WHEN {_h('i', 74)} %% 100 < 90 THEN 1 + {_h('i', 76)} %% 5 END",
            },
            f"generate_series(1, %(n)s) AS i JOIN bench_account a ON a.ai = 1 + {_h('i', 77)} %% %(accounts)s",
            {**params, "n": scale.accounts // 4, "accounts": scale.accounts,
             "sentences": list(SENTENCES)},
        )  # fmt: skip
        rows += _insert(
            Survey,
            {
                "account_id": "a.id",
                "taken_on": f"%(today)s::date - ({_h('i', 80)} %% 1000)::int",
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
                "description": _pick("sentences", "i", 94, len(SENTENCES)),
                "owner_id": "a.owner_id",
                "status": f"(ARRAY['open','mitigating','closed','closed'])[1 + {_h('i', 92)} %% 4]",
            },
            f"generate_series(1, %(n)s) AS i JOIN bench_account a ON a.ai = 1 + {_h('i', 93)} %% %(accounts)s",
            {**params, "n": scale.accounts // 10, "accounts": scale.accounts,
             "sentences": list(SENTENCES)},
        )  # fmt: skip
        return rows

    step("service", service)

    def candidates():
        # the candidate pool: ten candidates per account (200,000 at the large scale), spread
        # over the teams, revenue skewed (most small, a few large), gross margin 5–35 %
        from candidates.models import Candidate

        revenue = f"(10000 + ({_h('i', 120)} %% 1000) ^ 2 * 50)"
        return _insert(
            Candidate,
            {
                "name": "'候选客户 ' || i",
                "external_id": f"'{PREFIX}C' || i",
                "industry": f"(ARRAY['manufacturing','automotive','electronics','energy',"
                f"'chemicals','healthcare','retail','logistics'])[1 + {_h('i', 121)} %% 8]",
                "region": f"(ARRAY['east','north','south','central','southwest','northwest',"
                f"'northeast','overseas'])[1 + {_h('i', 122)} %% 8]",
                "team_id": "t.id",
                "revenue": f"{revenue}::numeric(16, 2)",
                "gross_profit": f"({revenue} * (5 + {_h('i', 123)} %% 31) / 100)::numeric(16, 2)",
            },
            "generate_series(1, %(n)s) AS i JOIN kam_team t"
            " ON t.name = 'Bench team ' || lpad((1 + i %% %(teams)s)::text, 2, '0')",
            {**params, "n": scale.accounts * CANDIDATES_PER_ACCOUNT, "teams": scale.teams},
        )

    step("candidates", candidates)
    step("history", lambda: _history(params, kams))
    return timings


def _history(params, kams) -> int:
    """The change history the population would have had (its triggers were off): each
    account's, contact's, opportunity's, plan's and contract's creation, and for three
    accounts in ten a later change of owner and status (the creation's snapshot holds the
    earlier values)."""
    from audit import models as events

    rows = 0
    tracked = (
        (events.AccountEvent, "a.id", "a.created_at"),
        (events.ContactEvent, "t.account_id", "t.created_at"),
        (events.OpportunityEvent, "t.account_id", "t.created_at"),
        (events.AccountPlanEvent, "t.account_id", "%(anchor)s::timestamptz - interval '60 days'"),
        (events.ContractEvent, "t.account_id", "t.created_at"),
    )
    changed = f"{_h('a.ai', 95)} %% 10 < 3"
    for event_model, account, created in tracked:
        tracked_model = event_model.pgh_tracked_model
        table = connection.ops.quote_name(tracked_model._meta.db_table)
        snapshot = {}
        for field in event_model._meta.concrete_fields:
            if field.column.startswith("pgh_") or field.primary_key:
                continue
            snapshot[field.column] = f"t.{connection.ops.quote_name(field.column)}"
        source = f"{table} t JOIN bench_account a ON a.id = {account}"
        if tracked_model._meta.db_table == "accounts_account":
            source = f"{table} t JOIN bench_account a ON a.id = t.id"
            first = {
                **snapshot,
                "owner_id": f"CASE WHEN {changed} THEN o.id ELSE t.owner_id END",
                "status": f"CASE WHEN {changed} THEN 'prospect' ELSE t.status END",
            }
            rows += _insert(
                event_model,
                {**first, "pgh_obj_id": "t.id", "pgh_label": "'insert'",
                 "pgh_created_at": created},
                f"{source} JOIN bench_kam o ON o.k = 1 + a.k %% %(kams)s",
                {**params, "kams": kams},
            )  # fmt: skip
            rows += _insert(
                event_model,
                {**snapshot, "pgh_obj_id": "t.id", "pgh_label": "'update'",
                 "pgh_created_at": f"{created} + interval '20 days'"},
                f"{source} WHERE {changed}",
                params,
            )  # fmt: skip
            continue
        rows += _insert(
            event_model,
            {**snapshot, "pgh_obj_id": "t.id", "pgh_label": "'insert'", "pgh_created_at": created},
            source,
            params,
        )
    return rows


#: the dates reanchor() moves: (table, column, bench rows' condition on the table as t)
BENCH_ROWS = "t.account_id IN (SELECT id FROM accounts_account WHERE external_id LIKE 'BENCH-%%')"
DATED = (
    ("accounts_visit", ("occurred_at", "next_visit_on", "created_at"), BENCH_ROWS),
    ("accounts_visitcomment", ("created_at",),
     "t.visit_id IN (SELECT v.id FROM accounts_visit v JOIN accounts_account a"
     " ON a.id = v.account_id WHERE a.external_id LIKE 'BENCH-%%')"),
    ("opportunities_opportunity",
     ("expected_close_on", "stage_entered_at", "closed_on", "created_at"), BENCH_ROWS),
    ("opportunities_opportunitystagechange", ("changed_at",),
     "t.opportunity_id IN (SELECT o.id FROM opportunities_opportunity o JOIN accounts_account a"
     " ON a.id = o.account_id WHERE a.external_id LIKE 'BENCH-%%')"),
    ("opportunities_contract", ("starts_on", "ends_on"), BENCH_ROWS),
    ("accounts_complaint",
     ("received_at", "response_due", "first_response_at", "closed_at"), BENCH_ROWS),
    ("accounts_survey", ("taken_on",), BENCH_ROWS),
    ("plans_actionitem", ("due_on",),
     "t.plan_id IN (SELECT p.id FROM plans_accountplan p JOIN accounts_account a"
     " ON a.id = p.account_id WHERE a.external_id LIKE 'BENCH-%%')"),
)  # fmt: skip


def reanchor(log=print) -> int:
    """Move the bench population's dates forward by the whole days since it was seeded (or
    last re-anchored), so that "the last 30 days", overdue revisits and renewals look the
    same on any later day. Returns the days moved (0: seeded today). Monthly actuals and
    the plans' year stay as seeded."""
    from kam.models import User

    executive = User.objects.filter(username="bench.exec").first()
    if executive is None:
        return 0
    days = (timezone.localdate() - timezone.localdate(executive.date_joined)).days
    if days <= 0:
        return 0
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:  # a bulk correction, not edits: no history rows
            cursor.execute("SET LOCAL session_replication_role = replica")
        for table, columns, condition in DATED:
            moves = ", ".join(
                f"{column} = {column} + %(days)s * interval '1 day'" for column in columns
            )
            cursor.execute(f"UPDATE {table} t SET {moves} WHERE {condition}", {"days": days})
        User.objects.filter(pk=executive.pk).update(
            date_joined=executive.date_joined + timedelta(days=days)
        )
    log(f"re-anchored the bench dates by {days} days in {time.perf_counter() - started:.1f} s")
    return days


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
