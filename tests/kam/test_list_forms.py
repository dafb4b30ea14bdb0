"""Every list page's filter form, submitted as a browser submits it.

Each test renders a list page, reads its filter form from the HTML (every input,
select and checkbox with the value a browser sends, the empty ones too), submits it
unchanged, with one field chosen at a time and with two together, and compares the
exact ids of the rows the page lists with the rows chosen here by hand: each filter
field has its meaning written below as a plain Python predicate over the objects, not
through the FilterSet under test. A field that appears in a form without a meaning
here fails the test, so a new filter cannot go unchecked.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import ACTIVE_STAGES, LEGACY_ACTIVE
from accounts.models import Account, Contact, Visit
from accounts.service.models import Complaint, RiskEvent, Survey
from accounts.service.services import complaint_record, risk_raise, survey_record
from candidates.models import IN_POOL, Candidate
from kam.models import Notification, Team
from opportunities.filtersets import quarter_bounds
from opportunities.models import Contract, Opportunity
from plans.models import AccountPlan, ActionItem, Actual, TeamQuota
from tests.browser_forms import page_forms, row_ids
from tests.conftest import add_records
from tests.factories import (
    ActionItemFactory,
    ActualFactory,
    ContactFactory,
    ContractFactory,
    OpportunityFactory,
    PlanFactory,
    ProductLineFactory,
    VisitFactory,
    default_stages,
)

ROLES_TRIED = ("kam_a", "sup_east")


@pytest.fixture
def data(world):
    """The world, with rows that differ in every filtered column."""
    add_records(world)
    ops = world.user("ops")
    today = timezone.localdate()
    acme, globex, initech = (world.accounts[name] for name in ("acme", "globex", "initech"))
    acme.industry, acme.region, acme.tier, acme.tags = "energy", "east", "A", ["vip"]
    acme.is_industry_leader, acme.health_status, acme.health_score = True, "green", 80
    acme.legal_name = "Acme Power Holdings"
    acme.save()
    globex.industry, globex.region, globex.tier, globex.status = (
        "automotive",
        "south",
        "B",
        "at_risk",
    )
    globex.health_status, globex.health_score = "red", 20
    globex.save()
    # contacts: a second one per account, at another level, with another attitude, one has left
    for account, level, attitude, role, left in (
        (acme, "executive", "supporter", "decision_maker", False),
        (globex, "execution", "opponent", "user", True),
        (initech, "executive", "neutral", "influencer", False),
    ):
        ContactFactory(
            account=account,
            name=f"person-{account.name}",
            level=level,
            attitude=attitude,
            buying_role=role,
            has_left=left,
        )
    # visits: a phone call last month with a revisit due, and one next to come
    for account, days, revisit in ((acme, 40, -3), (globex, 10, 5), (initech, 2, None)):
        VisitFactory(
            account=account,
            kind="call",
            occurred_at=timezone.now() - datetime.timedelta(days=days),
            summary=f"call-{account.name}",
            next_visit_on=today + datetime.timedelta(days=revisit) if revisit is not None else None,
        )
    # a colleague's visit on globex (kam_a is on its account team)
    VisitFactory(account=globex, logged_by=world.user("kam_a"), summary="colleague-globex")
    stages = default_stages()
    lines = [
        ProductLineFactory(name="Turbines", code="tur"),
        ProductLineFactory(name="Grid", code="grd"),
    ]
    for index, account in enumerate((acme, globex, initech)):
        for offset, stage in enumerate(("Qualify", "Proposal", "Won")):
            OpportunityFactory(
                account=account,
                name=f"deal-{account.name}-{offset}",
                stage=stages[stage],
                product_line=lines[(index + offset) % 2],
                expected_close_on=today + datetime.timedelta(days=100 * offset),
                competitors="Siemens" if offset == 1 else "",
            )
        ContractFactory(
            account=account,
            number=f"HT-{account.name}",
            status=("active", "draft", "expired")[index],
            ends_on=today + datetime.timedelta(days=30 + 200 * index),
        )
        complaint_record(
            actor=ops,
            account=account,
            category=("delivery", "quality", "service")[index],
            severity=("critical", "normal", "high")[index],
            description=f"broken-{account.name}",
        )
        survey_record(actor=ops, account=account, nps=5 + index, comment=f"survey-{account.name}")
        risk_raise(
            actor=ops,
            account=account,
            type=("credit", "competitor", "delivery")[index],
            level=("high", "low", "medium")[index],
            description=f"risk-{account.name}",
        )
        plan = PlanFactory(
            account=account, year=2026, status=("draft", "submitted", "approved")[index]
        )
        PlanFactory(account=account, year=2025, status="approved")
        ActionItemFactory(
            plan=plan, title=f"todo-{account.name}", due_on=today - datetime.timedelta(days=2)
        )
        ActionItemFactory(
            plan=plan,
            title=f"done-{account.name}",
            status="done",
            due_on=today + datetime.timedelta(days=20),
            owner=world.user("kam_a"),
        )
        ActualFactory(
            account=account, year=2026, month=index + 1, receivables_overdue=Decimal(index * 100)
        )
        ActualFactory(account=account, year=2025, month=12)
    for team in world.teams.values():
        TeamQuota.objects.create(team=team, year=2026, annual=0, q1=0, q2=0, q3=0, q4=0)
    Account.objects.filter(pk=initech.pk).update(archived_at=None)
    world.archived = Account.objects.create(
        name="gone", owner=world.user("kam_a"), archived_at=timezone.now()
    )
    # candidate key accounts of both teams, in every status, regions and industries
    east, south = world.teams["East"], world.teams["South"]
    for name, team, status, region, industry in (
        ("Harbour Steel", east, "open", "east", "manufacturing"),
        ("Harbour Logistics", east, "proposed", "south", "automotive"),
        ("River Foods", east, "dismissed", "east", "energy"),
        ("River Power", south, "open", "south", "energy"),
        ("Delta Chips", south, "promoted", "east", "electronics"),
    ):
        Candidate.objects.create(
            name=name, team=team, status=status, region=region, industry=industry
        )
    return world


# --- the meaning of each filter field, written by hand -------------------------------------


def _contains(*getters):
    def predicate(obj, value, ctx):
        needle = value.strip().lower()
        return any(needle in (getter(obj) or "").lower() for getter in getters)

    return predicate


def _equals(getter, convert=str):
    return lambda obj, value, ctx: getter(obj) == convert(value)


def _boolean(test):
    """A Yes / No / Unknown select: "unknown" and "" filter nothing."""

    def predicate(obj, value, ctx):
        if value in ("true", "True", "1", "on"):
            return test(obj, ctx)
        if value in ("false", "False", "0"):
            return not test(obj, ctx)
        return True

    return predicate


def _local(moment):
    return timezone.localtime(moment).date()


def _team_people(team_id):
    team = Team.objects.get(pk=team_id)
    return {team.supervisor_id, *team.memberships.values_list("user_id", flat=True)}


def _not_archived(account):
    return account.archived_at is None


def _strategic(account, ctx):
    return account.is_industry_leader or account.is_reference_customer or account.has_channel_value


def _who_visit(visit, value, ctx):
    user = ctx["user"]
    if value == "mine":
        return visit.logged_by_id == user.pk
    if value == "team":
        led = set(
            Team.objects.filter(supervisor=user).values_list("memberships__user_id", flat=True)
        )
        return visit.logged_by_id in led
    return True


def _follow_up(visit, value, ctx):
    if value == "":
        return True
    if visit.next_visit_on is None or visit.follow_up_closed_at is not None:
        return False
    if value == "due":
        return visit.next_visit_on <= ctx["today"]
    if value == "overdue":
        return visit.next_visit_on < ctx["today"]
    return True


def _quarter(opportunity, value, ctx):
    bounds = quarter_bounds(value)
    return bounds is None or bounds[0] <= opportunity.expected_close_on <= bounds[1]


def _date_at_least(getter):
    return lambda obj, value, ctx: getter(obj) >= datetime.date.fromisoformat(value)


def _date_at_most(getter):
    return lambda obj, value, ctx: getter(obj) <= datetime.date.fromisoformat(value)


@dataclass
class ListPage:
    url: str
    model: type
    #: the rows the page shows before any filter is touched: (obj, ctx) -> bool
    default: object
    #: field name -> predicate (obj, value, ctx) -> bool; "" never reaches it
    fields: dict = field(default_factory=dict)
    #: text fields: field name -> values a user would type (from the data)
    typed: dict = field(default_factory=dict)
    #: fields whose empty value is a choice of its own (a tab, a default)
    defaults: dict = field(default_factory=dict)


def _account_of(obj):
    return obj.account


LISTS = {
    "accounts:list": ListPage(
        "accounts:list",
        Account,
        default=lambda obj, ctx: _not_archived(obj),
        fields={
            "q": lambda a, v, ctx: (
                v.lower() in a.name.lower()
                or v.lower() in a.legal_name.lower()
                or v == a.credit_code
                or v == a.external_id
            ),
            "owner": _equals(lambda a: a.owner_id, int),
            "team": lambda a, v, ctx: a.owner_id in _team_people(int(v)),
            "tier": _equals(lambda a: a.tier),
            "health": _equals(lambda a: a.health_status),
            # "active", the stage before it split, still means developing or mature
            "status": lambda a, v, ctx: a.status in (ACTIVE_STAGES if v == LEGACY_ACTIVE else [v]),
            "industry": _equals(lambda a: a.industry),
            "region": _equals(lambda a: a.region),
            "strategic": _boolean(_strategic),
            "tag": lambda a, v, ctx: v.strip() in a.tags,
            "archived": None,  # replaces the default: see _expected
            "ordering": lambda a, v, ctx: True,
        },
        typed={"q": ["acme", "Power Hold", "glob"], "tag": ["vip"]},
    ),
    "accounts:contact-list": ListPage(
        "accounts:contact-list",
        Contact,
        default=lambda c, ctx: c.archived_at is None,
        fields={
            "q": _contains(
                lambda c: c.name,
                lambda c: c.title,
                lambda c: c.phone,
                lambda c: c.email,
                lambda c: c.account.name,
            ),
            "account": _equals(lambda c: c.account_id, int),
            "level": _equals(lambda c: c.level),
            "buying_role": _equals(lambda c: c.buying_role),
            "attitude": _equals(lambda c: c.attitude),
            "has_left": _boolean(lambda c, ctx: c.has_left),
            "ordering": lambda c, v, ctx: True,
        },
        typed={"q": ["person-acme", "glob"]},
    ),
    "accounts:visit-list": ListPage(
        "accounts:visit-list",
        Visit,
        default=lambda v, ctx: v.archived_at is None,
        fields={
            "who": _who_visit,
            "q": _contains(lambda v: v.summary, lambda v: v.purpose, lambda v: v.account.name),
            "account": _equals(lambda v: v.account_id, int),
            "kind": _equals(lambda v: v.kind),
            "follow_up": _follow_up,
            "occurred_after": _date_at_least(lambda v: _local(v.occurred_at)),
            "occurred_before": _date_at_most(lambda v: _local(v.occurred_at)),
        },
        typed={
            "q": ["call-", "colleague", "acme"],
            "occurred_after": ["{today-20}"],
            "occurred_before": ["{today-5}"],
        },
        defaults={"who": True},
    ),
    "opportunities:list": ListPage(
        "opportunities:list",
        Opportunity,
        default=lambda o, ctx: o.archived_at is None,
        fields={
            "q": _contains(lambda o: o.name, lambda o: o.account.name, lambda o: o.competitors),
            "owner": _equals(lambda o: o.owner_id, int),
            "team": lambda o, v, ctx: o.owner_id in _team_people(int(v)),
            "product_line": _equals(lambda o: o.product_line_id, int),
            "quarter": _quarter,
            "stage": _equals(lambda o: o.stage_id, int),
            "ordering": lambda o, v, ctx: True,
        },
        typed={"q": ["deal-acme", "siemens", "glob"]},
    ),
    "opportunities:board": ListPage(
        "opportunities:board",
        Opportunity,
        # the board's columns are the active stages; its first cards by close date (the
        # data here fills no column past its first page)
        default=lambda o, ctx: o.archived_at is None and o.stage.is_active,
        fields={
            "q": _contains(lambda o: o.name, lambda o: o.account.name, lambda o: o.competitors),
            "owner": _equals(lambda o: o.owner_id, int),
            "team": lambda o, v, ctx: o.owner_id in _team_people(int(v)),
            "product_line": _equals(lambda o: o.product_line_id, int),
            "quarter": _quarter,
            "stage": _equals(lambda o: o.stage_id, int),
        },
        typed={"q": ["deal-acme", "siemens", "glob"]},
    ),
    "opportunities:contract-list": ListPage(
        "opportunities:contract-list",
        Contract,
        default=lambda c, ctx: c.archived_at is None,
        fields={
            "q": _contains(lambda c: c.number, lambda c: c.title, lambda c: c.account.name),
            "status": _equals(lambda c: c.status),
            "owner": _equals(lambda c: c.account.owner_id, int),
            "account": _equals(lambda c: c.account_id, int),
            "ends_before": _date_at_most(lambda c: c.ends_on),
            "ends_after": _date_at_least(lambda c: c.ends_on),
            "ordering": lambda c, v, ctx: True,
        },
        typed={
            "q": ["HT-acme", "glob"],
            "ends_before": ["{today+100}"],
            "ends_after": ["{today+100}"],
        },
    ),
    "accounts:complaint-list": ListPage(
        "accounts:complaint-list",
        Complaint,
        default=lambda c, ctx: c.account.archived_at is None,
        fields={
            "sla": lambda c, v, ctx: c.status != "closed" if v == "open" else True,
            "q": _contains(lambda c: c.description, lambda c: c.account.name),
            "category": _equals(lambda c: c.category),
            "severity": _equals(lambda c: c.severity),
            "status": _equals(lambda c: c.status),
            "account": _equals(lambda c: c.account_id, int),
        },
        typed={"q": ["broken-acme", "glob"]},
        defaults={"sla": True},
    ),
    "accounts:survey-list": ListPage(
        "accounts:survey-list",
        Survey,
        default=lambda s, ctx: s.account.archived_at is None,
        fields={
            "account": _equals(lambda s: s.account_id, int),
            "since": _date_at_least(lambda s: s.taken_on),
        },
    ),
    "accounts:risk-list": ListPage(
        "accounts:risk-list",
        RiskEvent,
        default=lambda r, ctx: r.account.archived_at is None,
        fields={
            "type": _equals(lambda r: r.type),
            "level": _equals(lambda r: r.level),
            "status": _equals(lambda r: r.status),
            "account": _equals(lambda r: r.account_id, int),
        },
    ),
    "candidates:pool": ListPage(
        "candidates:pool",
        Candidate,
        default=lambda c, ctx: c.status in IN_POOL,
        fields={
            "q": lambda c, v, ctx: v.lower() in c.name.lower() or v.upper() == c.credit_code,
            "status": lambda c, v, ctx: (
                c.status in IN_POOL if v == "pool" else v == "all" or c.status == v
            ),
            "team": _equals(lambda c: c.team_id, int),
            "region": _equals(lambda c: c.region),
            "industry": _equals(lambda c: c.industry),
        },
        typed={"q": ["harbour", "river"]},
    ),
    "plans:list": ListPage(
        "plans:list",
        AccountPlan,
        default=lambda p, ctx: p.account.archived_at is None,
        fields={
            "q": _contains(lambda p: p.account.name),
            "year": _equals(lambda p: p.year, int),
            "status": _equals(lambda p: p.status),
            "account": _equals(lambda p: p.account_id, int),
            "owner": _equals(lambda p: p.account.owner_id, int),
            "ordering": lambda p, v, ctx: True,
        },
        typed={"q": ["acme", "glob"], "year": ["2025", "2026"]},
    ),
    "plans:action-item-list": ListPage(
        "plans:action-item-list",
        ActionItem,
        default=lambda i, ctx: i.plan.account.archived_at is None,
        fields={
            "who": lambda i, v, ctx: i.owner_id == ctx["user"].pk if v == "mine" else True,
            "open": _boolean(lambda i, ctx: i.status != "done"),
            "due_before": _date_at_most(lambda i: i.due_on),
            "status": _equals(lambda i: i.status),
            "owner": _equals(lambda i: i.owner_id, int),
        },
        typed={"due_before": ["{today}"]},
        defaults={"who": True, "open": True},
    ),
    "plans:actual-list": ListPage(
        "plans:actual-list",
        Actual,
        default=lambda a, ctx: True,
        fields={
            "year": _equals(lambda a: a.year, int),
            "month": _equals(lambda a: a.month, int),
            "overdue": _boolean(lambda a, ctx: a.receivables_overdue > 0),
            "account": _equals(lambda a: a.account_id, int),
        },
        typed={"year": ["2025", "2026"], "month": ["2", "12"]},
    ),
    "plans:quota-list": ListPage("plans:quota-list", TeamQuota, default=lambda q, ctx: True),
    "teams:list": ListPage(
        "teams:list",
        Team,
        default=lambda t, ctx: True,
        fields={"q": _contains(lambda t: t.name)},
        typed={"q": ["eas", "South"]},
    ),
    "messaging:notifications": ListPage(
        "messaging:notifications", Notification, default=lambda n, ctx: True
    ),
}


def _typed_value(template, ctx):
    """ "{today-20}" → the ISO date 20 days ago; other text as it is."""
    if template.startswith("{today"):
        days = int(template[6:-1] or 0)
        return (ctx["today"] + datetime.timedelta(days=days)).isoformat()
    return template


def _expected(spec, user, entries):
    """The rows the page should list for ``entries`` (what the browser sent)."""
    ctx = {"user": user, "today": timezone.localdate()}
    visible = spec.model.objects.visible_to(user)
    chosen = {}
    for name, value in entries:
        if value.strip():
            chosen.setdefault(name, []).append(value)
    archived_choice = chosen.pop("archived", None)
    rows = []
    for obj in visible:
        if archived_choice and archived_choice[-1] == "true":
            if spec.model is Account and obj.archived_at is None:
                continue
        elif not spec.default(obj, ctx):
            continue
        keep = True
        for name, values in chosen.items():
            predicate = spec.fields.get(name)
            assert predicate is not None or name in spec.fields, (
                f"{spec.url}: the form sends {name!r}, which has no meaning written in this test"
            )
            if predicate is not None and not any(predicate(obj, value, ctx) for value in values):
                keep = False
                break
        if keep:
            rows.append(obj.pk)
    return set(rows)


def _filter_form(html, spec):
    forms = [
        form for form in page_forms(html) if not form.action or form.action == reverse(spec.url)
    ]
    forms = [form for form in forms if form.names]
    assert len(forms) <= 1, f"{spec.url}: more than one filter form"
    return forms[0] if forms else None


def _listed(client, spec, entries):
    response = client.get(reverse(spec.url), entries)
    assert response.status_code == 200, (spec.url, entries)
    html = response.content.decode()
    assert "data-filter-errors" not in html, (
        spec.url,
        entries,
        "a filter the page offered is refused",
    )
    return set(row_ids(html))


def _choices(form, spec, ctx, untouched):
    """(field, value) pairs a user can pick or type, one at a time: for each field, up to
    three values that select some rows but not all, and one that selects none or all (a
    long select's other options prove nothing more)."""
    picks = []
    everything = _expected(spec, ctx["user"], untouched)
    for name in form.names:
        control = form.control(name)
        if control.type == "hidden":
            continue
        values = list(control.choices)
        values += [_typed_value(value, ctx) for value in spec.typed.get(name, [])]
        if control.tag == "input" and control.type not in ("checkbox", "radio") and not values:
            pytest.fail(f"{spec.url}: no value to type in {name!r}; add one to `typed`")
        selecting, others = [], []
        for value in values:
            rows = _expected(spec, ctx["user"], _replace(untouched, name, value))
            (selecting if rows and rows != everything else others).append(value)
        picks.extend((name, value) for value in selecting[:3] + others[:1])
    return picks


def _replace(entries, name, value):
    """``entries`` with the field ``name`` set to ``value`` (a single choice)."""
    result = [(key, old) for key, old in entries if key != name]
    result.append((name, value))
    return result


@pytest.mark.parametrize("name", sorted(LISTS))
@pytest.mark.parametrize("role", ROLES_TRIED)
def test_the_filter_form_as_a_browser_submits_it(client, data, name, role):
    spec = LISTS[name]
    user = data.user(role)
    ctx = {"user": user, "today": timezone.localdate()}
    client.force_login(user)
    page = client.get(reverse(spec.url))
    assert page.status_code == 200
    html = page.content.decode()
    form = _filter_form(html, spec)
    shown = set(row_ids(html))
    if form is None:
        assert shown == _expected(spec, user, [])
        return
    untouched = form.entries()
    for key, _value in untouched:
        assert key in spec.fields, f"{name}: the form sends {key!r}, which has no meaning here"
    # submitting the form as it is shows what the page showed, and it is what it should be
    assert _listed(client, spec, untouched) == shown == _expected(spec, user, untouched), name
    # one field at a time, every choice the page offers
    picks = _choices(form, spec, ctx, untouched)
    for field_name, value in picks:
        entries = _replace(untouched, field_name, value)
        assert _listed(client, spec, entries) == _expected(spec, user, entries), (
            name,
            field_name,
            value,
        )
    # two fields together
    pairs = [(a, b) for a, b in combinations(picks, 2) if a[0] != b[0]]
    for (first, first_value), (second, second_value) in pairs[:: max(1, len(pairs) // 12)]:
        entries = _replace(_replace(untouched, first, first_value), second, second_value)
        assert _listed(client, spec, entries) == _expected(spec, user, entries), (
            name,
            first,
            second,
        )


def test_every_list_page_of_the_access_matrix_is_covered():
    from tests.kam.test_access_matrix import URLS

    pages = {name for name, url in URLS.items() if url.kind == "list"}
    assert pages - set(LISTS) <= {"accounts:tier-review-list"}, sorted(pages - set(LISTS))


def test_a_filter_the_list_cannot_apply_is_named_not_an_empty_list(client, data):
    client.force_login(data.user("sup_east"))
    response = client.get(reverse("accounts:visit-list"), {"account": "x", "kind": "nope"})
    html = response.content.decode()
    assert row_ids(html) == []
    assert 'data-filter-error="account"' in html
    assert 'data-filter-error="kind"' in html


REPORTS = ["plan-actual", "pipeline", "activity", "complaint-sla", "tier-movements"]


def _report_table(html):
    start = html.index('id="report-table"')
    return html[start : html.index("</table>", start)]


@pytest.mark.parametrize("key", REPORTS)
def test_each_report_takes_its_own_form(client, data, key):
    """A report's form submitted unchanged shows the report as it opened; each choice it
    offers is applied (shown as chosen again) and the page lists the rows its CSV export
    holds for the same choice."""
    import csv
    import io

    client.force_login(data.user("sup_east"))
    url = reverse(f"dashboards:report-{key}")
    html = client.get(url).content.decode()
    forms = [form for form in page_forms(html) if "year" in form.names]
    assert len(forms) == 1
    form = forms[0]
    untouched = form.entries()
    again = client.get(url, untouched).content.decode()
    assert _report_table(again) == _report_table(html)
    for name in form.names:
        for value in form.control(name).choices[:3]:
            entries = _replace(untouched, name, value)
            response = client.get(url, entries)
            assert response.status_code == 200, (key, name, value)
            shown = page_forms(response.content.decode())
            chosen = dict(next(f for f in shown if "year" in f.names).entries())
            assert chosen[name] == value, (key, name, value)
            page_rows = _report_table(response.content.decode()).count("<tr>") - 1
            export = client.get(url, [*entries, ("export", "csv")])
            body = b"".join(export.streaming_content) if export.streaming else export.content
            lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            exported = len([line for line in lines[1:] if line])
            assert exported == page_rows or (exported == 0 and page_rows == 1), (key, name, value)


def test_the_api_takes_empty_choices_as_no_filter(client, data):
    """Another system builds its query string as a form does: ``account=&kind=`` filters
    nothing, and a value that is not a choice is a 400 in the error shape."""
    client.force_login(data.user("sup_east"))
    url = reverse("api:visit-list")
    everything = {row["id"] for row in client.get(url).json()["results"]}
    blank = client.get(url, {"account": "", "kind": "", "logged_by": ""})
    assert blank.status_code == 200
    assert {row["id"] for row in blank.json()["results"]} == everything
    calls = client.get(url, {"account": "", "kind": "call"})
    assert {row["id"] for row in calls.json()["results"]} == set(
        Visit.objects.visible_to(data.user("sup_east"))
        .filter(kind="call", archived_at=None)
        .values_list("pk", flat=True)
    )
    wrong = client.get(url, {"kind": "nope"})
    assert wrong.status_code == 400
    assert wrong["Content-Type"].startswith("application/problem+json")
