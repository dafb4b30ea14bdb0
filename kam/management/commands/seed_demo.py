"""Demo data: teams, supervisors, KAMs and their key accounts.

Idempotent: a second run finds the demo users and changes nothing.
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.choices import AccountTeamRole
from accounts.models import Account, AccountTeamMember
from kam import services
from kam.choices import Role
from kam.demo import DEMO_PASSWORD
from kam.models import User

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


class Command(BaseCommand):
    help = "Load demo teams, users and key accounts (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument("--lang", choices=["en", "zh"], default="en")
        parser.add_argument("--seed", type=int, default=2026)

    @transaction.atomic
    def handle(self, *args, lang, seed, **options):
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

        companies = list(names["companies"])
        rng.shuffle(companies)
        accounts = Account.objects.bulk_create(
            [
                Account(name=company, owner=kams[index % len(kams)])
                for index, company in enumerate(companies)
            ]
        )
        helpers = [
            AccountTeamMember(
                account=account,
                user=rng.choice([kam for kam in kams if kam != account.owner]),
                role=rng.choice(AccountTeamRole.values),
            )
            for account in accounts[::3]
        ]
        AccountTeamMember.objects.bulk_create(helpers)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {User.objects.count()} users, {len(accounts)} accounts."
            )
        )
