"""Demo data: teams, supervisors, KAMs and their key accounts.

Idempotent: a second run finds the demo users and changes nothing.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.choices import (
    AccountStatus,
    AccountTeamRole,
    Attitude,
    BuyingRole,
    ContactLevel,
    CreditRating,
    Industry,
    Region,
    Sentiment,
    VisitKind,
)
from accounts.health.models import HealthStatus
from accounts.health.services import health_check_run
from accounts.models import Account, AccountTeamMember, Contact, Visit
from accounts.service.models import (
    ComplaintCategory,
    ComplaintChannel,
    RiskLevel,
    RiskType,
    Severity,
)
from accounts.service.services import complaint_record, complaint_respond, risk_raise, survey_record
from accounts.tiering.services import accounts_score
from accounts.validators import CREDIT_CODE_CHARSET, credit_code_check_char
from config.bench_seed import SCALES, analyze, bench_seeded, seed_scale
from config.demo import DEMO_PASSWORD
from kam import services
from kam.choices import Role
from kam.models import User
from opportunities.choices import OpportunityType, StageKind
from opportunities.models import ProductLine, Stage
from opportunities.services import opportunity_create, opportunity_move_stage
from plans.services import (
    action_item_create,
    actuals_upsert,
    plan_approve,
    plan_create,
    plan_submit,
)
from workreports.drafts import work_reports_draft

NAMES = {
    "en": {
        "people": {
            "ops": "Olivia Park",
            "ceo": "Edward Grant",
            "sup.east": "Susan Wright",
            "sup.south": "Samuel Brooks",
            "kam.li": "Kevin Li",
            "kam.wang": "Karen Wang",
            "kam.zhao": "Kyle Zhao",
            "kam.chen": "Kate Chen",
            "kam.liu": "Ken Liu",
        },
        "teams": {"sup.east": "East China KA", "sup.south": "South China KA"},
        "companies": [
            "Northwind Steel Group",
            "Harbor Logistics",
            "Sunrise Pharmaceuticals",
            "Bluewave Electronics",
            "Golden Grain Foods",
            "Summit Automotive Parts",
            "Pacific Energy",
            "Evergreen Retail",
            "Silverline Telecom",
            "Jade River Chemicals",
            "Apex Machinery",
            "Lotus Textiles",
            "Crescent Hospitals",
            "Orient Shipping",
            "Great Wall Construction",
            "Pearl Delta Semiconductors",
            "Skyline Airlines",
            "Redstone Mining",
            "Willow Home Appliances",
            "Phoenix Medical Devices",
        ],
    },
    "zh": {
        "people": {
            "ops": "欧阳敏",
            "ceo": "高建国",
            "sup.east": "苏晓燕",
            "sup.south": "孙伟",
            "kam.li": "李强",
            "kam.wang": "王芳",
            "kam.zhao": "赵磊",
            "kam.chen": "陈静",
            "kam.liu": "刘洋",
        },
        "teams": {"sup.east": "华东大客户部", "sup.south": "华南大客户部"},
        "companies": [
            "北方钢铁集团",
            "港湾物流股份",
            "朝阳制药",
            "蓝波电子科技",
            "金穗食品",
            "峰汇汽车零部件",
            "太平洋能源",
            "常青零售连锁",
            "银线通信",
            "玉河化工",
            "巅峰机械",
            "莲花纺织",
            "新月医疗集团",
            "东方航运",
            "长城建设集团",
            "珠三角半导体",
            "天际航空",
            "红石矿业",
            "柳岸家电",
            "凤凰医疗器械",
        ],
    },
}

TEAMS = {"sup.east": ["kam.li", "kam.wang", "kam.zhao"], "sup.south": ["kam.chen", "kam.liu"]}

#: each demo company's industry and city, in the order of NAMES' company lists: the
#: industry matches the name (a telecom is in telecom, a parts maker in automotive)
COMPANY_FACTS = (
    (Industry.CHEMICALS, "tianjin"),  # Northwind Steel Group: materials
    (Industry.LOGISTICS, "shanghai"),
    (Industry.HEALTHCARE, "suzhou"),
    (Industry.ELECTRONICS, "shenzhen"),
    (Industry.RETAIL, "wuhan"),  # Golden Grain Foods: consumer goods
    (Industry.AUTOMOTIVE, "guangzhou"),
    (Industry.ENERGY, "beijing"),
    (Industry.RETAIL, "hangzhou"),
    (Industry.TELECOM, "beijing"),
    (Industry.CHEMICALS, "shanghai"),
    (Industry.MANUFACTURING, "shenyang"),
    (Industry.MANUFACTURING, "hangzhou"),  # Lotus Textiles
    (Industry.HEALTHCARE, "chengdu"),  # Crescent Hospitals
    (Industry.LOGISTICS, "shanghai"),  # Orient Shipping
    (Industry.CONSTRUCTION, "beijing"),
    (Industry.ELECTRONICS, "shenzhen"),  # Pearl Delta Semiconductors
    (Industry.LOGISTICS, "chengdu"),  # Skyline Airlines: transport
    (Industry.CHEMICALS, "xian"),  # Redstone Mining: materials
    (Industry.MANUFACTURING, "guangzhou"),  # Willow Home Appliances
    (Industry.HEALTHCARE, "suzhou"),  # Phoenix Medical Devices
)
#: city: region, Chinese district and street, English district and street, coordinates
CITIES = {
    "shanghai": (
        Region.EAST,
        "上海市浦东新区",
        "张江路",
        "Pudong, Shanghai",
        "Zhangjiang Road",
        31.2049,
        121.5986,
    ),
    "suzhou": (
        Region.EAST,
        "江苏省苏州市工业园区",
        "星湖街",
        "Suzhou Industrial Park",
        "Xinghu Street",
        31.2989,
        120.7153,
    ),
    "hangzhou": (
        Region.EAST,
        "浙江省杭州市滨江区",
        "江南大道",
        "Binjiang, Hangzhou",
        "Jiangnan Avenue",
        30.2084,
        120.2120,
    ),
    "shenzhen": (
        Region.SOUTH,
        "广东省深圳市南山区",
        "科技园路",
        "Nanshan, Shenzhen",
        "Keji Park Road",
        22.5405,
        113.9530,
    ),
    "guangzhou": (
        Region.SOUTH,
        "广东省广州市黄埔区",
        "开创大道",
        "Huangpu, Guangzhou",
        "Kaichuang Avenue",
        23.1700,
        113.4800,
    ),
    "beijing": (
        Region.NORTH,
        "北京市朝阳区",
        "建国路",
        "Chaoyang, Beijing",
        "Jianguo Road",
        39.9087,
        116.4600,
    ),
    "tianjin": (
        Region.NORTH,
        "天津市滨海新区",
        "黄海路",
        "Binhai, Tianjin",
        "Huanghai Road",
        39.0300,
        117.7100,
    ),
    "wuhan": (
        Region.CENTRAL,
        "湖北省武汉市东湖高新区",
        "光谷大道",
        "Optics Valley, Wuhan",
        "Guanggu Avenue",
        30.4800,
        114.4100,
    ),
    "chengdu": (
        Region.SOUTHWEST,
        "四川省成都市高新区",
        "天府大道",
        "High-tech Zone, Chengdu",
        "Tianfu Avenue",
        30.5500,
        104.0600,
    ),
    "xian": (
        Region.NORTHWEST,
        "陕西省西安市高新区",
        "锦业路",
        "High-tech Zone, Xi'an",
        "Jinye Road",
        34.1900,
        108.8700,
    ),
    "shenyang": (
        Region.NORTHEAST,
        "辽宁省沈阳市铁西区",
        "北二路",
        "Tiexi, Shenyang",
        "Bei'er Road",
        41.8000,
        123.3700,
    ),
}
#: what each kind of visit purpose can be (a dinner is not a call), in VISITS' order
VISIT_KINDS = (
    (VisitKind.ONSITE, VisitKind.MEETING),  # quarterly business review
    (VisitKind.ONSITE, VisitKind.MEETING, VisitKind.EVENT),  # product introduction
    (VisitKind.MEETING, VisitKind.ONSITE),  # price negotiation
    (VisitKind.CALL, VisitKind.ONSITE, VisitKind.WECHAT),  # complaint follow-up
    (VisitKind.EXECUTIVE_MEETING,),  # executive lunch
    (VisitKind.ONSITE, VisitKind.MEETING),  # technical workshop
    (VisitKind.MEETING, VisitKind.CALL, VisitKind.EMAIL),  # contract renewal
)
#: an approved plan's analysis and first actions (SWOT lists, action titles)
PLAN_CONTENT = {
    "en": {
        "strengths": [
            "Sole supplier on two production lines",
            "Strong ties with the plant manager",
        ],
        "weaknesses": ["Lead times longer than the competition", "No presence at the new site yet"],
        "opportunities": [
            "New plant planned for next year",
            "Spare-parts framework contract up for tender",
        ],
        "threats": [
            "A local competitor pricing 8% lower",
            "Procurement centralised at group level",
        ],
        "actions": [
            "Executive visit to the new plant site",
            "Propose a spare-parts framework contract",
            "Quarterly business review with procurement",
        ],
    },
    "zh": {
        "strengths": ["两条产线的独家供应商", "与厂长关系稳固"],
        "weaknesses": ["交期长于竞争对手", "尚未进入新厂区"],
        "opportunities": ["明年新建工厂", "备件框架合同即将招标"],
        "threats": ["本地竞争对手报价低 8%", "采购权上收至集团"],
        "actions": ["高层走访新厂区", "提交备件框架合同方案", "与采购部开展季度业务回顾"],
    },
}

PEOPLE = {
    "en": {
        "surnames": [
            "Zhang",
            "Wang",
            "Li",
            "Zhao",
            "Chen",
            "Liu",
            "Yang",
            "Huang",
            "Zhou",
            "Wu",
            "Xu",
            "Sun",
            "Ma",
            "Zhu",
            "Hu",
            "Guo",
            "He",
            "Lin",
            "Gao",
            "Luo",
        ],
        "given": [
            "Wei",
            "Fang",
            "Min",
            "Jing",
            "Lei",
            "Jun",
            "Yan",
            "Tao",
            "Ming",
            "Hui",
            "Qiang",
            "Li",
            "Xin",
            "Bo",
            "Ning",
            "Yu",
            "Hao",
            "Lin",
            "Kai",
            "Dan",
        ],
        "titles": {
            "executive": ["Chairman", "CEO", "General Manager", "CFO"],
            "decision": [
                "Procurement Director",
                "Technical Director",
                "Plant Manager",
                "Supply Chain Director",
                "Quality Director",
            ],
            "execution": [
                "Purchasing Manager",
                "Buyer",
                "Process Engineer",
                "Quality Engineer",
                "Warehouse Supervisor",
                "Project Manager",
            ],
        },
        "departments": {
            "executive": "Management",
            "decision": "Operations",
            "execution": "Procurement",
        },
        "visits": [
            (
                "Quarterly business review",
                "Reviewed delivery and quality for the quarter; "
                "customer asked for faster lead times on spare parts.",
            ),
            (
                "New product line introduction",
                "Presented the new product line; engineering "
                "wants samples for a trial run next month.",
            ),
            (
                "Price negotiation",
                "Discussed the annual price adjustment; they expect a volume "
                "rebate above 5 million.",
            ),
            (
                "Complaint follow-up",
                "Followed up on the late delivery; agreed a corrective plan with logistics.",
            ),
            (
                "Executive lunch",
                "Lunch with the management team; good atmosphere, they "
                "mentioned a new plant being planned.",
            ),
            (
                "Technical workshop",
                "Joint workshop with their engineers on process "
                "optimisation; two improvement ideas to cost.",
            ),
            (
                "Contract renewal",
                "Walked through the renewal terms; legal review on their "
                "side expected in two weeks.",
            ),
        ],
    },
    "zh": {
        "surnames": [
            "张",
            "王",
            "李",
            "赵",
            "陈",
            "刘",
            "杨",
            "黄",
            "周",
            "吴",
            "徐",
            "孙",
            "马",
            "朱",
            "胡",
            "郭",
            "何",
            "林",
            "高",
            "罗",
        ],
        "given": [
            "伟",
            "芳",
            "敏",
            "静",
            "磊",
            "军",
            "燕",
            "涛",
            "明",
            "慧",
            "强",
            "丽",
            "鑫",
            "波",
            "宁",
            "宇",
            "浩",
            "琳",
            "凯",
            "丹",
        ],
        "titles": {
            "executive": ["董事长", "总经理", "副总经理", "财务总监"],
            "decision": ["采购总监", "技术总监", "厂长", "供应链总监", "质量总监"],
            "execution": [
                "采购经理",
                "采购专员",
                "工艺工程师",
                "质量工程师",
                "仓储主管",
                "项目经理",
            ],
        },
        "departments": {"executive": "总经办", "decision": "运营中心", "execution": "采购部"},
        "visits": [
            ("季度业务回顾", "回顾本季度交付与质量情况；客户希望缩短备件交期。"),
            ("新产品线推介", "介绍新产品线；对方技术部希望下月拿样试产。"),
            ("年度价格谈判", "沟通年度调价；对方期望采购额超过 500 万后给予返利。"),
            ("投诉跟进", "跟进延迟交货问题；与物流部门商定整改方案。"),
            ("高层商务午餐", "与对方管理层共进午餐，气氛良好，对方提到正在筹建新工厂。"),
            ("技术交流会", "与对方工程师联合研讨工艺优化，形成两项改进建议待核算成本。"),
            ("合同续签沟通", "逐条沟通续约条款；对方法务预计两周内完成审核。"),
        ],
    },
}


def credit_code(rng) -> str:
    """A well-formed unified social credit code (valid check digit)."""
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6))
    body += "".join(rng.choice(CREDIT_CODE_CHARSET[:10] + "ABCDEFGH") for _ in range(9))
    return body + credit_code_check_char(body)


#: demo product lines: code, English name, Chinese name
PRODUCT_LINES = (
    ("hydraulics", "Hydraulics", "液压系统"),
    ("automation", "Automation", "自动化控制"),
    ("spares", "Spare parts", "备品备件"),
    ("service", "Field service", "现场服务"),
)


class Command(BaseCommand):
    help = "Load demo teams, users and key accounts (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--lang", choices=["en", "zh"], default="en")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--scale",
            choices=["demo", *SCALES],
            default="demo",
            help="Add the benchmark population (large: 20,000 accounts, a million visits).",
        )
        parser.add_argument(
            "--any-database",
            action="store_true",
            help="Allow --scale on a database whose name does not end in 'bench'.",
        )

    def handle(self, *args, lang, seed, scale="demo", any_database=False, **options):
        if scale != "demo":
            name = connection.settings_dict["NAME"]
            if not any_database and not name.endswith("bench"):
                raise CommandError(f"--scale seeds a database of its own (*bench), not {name!r}.")
        self.seed_demo(lang=lang, seed=seed)
        if scale != "demo":
            if bench_seeded():
                self.stdout.write("Benchmark data already present; nothing to do.")
                return
            self.stdout.write(f"Seeding the {scale} benchmark population (seed {seed}) ...")
            seed_scale(scale, seed=seed, log=self.stdout.write)
            analyze()

    @transaction.atomic
    def seed_demo(self, *, lang, seed):
        if User.objects.filter(username="ops").exists():
            self.stdout.write("Demo data already present; nothing to do.")
            return
        names = NAMES[lang]
        rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
        language = "zh-hans" if lang == "zh" else "en"

        def person(username, role):
            return services.user_create(
                actor=None,
                username=username,
                full_name=names["people"][username],
                email=f"{username}@example.com",
                role=role,
                language=language,
                password=DEMO_PASSWORD,
            )

        person("ops", Role.ADMIN)
        person("ceo", Role.EXECUTIVE)
        kams = []
        for supervisor_name, members in TEAMS.items():
            supervisor = person(supervisor_name, Role.SUPERVISOR)
            team_members = [person(name, Role.ACCOUNT_MANAGER) for name in members]
            kams.extend(team_members)
            services.team_create(
                actor=None,
                name=names["teams"][supervisor_name],
                supervisor=supervisor,
                members=team_members,
            )

        accounts = self._accounts(names, kams, rng)
        contacts = self._org_charts(accounts, lang, rng)
        visits = self._visits(accounts, contacts, kams, rng)
        ops = User.objects.get(username="ops")
        actuals = self._actuals(accounts, ops, rng)
        opportunities = self._pipeline(accounts, lang, ops, rng)
        plans = self._plans(accounts, lang, rng)
        complaints = self._service(accounts, lang, rng)
        accounts_score()
        health_check_run()
        self._status_from_health(accounts)
        # the latest week's report of each KAM, drafted as on its Friday (My reports)
        work_reports_draft(kind="week", force=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {User.objects.count()} users, {len(accounts)} accounts, "
                f"{len(contacts)} contacts, {visits} visits, {actuals} monthly actuals, "
                f"{opportunities} opportunities, {plans} account plans, "
                f"{complaints} complaints."
            )
        )

    @staticmethod
    def _status_from_health(accounts):
        """An account is "at risk" when its health says so (red), and a healthy one is
        not: the lifecycle status agrees with the health score people see beside it."""
        ids = [account.pk for account in accounts]
        Account.objects.filter(pk__in=ids, health_status=HealthStatus.RED).exclude(
            status=AccountStatus.PROSPECT
        ).update(status=AccountStatus.AT_RISK)
        Account.objects.filter(pk__in=ids, status=AccountStatus.AT_RISK).exclude(
            health_status=HealthStatus.RED
        ).update(status=AccountStatus.MATURE)

    def _actuals(self, accounts, ops, rng):
        """Twelve months of ERP figures for three accounts in four: what tiering reads."""
        today = timezone.localdate()
        rows = []
        for account in accounts:
            if rng.random() < 0.25:
                continue  # no ERP data yet: tiering uses the estimate
            monthly = account.annual_revenue_estimate / 12
            for back in range(1, 13):
                year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
                revenue = (monthly * Decimal(rng.uniform(0.6, 1.4))).quantize(Decimal("0.01"))
                margin = account.gross_margin_estimate / 100
                rows.append(
                    {
                        "external_id": account.external_id,
                        "year": year,
                        "month": month + 1,
                        "revenue": revenue,
                        "gross_profit": (revenue * margin).quantize(Decimal("0.01")),
                        "invoiced": revenue,
                        "collected": (revenue * Decimal("0.9")).quantize(Decimal("0.01")),
                        "overdue_1_30": (revenue * Decimal("0.05")).quantize(Decimal("0.01"))
                        if back == 1
                        else 0,
                    }
                )
        return actuals_upsert(actor=ops, rows=rows, source="demo")

    def _pipeline(self, accounts, lang, ops, rng):
        """Product lines and a few open, won and lost opportunities per account."""
        lines = [
            ProductLine.objects.get_or_create(
                code=code, defaults={"name": name, "name_zh": name_zh, "order": order}
            )[0]
            for order, (code, name, name_zh) in enumerate(PRODUCT_LINES)
        ]
        stages = list(Stage.objects.filter(is_active=True).order_by("order"))
        open_stages = [stage for stage in stages if stage.kind == StageKind.OPEN]
        won = next(stage for stage in stages if stage.kind == StageKind.WON)
        lost = next(stage for stage in stages if stage.kind == StageKind.LOST)
        today = timezone.localdate()
        count = 0
        for account in accounts:
            for _index in range(rng.randint(1, 3)):
                line = rng.choice(lines)
                kind = rng.choice(OpportunityType.values)
                opportunity = opportunity_create(
                    actor=ops,
                    account=account,
                    name=f"{line.name_zh if lang == 'zh' else line.name} · {account.name}",
                    type=kind,
                    product_line=line,
                    amount=Decimal(rng.randrange(2, 80)) * 100_000,
                    expected_close_on=today + timedelta(days=rng.randint(-30, 270)),
                    owner=account.owner,
                    stage=rng.choice(open_stages),
                )
                outcome = rng.random()
                if outcome < 0.2:
                    reason = "Best total cost" if lang == "en" else "综合成本最优"
                    opportunity_move_stage(
                        actor=ops, opportunity=opportunity, stage=won, reason=reason
                    )
                elif outcome < 0.3:
                    reason = "Lost on price" if lang == "en" else "价格不占优"
                    opportunity_move_stage(
                        actor=ops, opportunity=opportunity, stage=lost, reason=reason
                    )
                count += 1
        return count

    def _service(self, accounts, lang, rng):
        """A few complaints at different steps, a survey per account, two risks."""
        now = timezone.now()
        zh = lang == "zh"
        texts = [
            ("Late delivery of the March batch", "三月批次交货延迟"),
            ("Invoice amounts do not match the order", "发票金额与订单不符"),
            ("Surface defects on the last shipment", "上批货物表面有瑕疵"),
            ("No answer from the service hotline", "服务热线无人应答"),
        ]
        count = 0
        for index, account in enumerate(accounts[:6]):
            text = texts[index % len(texts)][1 if zh else 0]
            complaint = complaint_record(
                actor=account.owner,
                account=account,
                received_at=now - timedelta(hours=rng.choice([1, 3, 20, 30, 50])),
                channel=rng.choice(ComplaintChannel.values),
                category=rng.choice(ComplaintCategory.values),
                severity=rng.choice(Severity.values),
                description=text,
            )
            count += 1
            if index % 3 == 0:
                continue  # still waiting for an answer
            complaint_respond(
                actor=account.owner,
                complaint=complaint,
                response="Called the buyer; a fix is on the way."
                if not zh
                else "已致电采购，正在处理。",
            )
        for account in accounts:
            survey_record(
                actor=account.owner,
                account=account,
                taken_on=(now - timedelta(days=rng.randint(5, 90))).date(),
                nps=rng.choice([3, 6, 7, 8, 9, 9, 10]),
                csat=rng.randint(3, 5),
            )
        for account, kind in zip(accounts[:2], (RiskType.COMPETITOR, RiskType.CREDIT), strict=True):
            risk_raise(
                actor=account.owner,
                account=account,
                type=kind,
                level=RiskLevel.HIGH,
                description="A competitor offers 8% lower prices."
                if not zh
                else "竞争对手报价低 8%。",
                mitigation="Value workshop with the plant manager."
                if not zh
                else "与厂长开展价值研讨会。",
            )
        return count

    def _plans(self, accounts, lang, rng):
        """This year's plan for the five largest accounts: four approved, one draft."""
        year = timezone.localdate().year
        largest = sorted(accounts, key=lambda a: a.annual_revenue_estimate, reverse=True)[:5]
        content = PLAN_CONTENT[lang]
        for index, account in enumerate(largest):
            quarter = (account.annual_revenue_estimate / 4).quantize(Decimal("1"))
            targets = {q: {"revenue": quarter, "new_business": 0} for q in (1, 2, 3, 4)}
            plan = plan_create(
                actor=account.owner,
                account=account,
                year=year,
                revenue_target=quarter * 4,
                new_business_target=Decimal(0),
                objectives="Grow share of wallet; secure the framework contract."
                if lang == "en"
                else "提升钱包份额，签下年度框架合同。",
                targets=targets,
                **{
                    key: content[key]
                    for key in ("strengths", "weaknesses", "opportunities", "threats")
                },
            )
            for month, title in enumerate(content["actions"], start=1):
                action_item_create(
                    actor=account.owner,
                    plan=plan,
                    title=title,
                    due_on=timezone.localdate() + timedelta(days=30 * month),
                )
            if index < 4:
                plan_submit(actor=account.owner, plan=plan)
                supervisor = User.objects.filter(led_teams__memberships__user=account.owner)[0]
                plan_approve(actor=supervisor, plan=plan)
        return len(largest)

    def _accounts(self, names, kams, rng):
        companies = list(zip(names["companies"], COMPANY_FACTS, strict=True))
        rng.shuffle(companies)
        zh = not names["companies"][0].isascii()
        today = timezone.localdate()
        statuses = [AccountStatus.MATURE] * 4 + [AccountStatus.DEVELOPING] * 2
        statuses += [AccountStatus.AT_RISK, AccountStatus.PROSPECT]
        accounts = Account.objects.bulk_create(
            [
                Account(
                    name=company,
                    legal_name=company + (" Co., Ltd." if company.isascii() else "有限公司"),
                    credit_code=credit_code(rng),
                    external_id=f"ERP-{10001 + index}",
                    owner=kams[index % len(kams)],
                    industry=industry,
                    region=CITIES[city][0],
                    **self._address(city, index, zh),
                    status=rng.choice(statuses),
                    is_industry_leader=index % 4 == 0,
                    is_reference_customer=index % 5 == 1,
                    has_channel_value=index % 7 == 2,
                    cooperation_since=today - timedelta(days=365 * rng.randint(1, 12)),
                    credit_rating=rng.choice(CreditRating.values[:5]),
                    credit_limit=Decimal(rng.randrange(1, 50)) * 1_000_000,
                    estimated_wallet=Decimal(rng.randrange(5, 300)) * 1_000_000,
                    # A few large accounts carry most of the revenue, as in real books.
                    annual_revenue_estimate=Decimal(round(rng.paretovariate(1.1) * 2_000_000, -4)),
                    gross_margin_estimate=Decimal(rng.randrange(800, 3500)) / 100,
                    growth_potential=rng.randint(1, 5),
                    tags=rng.sample(["steel", "export", "ISO9001", "key-project", "SOE"], 2),
                )
                for index, (company, (industry, city)) in enumerate(companies)
            ]
        )
        # A group: the first account of the first KAM heads two subsidiaries of the same owner.
        first_owner = accounts[0].owner
        same_owner = [account for account in accounts if account.owner == first_owner]
        for child in same_owner[1:3]:
            child.parent = same_owner[0]
        Account.objects.bulk_update(same_owner[1:3], ["parent"])
        AccountTeamMember.objects.bulk_create(
            [
                AccountTeamMember(
                    account=account,
                    user=rng.choice([kam for kam in kams if kam != account.owner]),
                    role=rng.choice(AccountTeamRole.values),
                )
                for account in accounts[::3]
            ]
        )
        return accounts

    @staticmethod
    def _address(city, index, zh):
        """A street address in the company's city; most with coordinates (typed in by
        sales ops), every fifth without, as in real books."""
        _region, district_zh, street_zh, district_en, street_en, lat, lon = CITIES[city]
        number = 10 + index * 7
        address = (
            f"{district_zh}{street_zh} {number} 号"
            if zh
            else f"{number} {street_en}, {district_en}"
        )
        if index % 5 == 4:
            return {"address": address}
        offset = Decimal(index % 7) / 1000  # a few hundred metres apart
        return {
            "address": address,
            "latitude": Decimal(str(lat)) + offset,
            "longitude": Decimal(str(lon)) - offset,
        }

    def _org_charts(self, accounts, lang, rng):
        people = PEOPLE[lang]
        used = set()

        def person_name():
            while True:
                surname, given = rng.choice(people["surnames"]), rng.choice(people["given"])
                name = surname + given if lang == "zh" else f"{given} {surname}"
                if name not in used:
                    used.add(name)
                    return name

        shape = [
            (ContactLevel.EXECUTIVE, None),
            (ContactLevel.DECISION, 0),
            (ContactLevel.DECISION, 0),
            (ContactLevel.EXECUTION, 1),
            (ContactLevel.EXECUTION, 1),
            (ContactLevel.EXECUTION, 2),
        ]
        charts = []
        for account in accounts:
            used.clear()
            chart = []
            for level, _boss in shape[: rng.randint(4, 6)]:
                chart.append(
                    Contact(
                        account=account,
                        name=person_name(),
                        title=rng.choice(people["titles"][level]),
                        department=people["departments"][level],
                        level=level,
                        buying_role={
                            ContactLevel.EXECUTIVE: BuyingRole.DECISION_MAKER,
                            ContactLevel.DECISION: rng.choice(
                                [BuyingRole.INFLUENCER, BuyingRole.CHAMPION, BuyingRole.BLOCKER]
                            ),
                            ContactLevel.EXECUTION: rng.choice(
                                [BuyingRole.USER, BuyingRole.GATEKEEPER]
                            ),
                        }[level],
                        attitude=rng.choice(
                            [
                                Attitude.SUPPORTER,
                                Attitude.SUPPORTER,
                                Attitude.NEUTRAL,
                                Attitude.OPPONENT,
                            ]
                        ),
                        strength=rng.randint(1, 5),
                        phone=f"138{rng.randrange(10**8):08d}",
                        email=f"contact{rng.randrange(10**6)}@example.com",
                    )
                )
            charts.append(chart)
        Contact.objects.bulk_create([contact for chart in charts for contact in chart])
        bosses = []
        for chart in charts:
            for contact, (_level, boss) in zip(chart, shape, strict=False):
                if boss is not None:
                    contact.reports_to = chart[boss]
                    bosses.append(contact)
        Contact.objects.bulk_update(bosses, ["reports_to"])
        self._charts = {chart[0].account_id: chart for chart in charts}
        return [contact for chart in charts for contact in chart]

    def _visits(self, accounts, contacts, kams, rng):
        people = PEOPLE["zh" if not accounts[0].name.isascii() else "en"]
        now = timezone.now()
        rows, links = [], []
        for account in accounts:
            chart = self._charts[account.pk]
            day = timezone.localdate() - timedelta(days=365)
            while True:
                day += timedelta(days=rng.randint(7, 40))
                if day.weekday() >= 5:  # customers are met on working days
                    day += timedelta(days=7 - day.weekday())
                choice = rng.randrange(len(people["visits"]))
                purpose, summary = people["visits"][choice]
                kinds = VISIT_KINDS[choice]
                # in working hours: lunch at noon, the rest between 9:00 and 17:30
                hour, minute = (
                    (12, 0)
                    if kinds == (VisitKind.EXECUTIVE_MEETING,)
                    else (rng.randint(9, 16), rng.choice([0, 15, 30]))
                )
                when = timezone.make_aware(datetime.combine(day, time(hour, minute)))
                if when > now:
                    break
                visit = Visit(
                    account=account,
                    kind=rng.choice(kinds),
                    occurred_at=when,
                    logged_by=account.owner,
                    purpose=purpose,
                    summary=summary,
                    sentiment=rng.choice(Sentiment.values),
                )
                rows.append(visit)
                links.append(rng.sample(chart, k=min(len(chart), rng.randint(1, 3))))
            last = rows[-1]
            last.next_visit_on = timezone.localdate() + timedelta(days=rng.randint(-10, 20))
            last.next_visit_owner = account.owner
        Visit.objects.bulk_create(rows)
        # The accounts were entered before the year of history they carry.
        Account.objects.filter(pk__in=[account.pk for account in accounts]).update(
            created_at=now - timedelta(days=400)
        )
        through = Visit.contacts.through
        through.objects.bulk_create(
            [
                through(visit_id=visit.pk, contact_id=contact.pk)
                for visit, met in zip(rows, links, strict=True)
                for contact in met
            ]
        )
        return len(rows)
