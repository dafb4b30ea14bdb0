"""Every URL of the project, for every role: who gets in and what they see.

The test walks the URL resolver, so a page or endpoint added later fails
``test_every_url_is_classified`` until it is added to ``URLS`` below, and from
then on it is checked for every role like the others.

What a role may do beyond seeing comes from the capability table
(kam.capabilities.CAPABILITIES): a page names its capability here, the roles that
get in are read from the table, everyone else gets 404 (as for an object outside
the visibility rule). ``test_every_capability_is_checked`` fails on a capability
that no URL here exercises, and ``test_pages_name_the_capability_of_their_view`` on
a view whose capability the matrix does not name.
"""

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.tiering.models import TierReviewLine, TierScore
from accounts.tiering.services import accounts_score, tier_override_set, tier_review_open
from kam.capabilities import CAPABILITIES
from kam.choices import NotificationKind, Role
from kam.models import Notification
from tests.conftest import (
    ROLES,
    VISIBLE_ACCOUNTS,
    VISIBLE_CONTACTS,
    VISIBLE_NOTIFICATIONS,
    VISIBLE_TEAMS,
    VISIBLE_USERS,
    VISIBLE_VISITS,
    add_records,
)

# the role of each user of the world (tests.conftest)
ROLE_OF = {
    "kam_a": Role.ACCOUNT_MANAGER,
    "kam_b": Role.ACCOUNT_MANAGER,
    "kam_c": Role.ACCOUNT_MANAGER,
    "sup_east": Role.SUPERVISOR,
    "sup_south": Role.SUPERVISOR,
    "exec": Role.EXECUTIVE,
    "ops": Role.ADMIN,
}


def holders(capability):
    """The users of the world whose role holds ``capability``, read from the table."""
    return {user for user, role in ROLE_OF.items() if role in CAPABILITIES[capability][0]}


@pytest.fixture
def world(world):
    """Every test here runs on the world with one contact and one visit per account,
    a tier score and an override per account, and a tier review per team."""
    add_records(world)
    ops = world.user("ops")
    accounts_score()
    world.tier_scores = {score.account.name: score for score in TierScore.objects.all()}
    world.tier_overrides = {
        name: tier_override_set(actor=ops, account=account, tier="A", reason=f"why-{name}")
        for name, account in world.accounts.items()
    }
    world.tier_reviews = {
        name: tier_review_open(actor=ops, team=team, period="2027")
        for name, team in world.teams.items()
    }
    world.tier_review_lines = {
        line.account.name: line for line in TierReviewLine.objects.select_related("account")
    }
    # the overrides told owners and supervisors; keep one notification per role
    Notification.objects.filter(kind=NotificationKind.TIER_CHANGED).delete()
    # opportunities: one opportunity "opp-<account>" and one contract "contract-<account>"
    from tests.factories import (
        ContractFactory,
        OpportunityFactory,
        ProductLineFactory,
        default_stages,
    )

    world.stages = default_stages()
    world.product_lines = {"line-x": ProductLineFactory(name="line-x", code="line-x")}
    world.opportunities = {
        f"opp-{name}": OpportunityFactory(
            account=account, name=f"opp-{name}", product_line=world.product_lines["line-x"]
        )
        for name, account in world.accounts.items()
    }
    world.contracts = {
        f"contract-{name}": ContractFactory(account=account, number=f"contract-{name}")
        for name, account in world.accounts.items()
    }
    # plans: a plan with one action item and a month of actuals per account; a quota per team
    from plans.models import TeamQuota
    from tests.factories import ActionItemFactory, ActualFactory, PlanFactory

    world.plans = {name: PlanFactory(account=account) for name, account in world.accounts.items()}
    world.action_items = {name: ActionItemFactory(plan=plan) for name, plan in world.plans.items()}
    world.actuals = {name: ActualFactory(account=acc) for name, acc in world.accounts.items()}
    world.quotas = {
        name: TeamQuota.objects.create(team=team, year=2026, annual=0, q1=0, q2=0, q3=0, q4=0)
        for name, team in world.teams.items()
    }
    # service and risk: a complaint, a survey and a risk event per account
    from accounts.service.services import complaint_record, risk_raise, survey_record

    world.complaints = {
        f"complaint-{name}": complaint_record(
            actor=ops, account=account, category="quality", description=f"complaint-{name}"
        )
        for name, account in world.accounts.items()
    }
    # task forces (taskforce): one per complaint, its one task given to the account's owner
    # (made directly: giving a task notifies)
    from taskforce.models import Department, Task, TaskForce

    quality = Department.objects.get_or_create(name="Quality")[0]
    world.task_forces, world.task_force_tasks = {}, {}
    for name, account in world.accounts.items():
        force = TaskForce.objects.create(
            complaint=world.complaints[f"complaint-{name}"], created_by=ops
        )
        world.task_forces[f"complaint-{name}"] = force
        world.task_force_tasks[f"task-{name}"] = Task.objects.create(
            task_force=force, department=quality, assignee=account.owner,
            description=f"task-{name}", due_on="2026-12-31", assigned_by=ops,
        )  # fmt: skip
    world.surveys = {
        f"survey-{name}": survey_record(actor=ops, account=account, nps=9, comment=f"survey-{name}")
        for name, account in world.accounts.items()
    }
    world.risks = {
        f"risk-{name}": risk_raise(
            actor=ops, account=account, type="credit", level="high", description=f"risk-{name}"
        )
        for name, account in world.accounts.items()
    }
    # health: one daily snapshot per account (made directly: a health check would notify)
    from accounts.health.models import HealthSnapshot

    world.health_scores = {
        name: HealthSnapshot.objects.create(
            account=account, taken_on="2026-11-20", score=55, status="amber",
            computed_at="2026-11-20T01:30:00+08:00",
        )
        for name, account in world.accounts.items()
    }  # fmt: skip
    # integrations: a webhook subscription "hook" with one event delivered to it
    from integrations.models import OutboxEvent, WebhookDelivery, WebhookSubscription

    hook = WebhookSubscription.objects.create(
        name="hook", url="http://127.0.0.1:9/", secret="s", event_kinds=["plan.approved"]
    )
    world.webhooks = {"hook": hook}
    event = OutboxEvent.objects.create(kind="plan.approved", payload={})
    world.webhook_deliveries = {
        "hook": WebhookDelivery.objects.create(subscription=hook, event=event)
    }
    # saved views: one of each role's own, and one of kam_a's shared with the East team
    from savedviews.models import SavedView

    world.saved_views = {
        f"view-{role}": SavedView.objects.create(
            owner=world.user(role), list="accounts", name=f"view-{role}"
        )
        for role in ROLES
    }
    world.saved_views["shared-east"] = SavedView.objects.create(
        owner=world.user("kam_a"), list="visits", name="shared-east", team=world.teams["East"]
    )
    # attachments: one picture "att-<account>.png" on each account
    from attachments.services import attachments_add
    from tests.attachments.test_attachments import png_bytes, upload

    world.attachments = {
        f"att-{name}.png": attachments_add(
            actor=ops, obj=account, files=[upload(f"att-{name}.png", png_bytes())]
        )[0]
        for name, account in world.accounts.items()
    }
    # scorecards: one per KAM (the members of the teams)
    world.scorecards = {name: world.user(name) for name in ("kam_a", "kam_b", "kam_c")}
    # weekly reports: one draft per KAM (read as the scorecards are: own, team, all)
    from datetime import date

    from django.utils import timezone

    from workreports.models import WorkReport

    world.work_reports = {
        name: WorkReport.objects.create(
            kam=world.user(name), kind="week", period_start=date(2026, 11, 30),
            period_end=date(2026, 12, 6), figures_at=timezone.now(),
        )
        for name in ("kam_a", "kam_b", "kam_c")
    }  # fmt: skip
    # the candidate pool: one candidate "cand-<team>" per team
    from candidates.models import Candidate

    world.candidates = {
        f"cand-{name}": Candidate.objects.create(name=f"cand-{name}", team=team)
        for name, team in world.teams.items()
    }
    return world


@dataclass(frozen=True)
class Url:
    # public | page | list | detail | edit | post | api-list | api-detail | api-page | api-post
    kind: str
    scope: str = ""  # account | team | user | contact | visit | notification
    capability: str = ""  # what the page needs beyond signing in (kam.capabilities)
    query: str = ""  # lists: parameters that select "everything I may see"

    @property
    def roles(self):
        """Pages: who gets a 200 (the others a 404)."""
        return frozenset(holders(self.capability) if self.capability else ROLES)


# opportunities and contracts follow their account; stages and product lines are
# configuration that everyone reads
VISIBLE_OPPORTUNITIES = {
    role: {f"opp-{name}" for name in names} for role, names in VISIBLE_ACCOUNTS.items()
}
VISIBLE_CONTRACTS = {
    role: {f"contract-{name}" for name in names} for role, names in VISIBLE_ACCOUNTS.items()
}
VISIBLE_STAGES = {
    role: {"Qualify", "Needs analysis", "Proposal", "Negotiation", "Won", "Lost"} for role in ROLES
}
VISIBLE_PRODUCT_LINES = {role: {"line-x"} for role in ROLES}

# complaints, surveys and risk events follow their account
VISIBLE_COMPLAINTS = {
    role: {f"complaint-{name}" for name in names} for role, names in VISIBLE_ACCOUNTS.items()
}
VISIBLE_SURVEYS = {
    role: {f"survey-{name}" for name in names} for role, names in VISIBLE_ACCOUNTS.items()
}
VISIBLE_RISKS = {
    role: {f"risk-{name}" for name in names} for role, names in VISIBLE_ACCOUNTS.items()
}

# saved views are their owner's; one shared with East is read by East's members and supervisor
VISIBLE_SAVED_VIEWS = {
    role: {f"view-{role}"} | ({"shared-east"} if role in ("kam_a", "kam_b", "sup_east") else set())
    for role in ROLES
}

# attachments follow their account
VISIBLE_ATTACHMENTS = {
    role: {f"att-{name}.png" for name in names} for role, names in VISIBLE_ACCOUNTS.items()
}

# scorecards: a KAM reads their own, a supervisor their team's KAMs', executives and admins all
VISIBLE_SCORECARDS = {
    "kam_a": {"kam_a"},
    "kam_b": {"kam_b"},
    "kam_c": {"kam_c"},
    "sup_east": {"kam_a", "kam_b"},
    "sup_south": {"kam_c"},
    "exec": {"kam_a", "kam_b", "kam_c"},
    "ops": {"kam_a", "kam_b", "kam_c"},
}

# candidates follow their team: its supervisor and members, executives and admins all
VISIBLE_CANDIDATES = {
    "kam_a": {"cand-East"}, "kam_b": {"cand-East"}, "kam_c": {"cand-South"},
    "sup_east": {"cand-East"}, "sup_south": {"cand-South"},
    "exec": {"cand-East", "cand-South"}, "ops": {"cand-East", "cand-South"},
}  # fmt: skip

# scope: (expected names by role, world attribute, API field naming a row)
SCOPES = {
    "account": (VISIBLE_ACCOUNTS, "accounts", "name"),
    "contact": (VISIBLE_CONTACTS, "contacts", "name"),
    "visit": (VISIBLE_VISITS, "visits", "summary"),
    "team": (VISIBLE_TEAMS, "teams", "name"),
    "user": (VISIBLE_USERS, "users", "username"),
    "notification": (VISIBLE_NOTIFICATIONS, "notifications", "url"),
    "tier_score": (VISIBLE_ACCOUNTS, "tier_scores", "account_name"),
    "tier_override": (VISIBLE_ACCOUNTS, "tier_overrides", "account_name"),
    "tier_review": (VISIBLE_TEAMS, "tier_reviews", "team"),
    "tier_review_line": (VISIBLE_ACCOUNTS, "tier_review_lines", ""),
    "opportunity": (VISIBLE_OPPORTUNITIES, "opportunities", "name"),
    "contract": (VISIBLE_CONTRACTS, "contracts", "number"),
    "stage": (VISIBLE_STAGES, "stages", "name"),
    "product_line": (VISIBLE_PRODUCT_LINES, "product_lines", "code"),
    "plan": (VISIBLE_ACCOUNTS, "plans", "account_name"),
    "action_item": (VISIBLE_ACCOUNTS, "action_items", "account_name"),
    "actual": (VISIBLE_ACCOUNTS, "actuals", "account_name"),
    "quota": (VISIBLE_TEAMS, "quotas", "team_name"),
    "complaint": (VISIBLE_COMPLAINTS, "complaints", "description"),
    "survey": (VISIBLE_SURVEYS, "surveys", "comment"),
    # a complaint's task force and its tasks follow the complaint (each task here is its
    # account owner's; an assignee from elsewhere: tests/taskforce)
    "task_force": (VISIBLE_COMPLAINTS, "task_forces", "description"),
    "task_force_task": (
        {role: {f"task-{name}" for name in names} for role, names in VISIBLE_ACCOUNTS.items()},
        "task_force_tasks",
        "description",
    ),
    "risk": (VISIBLE_RISKS, "risks", "description"),
    "health_score": (VISIBLE_ACCOUNTS, "health_scores", "account_name"),
    # webhooks are the admins': for anyone else they do not exist
    "webhook": ({role: {"hook"} if role == "ops" else set() for role in ROLES}, "webhooks", "name"),
    "saved_view": (VISIBLE_SAVED_VIEWS, "saved_views", "name"),
    "attachment": (VISIBLE_ATTACHMENTS, "attachments", "name"),
    "scorecard": (VISIBLE_SCORECARDS, "scorecards", "username"),
    # credit: an account's exposure follows the account; its review form is for the holders
    # of "credit.review" among those who see it
    "credit_exposure": (VISIBLE_ACCOUNTS, "accounts", "name"),
    # the tier service policy's shortfalls: one row per visible active account
    "policy_shortfall": (VISIBLE_ACCOUNTS, "accounts", "name"),
    "credit_review": (
        {
            role: names if role in holders("credit.review") else set()
            for role, names in VISIBLE_ACCOUNTS.items()
        },
        "accounts",
        "name",
    ),
    # the lifecycle follows the account; its override form is for the holders of
    # "lifecycle.override" among those who see it
    "lifecycle": (VISIBLE_ACCOUNTS, "accounts", "name"),
    "lifecycle_override": (
        {
            role: names if role in holders("lifecycle.override") else set()
            for role, names in VISIBLE_ACCOUNTS.items()
        },
        "accounts",
        "name",
    ),
    "work_report": (VISIBLE_SCORECARDS, "work_reports", "kam"),
    # candidates follow their team: its supervisor and members, executives and admins all
    "candidate": (VISIBLE_CANDIDATES, "candidates", "name"),
    "webhook_delivery": (
        {role: {"hook"} if role == "ops" else set() for role in ROLES},
        "webhook_deliveries",
        "",
    ),
}

URLS = {
    "login": Url("public"),
    "logout": Url("public"),
    "healthz": Url("public"),
    "set-language": Url("public"),
    # the installable app: manifest, service worker, the page it shows offline
    "manifest": Url("public"),
    "service-worker": Url("public"),
    "offline": Url("public"),
    "api:auth-token": Url("public"),
    "home": Url("page"),
    "search:results": Url("page"),  # the navbar search; its rows: tests/search
    "password_change": Url("page"),
    "password_change_done": Url("page"),
    "schema": Url("api-page"),
    "api-docs": Url("page"),
    "api:api-root": Url("api-page"),
    "accounts:list": Url("list", "account"),
    "accounts:detail": Url("detail", "account"),
    "teams:list": Url("list", "team"),
    "teams:detail": Url("detail", "team"),
    "api:account-list": Url("api-list", "account"),
    "api:account-detail": Url("api-detail", "account"),
    "api:team-list": Url("api-list", "team"),
    "api:team-detail": Url("api-detail", "team"),
    "api:user-list": Url("api-list", "user"),
    "api:user-detail": Url("api-detail", "user"),
    "messaging:notifications": Url("page"),
    "messaging:notifications-read-all": Url("post"),
    "messaging:notification-read": Url("post", "notification"),
    "api:notification-list": Url("api-list", "notification"),
    "api:notification-detail": Url("api-detail", "notification"),
    "api:notification-read": Url("api-post", "notification"),
    "api:notification-read-all": Url("api-post"),
    # key accounts
    "accounts:create": Url("page", capability="records.change"),
    "accounts:edit": Url("edit", "account"),
    "accounts:archive": Url("post", "account"),
    "accounts:restore": Url("post", "account"),
    "accounts:handover": Url("page", capability="accounts.handover"),
    "api:account-archive": Url("api-post", "account"),
    "api:account-restore": Url("api-post", "account"),
    "api:account-handover": Url("api-post", capability="accounts.handover"),
    # contacts
    "accounts:contact-list": Url("list", "contact"),
    "accounts:contact-detail": Url("detail", "contact"),
    "accounts:contact-create": Url("page", capability="records.change"),
    "accounts:contact-edit": Url("edit", "contact"),
    "api:contact-list": Url("api-list", "contact"),
    "api:contact-detail": Url("api-detail", "contact"),
    # visits
    "accounts:visit-list": Url("list", "visit", query="?who=all"),
    "accounts:visit-detail": Url("detail", "visit"),
    "accounts:visit-create": Url("page", capability="records.change"),
    "accounts:visit-comment": Url("post", "visit", capability="visits.comment"),
    "accounts:visit-contact-options": Url("page", capability="records.change"),
    "accounts:visit-offline-choices": Url("page", capability="records.change"),
    "api:visit-list": Url("api-list", "visit"),
    "api:visit-detail": Url("api-detail", "visit"),
    "api:visit-comments": Url("api-post", "visit", capability="visits.comment"),
    # tiering
    "accounts:tiering": Url("page"),
    "accounts:tiering-model": Url("page", capability="scoring.configure"),
    "accounts:health-settings": Url("page", capability="health.configure"),
    "accounts:policy": Url("page"),
    "accounts:policy-edit": Url("page", capability="policy.configure"),
    "accounts:policy-shortfalls": Url("page"),
    "accounts:tiering-score": Url("post", capability="scoring.configure"),
    "accounts:tier-override": Url("post", "account", capability="tiers.override"),
    "accounts:tier-override-remove": Url("post", "account", capability="tiers.override"),
    "accounts:tier-review-list": Url("list", "tier_review"),
    "accounts:tier-review-detail": Url("detail", "tier_review"),
    "accounts:tier-review-submit": Url("post", "tier_review", capability="tier_reviews.review"),
    "accounts:tier-review-approve": Url("post", "tier_review", capability="tier_reviews.decide"),
    "accounts:tier-review-return": Url("post", "tier_review", capability="tier_reviews.decide"),
    "accounts:tier-review-line": Url("post", "tier_review_line"),
    "api:tier-score-list": Url("api-list", "tier_score"),
    "api:tier-score-detail": Url("api-detail", "tier_score"),
    "api:tier-override-list": Url("api-list", "tier_override"),
    "api:tier-override-detail": Url("api-detail", "tier_override"),
    "api:tier-override-remove": Url("api-post", "tier_override", capability="tiers.override"),
    "api:scoring-model-current": Url("api-page"),
    # opportunities
    "opportunities:list": Url("list", "opportunity"),
    "opportunities:board": Url("page"),
    # a board column's next cards, by stage; which cards: tests/opportunities/test_board.py
    "opportunities:board-column": Url("detail", "stage"),
    "opportunities:forecast": Url("page"),
    "opportunities:whitespace": Url("page"),
    "opportunities:create": Url("page", capability="records.change"),
    "opportunities:detail": Url("detail", "opportunity"),
    "opportunities:edit": Url("edit", "opportunity"),
    "opportunities:move": Url("post", "opportunity"),
    "opportunities:contract-list": Url("list", "contract"),
    "opportunities:contract-create": Url("page", capability="records.change"),
    "opportunities:contract-detail": Url("detail", "contract"),
    "opportunities:contract-edit": Url("edit", "contract"),
    "opportunities:contract-review": Url("post", "contract"),
    "opportunities:settings": Url("page", capability="pipeline.configure"),
    "api:opportunity-list": Url("api-list", "opportunity"),
    "api:opportunity-detail": Url("api-detail", "opportunity"),
    "api:opportunity-stage": Url("api-post", "opportunity"),
    "api:stage-list": Url("api-list", "stage"),
    "api:stage-detail": Url("api-detail", "stage"),
    "api:product-line-list": Url("api-list", "product_line"),
    "api:product-line-detail": Url("api-detail", "product_line"),
    "api:contract-list": Url("api-list", "contract"),
    "api:contract-detail": Url("api-detail", "contract"),
    "api:contract-review": Url("api-post", "contract"),
    # account plans, action items, actuals, attainment, quotas
    "plans:list": Url("list", "plan"),
    "plans:create": Url("page", capability="records.change"),
    "plans:detail": Url("detail", "plan"),
    "plans:edit": Url("edit", "plan"),
    "plans:submit": Url("post", "plan"),
    "plans:approve": Url("post", "plan", capability="plans.approve"),
    "plans:return": Url("post", "plan", capability="plans.approve"),
    "plans:revise": Url("post", "plan"),
    "plans:action-item-create": Url("edit", "plan"),
    "plans:action-item-list": Url("list", "action_item", query="?who=all"),
    "plans:action-item-edit": Url("edit", "action_item"),
    "plans:actual-list": Url("list", "actual"),
    "plans:actual-import": Url("page", capability="actuals.import"),
    "plans:attainment": Url("page"),
    "plans:quota-list": Url("list", "quota"),
    "plans:quota-edit": Url("page", capability="quotas.set"),
    "api:plan-list": Url("api-list", "plan"),
    "api:plan-detail": Url("api-detail", "plan"),
    "api:plan-submit": Url("api-post", "plan"),
    "api:plan-approve": Url("api-post", "plan", capability="plans.approve"),
    "api:plan-return": Url("api-post", "plan", capability="plans.approve"),
    "api:plan-revise": Url("api-post", "plan"),
    "api:action-item-list": Url("api-list", "action_item"),
    "api:action-item-detail": Url("api-detail", "action_item"),
    "api:actual-list": Url("api-list", "actual"),
    "api:actual-detail": Url("api-detail", "actual"),
    "api:actual-bulk": Url("api-post", capability="actuals.import"),
    "api:quota-list": Url("api-list", "quota"),
    "api:quota-detail": Url("api-detail", "quota"),
    # service and risk
    "accounts:complaint-list": Url("list", "complaint"),
    "accounts:complaint-create": Url("page", capability="records.change"),
    "accounts:complaint-detail": Url("detail", "complaint"),
    "accounts:complaint-respond": Url("post", "complaint"),
    "accounts:complaint-resolve": Url("post", "complaint"),
    "accounts:complaint-verify": Url("post", "complaint"),
    "accounts:complaint-close": Url("post", "complaint"),
    "accounts:survey-list": Url("list", "survey"),
    "accounts:survey-create": Url("page", capability="records.change"),
    "accounts:risk-list": Url("list", "risk"),
    "accounts:risk-create": Url("page", capability="records.change"),
    "accounts:risk-detail": Url("detail", "risk"),
    "accounts:risk-edit": Url("edit", "risk"),
    "accounts:service-report": Url("page"),
    "api:complaint-list": Url("api-list", "complaint"),
    "api:complaint-detail": Url("api-detail", "complaint"),
    "api:complaint-respond": Url("api-post", "complaint"),
    "api:complaint-resolve": Url("api-post", "complaint"),
    "api:complaint-verify": Url("api-post", "complaint"),
    "api:complaint-close": Url("api-post", "complaint"),
    "api:survey-list": Url("api-list", "survey"),
    "api:survey-detail": Url("api-detail", "survey"),
    "api:risk-list": Url("api-list", "risk"),
    "api:risk-detail": Url("api-detail", "risk"),
    # dashboards and reports
    "dashboards:my-day": Url("page"),
    "dashboards:team": Url("page", capability="dashboard.team"),
    "dashboards:reports": Url("page"),
    "dashboards:report-plan-actual": Url("page"),
    "dashboards:report-pipeline": Url("page"),
    "dashboards:report-activity": Url("page"),
    "dashboards:report-complaint-sla": Url("page"),
    "dashboards:report-tier-movements": Url("page"),
    # scorecards and the incentive preview (performance)
    "performance:scorecard": Url("page"),
    "performance:kam": Url("detail", "scorecard"),
    "performance:measures": Url("page", capability="incentives.configure"),
    "performance:incentives": Url("page", capability="incentives.preview"),
    "performance:incentive-rule": Url("page", capability="incentives.configure"),
    "api:scorecard-list": Url("api-list", "scorecard"),
    "api:scorecard-detail": Url("api-detail", "scorecard"),
    # credit and receivables (credit)
    "credit:report": Url("page", capability="credit.report"),
    "credit:settings": Url("page", capability="credit.configure"),
    "credit:review": Url("detail", "credit_review", capability="credit.review"),
    "api:service-policy-list": Url("api-page"),
    "api:policy-shortfall-list": Url("api-list", "policy_shortfall"),
    "api:policy-shortfall-detail": Url("api-detail", "policy_shortfall"),
    "api:credit-exposure-list": Url("api-list", "credit_exposure"),
    "api:credit-exposure-detail": Url("api-detail", "credit_exposure"),
    "api:credit-exposure-review": Url("api-post", "credit_exposure", capability="credit.review"),
    # the account lifecycle (lifecycle)
    "lifecycle:report": Url("page", capability="lifecycle.report"),
    "lifecycle:rules": Url("page", capability="lifecycle.configure"),
    "lifecycle:override": Url("detail", "lifecycle_override", capability="lifecycle.override"),
    "api:lifecycle-list": Url("api-list", "lifecycle"),
    "api:lifecycle-detail": Url("api-detail", "lifecycle"),
    "api:lifecycle-override": Url("api-post", "lifecycle", capability="lifecycle.override"),
    # the candidate pool (candidates): the pool and a candidate's page follow the team;
    # promoting and dismissing are the reviewers', the import and the settings the admins'
    "candidates:pool": Url("list", "candidate"),
    "candidates:detail": Url("detail", "candidate"),
    "candidates:promote": Url("post", "candidate", capability="candidates.review"),
    "candidates:dismiss": Url("post", "candidate", capability="candidates.review"),
    "candidates:import": Url("page", capability="candidates.import"),
    "candidates:settings": Url("page", capability="candidates.configure"),
    "api:candidate-list": Url("api-list", "candidate"),
    "api:candidate-detail": Url("api-detail", "candidate"),
    "api:candidate-bulk": Url("api-post", capability="candidates.import"),
    # weekly and monthly reports (workreports): the KAM's list, the team page, a report
    # and its actions (sections and submission, refresh, comments), the read-only API
    "workreports:mine": Url("page", capability="work_reports.write"),
    "workreports:team": Url("page", capability="work_reports.team"),
    "workreports:detail": Url("detail", "work_report"),
    "workreports:update": Url("post", "work_report", capability="work_reports.write"),
    "workreports:refresh": Url("post", "work_report", capability="work_reports.write"),
    "workreports:comment": Url("post", "work_report", capability="work_reports.review"),
    "api:work-report-list": Url("api-list", "work_report"),
    "api:work-report-detail": Url("api-detail", "work_report"),
    # coaching: a KAM's page (the same people as the scorecards: coaching.selectors.
    # coaching_kams) and its session form, the tags panel a reviewed visit or plan loads and
    # its tag action, the competences
    "coaching:kam": Url("detail", "scorecard"),
    "coaching:session-create": Url("post", "scorecard", capability="coaching.record"),
    "coaching:visit-tags": Url("detail", "visit"),
    "coaching:visit-tag": Url("post", "visit", capability="coaching.record"),
    "coaching:plan-tags": Url("detail", "plan"),
    "coaching:plan-tag": Url("post", "plan", capability="coaching.record"),
    "coaching:competences": Url("page", capability="coaching.configure"),
    "api:coaching-list": Url("api-list", "scorecard"),
    "api:coaching-detail": Url("api-detail", "scorecard"),
    # notification delivery (messaging) and health scores
    "messaging:preferences": Url("page"),
    "messaging:channels": Url("page", capability="channels.manage"),
    "api:health-score-list": Url("api-list", "health_score"),
    "api:health-score-detail": Url("api-detail", "health_score"),
    # integrations: tokens, service users, webhooks, imports, bulk upserts
    "integrations:tokens": Url("page"),
    "integrations:token-revoke": Url("post"),
    "integrations:service-users": Url("page", capability="service_users.manage"),
    "integrations:service-user-token": Url("post", capability="service_users.manage"),
    "integrations:webhooks": Url("page", capability="webhooks.manage"),
    "integrations:webhook-detail": Url("detail", "webhook", capability="webhooks.manage"),
    "integrations:delivery-redeliver": Url(
        "post", "webhook_delivery", capability="webhooks.manage"
    ),
    "integrations:account-import": Url("page", capability="accounts.import"),
    "integrations:contact-import": Url("page", capability="accounts.import"),
    "integrations:import-template": Url("page"),
    "api:account-bulk": Url("api-post"),
    "api:contact-bulk": Url("api-post"),
    # history (audit): one page per tracked record, through the record's visibility
    "audit:account-history": Url("detail", "account"),
    "audit:contact-history": Url("detail", "contact"),
    "audit:visit-history": Url("detail", "visit"),
    "audit:plan-history": Url("detail", "plan"),
    "audit:opportunity-history": Url("detail", "opportunity"),
    "audit:contract-history": Url("detail", "contract"),
    "audit:complaint-history": Url("detail", "complaint"),
    "audit:risk-history": Url("detail", "risk"),
    "audit:scoring-model-history": Url("page"),
    # purge (admins only): confirmation page of an archived account; the purge log
    "audit:account-purge": Url("post", "account", capability="accounts.purge"),
    "audit:purge-log": Url("page", capability="accounts.purge"),
    # saved views of the lists: personal, shared with a team
    "savedviews:create": Url("post"),
    "savedviews:change": Url("post", "saved_view"),
    "api:saved-view-list": Url("api-list", "saved_view"),
    "api:saved-view-detail": Url("api-detail", "saved_view"),
    # attachments: a record's files (the panel its page loads) and their upload; a file's
    # download, thumbnail and removal
    **{
        name: spec
        for kind in ("account", "contact", "visit", "contract", "complaint", "plan")
        for name, spec in (
            (f"attachments:{kind}-list", Url("detail", kind)),
            (f"attachments:{kind}-upload", Url("post", kind)),
        )
    },
    # task forces of serious complaints (taskforce): a complaint's task force page (its
    # complaint page's panel) and report; giving tasks and recording the findings are for
    # the holders of "taskforce.assign" who own the complaint or lead its owner
    "taskforce:complaint": Url("detail", "complaint"),
    "taskforce:report": Url("detail", "complaint"),
    "taskforce:task-assign": Url("post", "complaint", capability="taskforce.assign"),
    "taskforce:findings": Url("post", "complaint", capability="taskforce.assign"),
    "taskforce:task-done": Url("post", "task_force_task"),
    "taskforce:my-tasks": Url("page"),
    "taskforce:departments": Url("page", capability="taskforce.configure"),
    "api:task-force-list": Url("api-list", "task_force"),
    "api:task-force-detail": Url("api-detail", "task_force"),
    "api:task-force-task-list": Url("api-list", "task_force_task"),
    "api:task-force-task-detail": Url("api-detail", "task_force_task"),
    "api:task-force-task-complete": Url("api-post", "task_force_task"),
    "attachments:download": Url("detail", "attachment"),
    "api:attachment-list": Url("api-list", "attachment"),
    "api:attachment-detail": Url("api-detail", "attachment"),
    "api:attachment-download": Url("api-detail", "attachment"),
    "attachments:thumbnail": Url("detail", "attachment"),
    "attachments:delete": Url("post", "attachment"),
}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def project_url_names():
    return sorted({name for name, _ in _walk(get_resolver().url_patterns)})


def _admin_names_without_arguments():
    names = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") and not pattern.pattern.regex.groupindex:
            names.append(name)
    return sorted(set(names))


# Capabilities that gate no URL of their own: each says where it decides. A new
# capability must gate a URL above or be named here, or test_every_capability_is_checked
# fails.
BEYOND_URLS = {
    "accounts.own": "who may be given an account or an opportunity (owner choices, services)",
    "accounts.assign": "whether an actor gives accounts to others (account form, services)",
    "teams.lead": "the team tab, the weekly digest, a team's supervisor",
    "teams.all": "acts for every team (plans, quotas, tier reviews)",
    "records.view_all": "the admin site's view permissions (test_admin_site_is_for_ops_only)",
    "plans.submit_any": "submits a plan for its owner (plans:submit, its service)",
    "tokens.manage_others": "revokes another's token (integrations services)",
    "service.configure": "the response commitments (accounts.service services, admin site)",
    "scorecard.team": "whose scorecards a reader compares (performance.selectors.scorecard_kams)",
    "scorecard.all": "every team's scorecards (performance.selectors.scorecard_kams)",
    "work_reports.all": "every team's reports (workreports.selectors.report_teams)",
    "coaching.all": "every KAM's coaching page (coaching.selectors.coaching_kams)",
}


def _view_class(pattern):
    callback = pattern.callback
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def _capabilities_of_urls():
    used = {spec.capability for spec in URLS.values() if spec.capability}
    for name, pattern in _walk(get_resolver().url_patterns):
        view = _view_class(pattern)
        if name in URLS and view is not None:
            used.add(getattr(view, "write_capability", None))
    return used - {None}


def test_every_capability_is_checked():
    """Every capability of the table is exercised by a URL of the matrix (a page, an
    action, an API write), or named in BEYOND_URLS with where it decides."""
    unchecked = set(CAPABILITIES) - _capabilities_of_urls() - set(BEYOND_URLS)
    assert unchecked == set(), f"give these capabilities a URL in the matrix: {unchecked}"
    assert set(BEYOND_URLS) <= set(CAPABILITIES)


def test_pages_name_the_capability_of_their_view():
    """A view that needs a capability is in the matrix with that capability, so the
    roles the matrix expects are the table's."""
    wrong = []
    for name, pattern in _walk(get_resolver().url_patterns):
        view = _view_class(pattern)
        capability = getattr(view, "capability", None) if view is not None else None
        if not capability or name not in URLS:
            continue
        spec = URLS[name]
        # edit pages and actions on a record need "records.change": their tests read it
        expected = spec.capability or ("records.change" if spec.kind in ("edit", "post") else "")
        if capability != expected:
            wrong.append((name, capability, spec.capability))
    assert wrong == []


@pytest.mark.parametrize(
    "name", sorted(n for n, s in URLS.items() if s.kind.endswith("post") and s.capability)
)
def test_actions_need_their_capability(client, world, name):
    """An action of a capability, by a role without it, on every target (its own
    included): 404, as for what does not exist, and nothing written."""
    spec = URLS[name]
    targets = list(getattr(world, SCOPES[spec.scope][1])) if spec.scope else [None]
    failures = []
    for role in set(ROLES) - holders(spec.capability):
        client.force_login(world.user(role))
        for target in targets:
            before = _rows_written()
            response = client.post(_url_for(world, name, spec, target), {})
            if response.status_code != 404 or _rows_written() != before:
                failures.append((role, target, response.status_code))
    assert failures == []


def test_every_url_is_classified():
    unclassified = [
        name for name in project_url_names() if name not in URLS and not name.startswith("admin:")
    ]
    assert unclassified == [], f"add these URLs to the access matrix: {unclassified}"


def _url_for(world, name, spec, target=None):
    if spec.kind in ("detail", "edit", "api-detail") or (spec.kind.endswith("post") and spec.scope):
        _, attribute, _ = SCOPES[spec.scope]
        objects = getattr(world, attribute)
        obj = objects[target] if target else next(iter(objects.values()))
        return reverse(name, args=[obj.pk])
    return reverse(name)


PROTECTED = sorted(name for name, spec in URLS.items() if spec.kind != "public")


def test_anonymous_is_refused(client, world):
    # One world for every URL (building it is the slow part); the failures name the URLs.
    failures = []
    for name in PROTECTED:
        spec = URLS[name]
        url = _url_for(world, name, spec)
        response = client.post(url) if spec.kind.endswith("post") else client.get(url)
        if spec.kind.startswith("api") or name == "schema":
            refused = response.status_code == 401 and response["Content-Type"].startswith(
                "application/problem+json"
            )
        else:
            refused = response.status_code == 302 and response["Location"].startswith(
                reverse("login")
            )
        if not refused:
            failures.append((name, response.status_code))
    assert failures == []


@pytest.mark.parametrize("name", ["login", "healthz"])
def test_public_urls_answer_anonymous(client, db, name):
    assert client.get(reverse(name)).status_code == 200


# The tests below loop over the roles inside one test per URL: the world is built once
# per URL instead of once per role and URL.


@pytest.mark.parametrize(
    "name", sorted(n for n, s in URLS.items() if s.kind in ("page", "api-page"))
)
def test_signed_in_pages_open_for_their_roles(client, world, name):
    for role in ROLES:
        client.force_login(world.user(role))
        expected = 200 if role in URLS[name].roles else 404
        assert client.get(reverse(name)).status_code == expected, role


def _listed_names(response, spec):
    expected_by_role, _, field_name = SCOPES[spec.scope]
    if response["Content-Type"].startswith("application/json"):
        return {row[field_name] for row in response.json()["results"]}
    html = response.content.decode()
    if spec.scope == "visit":  # a visit row is known by the contact it met
        every = set().union(*VISIBLE_ACCOUNTS.values())
        return {f"visit-{name}" for name in every if f"contact-{name}" in html}
    every = set().union(*expected_by_role.values())
    return {name for name in every if f">{name}<" in html}


@pytest.mark.parametrize(
    "name", sorted(n for n, s in URLS.items() if s.kind in ("list", "api-list"))
)
def test_lists_show_exactly_what_the_rule_allows(client, world, name):
    spec = URLS[name]
    expected_by_role, _, _ = SCOPES[spec.scope]
    for role in ROLES:
        client.force_login(world.user(role))
        response = client.get(reverse(name) + spec.query)
        assert response.status_code == 200, role
        assert _listed_names(response, spec) == expected_by_role[role], role


@pytest.mark.parametrize(
    "name", sorted(n for n, s in URLS.items() if s.kind in ("detail", "api-detail"))
)
def test_details_open_only_inside_the_rule(client, world, name):
    spec = URLS[name]
    expected_by_role, attribute, _ = SCOPES[spec.scope]
    for role in ROLES:
        client.force_login(world.user(role))
        for target in getattr(world, attribute):
            response = client.get(_url_for(world, name, spec, target))
            expected = 200 if target in expected_by_role[role] else 404
            assert response.status_code == expected, (role, target)


def _record_write(role, visible):
    return 200 if visible else 404


def _no_write(role, visible):
    return 405


WRITE_EXPECTATIONS = {
    # resource: status of a PATCH by (role, visible?) from a role that holds the
    # viewset's write capability; the others get 404 before any lookup (so the answer
    # says nothing about which objects exist). Users, teams, stages and product lines
    # are configuration: their write capability is the admins' (kam.capabilities).
    "team": _record_write,
    "user": _record_write,
    "account": _record_write,
    "contact": _record_write,
    "visit": _no_write,  # a logged visit is a record
    "notification": _no_write,  # read-only; marking read is its own action
    # scores are computed; overrides are set and removed by their own actions
    "tier_score": _no_write,
    "tier_override": _no_write,
    "opportunity": _record_write,
    "contract": _record_write,
    "stage": _record_write,
    "product_line": _record_write,
    # plans and action items follow their account; actuals come from the ERP only;
    # quotas are set by POSTing a team's year again
    "plan": _record_write,
    "action_item": _record_write,
    "actual": _no_write,
    "quota": _no_write,
    # complaints move on only through their actions; a survey answer is a record
    "complaint": _no_write,
    "survey": _no_write,
    "task_force": _no_write,  # read-only API; tasks are given on the page
    "task_force_task": _no_write,  # completed by its own action
    "risk": _record_write,
    "health_score": _no_write,  # computed
    "attachment": _no_write,  # uploaded (POST on the list) and removed, never changed
    "scorecard": _no_write,  # computed, read-only
    "credit_exposure": _no_write,  # computed; a review is its own action
    "policy_shortfall": _no_write,  # computed; the policy is changed on its page
    "lifecycle": _no_write,  # computed; an override is its own action
    "work_report": _no_write,  # read-only API; written through its pages' actions
    "candidate": _no_write,  # read-only API; written by the bulk upsert and the actions
}


def _viewset(name):
    return get_resolver().resolve(reverse(name, args=[1])).func.cls


def _write_expected(name, scope, role, visible, target):
    if scope == "saved_view":  # personal: the owner changes it (executives too), a team reads
        owner = "kam_a" if target == "shared-east" else target.removeprefix("view-")
        return 200 if owner == role else (403 if visible else 404)
    write_capability = _viewset(name).write_capability
    if write_capability and role not in holders(write_capability):
        return 404
    return WRITE_EXPECTATIONS[scope](role, visible)


@pytest.mark.parametrize("name", sorted(n for n, s in URLS.items() if s.kind == "api-detail"))
def test_api_writes_follow_the_rule(client, world, name):
    spec = URLS[name]
    expected_by_role, attribute, _ = SCOPES[spec.scope]
    for role in ROLES:
        client.force_login(world.user(role))
        for target in getattr(world, attribute):
            visible = target in expected_by_role[role]
            response = client.patch(
                _url_for(world, name, spec, target), {}, content_type="application/json"
            )
            expected = _write_expected(name, spec.scope, role, visible, target)
            assert response.status_code == expected, (
                role,
                target,
            )


@pytest.mark.parametrize("name", sorted(n for n, s in URLS.items() if s.kind == "edit"))
def test_edit_pages_follow_the_rule(client, world, name):
    spec = URLS[name]
    expected_by_role, attribute, _ = SCOPES[spec.scope]
    for role in ROLES:
        client.force_login(world.user(role))
        for target in getattr(world, attribute):
            response = client.get(_url_for(world, name, spec, target))
            if target not in expected_by_role[role]:
                assert response.status_code == 404, (role, target)
            else:
                expected = 200 if role in holders("records.change") else 404
                assert response.status_code == expected, (role, target)


@pytest.mark.parametrize("role", ROLES)
def test_admin_site_is_for_ops_only(client, world, role):
    client.force_login(world.user(role))
    names = _admin_names_without_arguments()
    assert "admin:index" in names
    for name in names:
        if name in ("admin:login", "admin:logout"):
            continue
        if name == "admin:autocomplete" and role == "ops":
            continue  # needs query parameters; it is guarded by the same site permission
        response = client.get(reverse(name))
        written_by_the_product = name.startswith("admin:axes_") or name.startswith(
            "admin:kam_exportrecord"
        )
        if role == "ops" and written_by_the_product and name.endswith("_add"):
            # sign-in records are written by axes only, export records by the exports
            assert response.status_code == 403, name
        elif role == "ops":
            assert response.status_code == 200, name
        else:
            assert response.status_code == 302, name
            assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_marking_read_touches_only_ones_own_notifications(client, world, role):
    from kam.models import Notification

    client.force_login(world.user(role))
    for url, notification in world.notifications.items():
        response = client.post(reverse("api:notification-read", args=[notification.pk]))
        assert response.status_code == (200 if url == f"/n/{role}" else 404)
        client.post(reverse("messaging:notification-read", args=[notification.pk]))
    unread = set(Notification.objects.unread().values_list("url", flat=True))
    assert unread == {f"/n/{other}" for other in ROLES if other != role}


# ---------------------------------------------------------------- writes by POST

# Actions on one's own things, open to every signed-in role (executives included)
SELF_SERVICE = {
    "messaging:notifications-read-all",
    "messaging:notification-read",
    "api:notification-read",
    "api:notification-read-all",
    "integrations:token-revoke",
    "savedviews:create",
    "savedviews:change",
}
POSTS = sorted(n for n, s in URLS.items() if s.kind in ("post", "api-post"))

WRITE_STATEMENTS = """
    SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables
    WHERE relname NOT IN ('django_session', 'kam_user', 'knox_authtoken', 'integrations_apitoken')
"""


def _rows_written():
    """Rows this transaction has inserted, updated or deleted so far (the test and the
    requests it makes share one transaction): a refused write must not move it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(WRITE_STATEMENTS)
        return cursor.fetchone()[0]


def _refused(response, api):
    if response.status_code not in (403, 404):
        return False
    return not api or response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("name", POSTS)
def test_posts_outside_the_rule_are_refused_and_change_nothing(client, world, name):
    """Every action URL, for every role and every target: a target outside what the
    role may see is refused (404, as if it did not exist) and nothing is written; an
    executive never writes; no answer is a server error."""
    spec = URLS[name]
    api = spec.kind == "api-post"
    leaks = []
    for role in ROLES:
        client.force_login(world.user(role))
        if spec.scope:
            expected_by_role, attribute, _ = SCOPES[spec.scope]
            targets = list(getattr(world, attribute))
        else:
            expected_by_role, targets = None, [None]
        for target in targets:
            visible = expected_by_role is None or target in expected_by_role[role]
            before = _rows_written()
            response = client.post(_url_for(world, name, spec, target), {})
            outcome = (role, target, response.status_code)
            if response.status_code >= 500:
                leaks.append((*outcome, "server error"))
            if role == "exec" and name not in SELF_SERVICE and not _refused(response, api):
                leaks.append((*outcome, "an executive wrote"))
            if not visible:
                if not _refused(response, api):
                    leaks.append((*outcome, "answered outside the rule"))
                if _rows_written() != before:
                    leaks.append((*outcome, "wrote outside the rule"))
    assert leaks == []


# ---------------------------------------------------------------- a read-only API token


@pytest.fixture
def read_only_token(world):
    from integrations.services import token_create

    _, key = token_create(actor=world.user("kam_a"), name="BI export", read_only=True)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


API_LISTS = sorted(n for n, s in URLS.items() if s.kind == "api-list")
API_DETAILS = sorted(n for n, s in URLS.items() if s.kind == "api-detail")
API_POSTS = sorted(n for n, s in URLS.items() if s.kind == "api-post")


def test_a_read_only_token_reads_what_its_user_may_read(client, world, read_only_token):
    """A read-only token of a KAM (kam_a): every API list shows exactly kam_a's rows,
    every detail opens only inside kam_a's rule."""
    failures = []
    for name in API_LISTS:
        spec = URLS[name]
        expected_by_role, _, _ = SCOPES[spec.scope]
        response = client.get(reverse(name) + spec.query, **read_only_token)
        if response.status_code != 200:
            failures.append((name, response.status_code))
        elif _listed_names(response, spec) != expected_by_role["kam_a"]:
            failures.append((name, "rows outside the rule"))
    for name in API_DETAILS:
        spec = URLS[name]
        expected_by_role, attribute, _ = SCOPES[spec.scope]
        for target in getattr(world, attribute):
            response = client.get(_url_for(world, name, spec, target), **read_only_token)
            expected = 200 if target in expected_by_role["kam_a"] else 404
            if response.status_code != expected:
                failures.append((name, target, response.status_code))
    assert failures == []


def test_a_read_only_token_writes_nothing(client, world, read_only_token):
    """Every API write with a read-only token, on every target: 403 in our error shape
    before any lookup (so it tells nothing about what exists), and no row written."""
    failures = []
    before = _rows_written()
    writes = [(name, "patch") for name in API_DETAILS] + [(name, "post") for name in API_POSTS]
    for name, method in writes:
        spec = URLS[name]
        targets = list(getattr(world, SCOPES[spec.scope][1])) if spec.scope else [None]
        for target in targets:
            url = _url_for(world, name, spec, target)
            send = getattr(client, method)
            response = send(url, {}, content_type="application/json", **read_only_token)
            if response.status_code == 405:
                continue  # the resource takes no such write from anyone
            if not (response.status_code == 403 and _refused(response, api=True)):
                failures.append((name, target, response.status_code))
    assert failures == []
    assert _rows_written() == before


def test_a_token_opens_no_web_page(client, world, read_only_token):
    """Tokens are for the API: a web page with one is still a sign-in redirect."""
    pages = sorted(n for n, s in URLS.items() if s.kind in ("page", "list"))
    for name in pages:
        spec = URLS[name]
        response = client.get(reverse(name) + spec.query, **read_only_token)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
