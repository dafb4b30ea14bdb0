"""Credit exposure, its warnings, the health check's risk component, the page, the report,
the API and the credit review, on hand-computed cases.

acme (kam_a, East led by sup_east), credit limit 1,000,000, a plan this year:
  month 1 invoiced 700,000                       -> exposure 700,000 = 70.0 %: no warning
  + month 2 invoiced 150,000                     -> 850,000 = 85.0 %: the warning (80 %)
  + month 3 invoiced 200,000, 5,000 over 90 days -> 1,050,000 = 105.0 %: over the limit,
                                                    and overdue more than 90 days
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.health.models import HealthSnapshot
from accounts.health.services import health_check_run
from accounts.models import Account
from accounts.service.models import RiskEvent
from audit.models import AccountEvent
from credit.engine import credit_check
from credit.models import CreditLevel, CreditReview, CreditWarning
from credit.services import add_months
from kam.choices import NotificationKind
from kam.models import Notification
from plans.credit import with_exposure
from plans.models import ActionItem, Actual
from tests.browser_forms import page_forms
from tests.factories import AccountFactory, ActualFactory, PlanFactory

YEAR = timezone.localdate().year
LIMIT = Decimal("1000000")
CREDIT_KINDS = (
    NotificationKind.CREDIT_WARNING,
    NotificationKind.CREDIT_OVER_LIMIT,
    NotificationKind.CREDIT_OVERDUE,
)


@pytest.fixture
def acme(world):
    acme = world.accounts["acme"]
    Account.objects.filter(pk=acme.pk).update(credit_limit=LIMIT, tier="A")
    acme.refresh_from_db()
    PlanFactory(account=acme, year=YEAR)
    return acme


def _notes(world, kind=None):
    """{username: count} of the credit notifications (of ``kind``)."""
    rows = Notification.objects.filter(kind__in=CREDIT_KINDS)
    if kind:
        rows = rows.filter(kind=kind)
    counts = {}
    for username in rows.values_list("recipient__username", flat=True):
        counts[username] = counts.get(username, 0) + 1
    return counts


def _open_levels(account):
    return set(CreditWarning.objects.open().filter(account=account).values_list("level", flat=True))


def _over(acme):
    ActualFactory(account=acme, year=YEAR - 1, month=10, invoiced=700_000)
    ActualFactory(account=acme, year=YEAR - 1, month=11, invoiced=150_000)
    ActualFactory(account=acme, year=YEAR - 1, month=12, invoiced=200_000, overdue_over_90=5_000)


def test_crossing_80_then_100_percent_warns_once_each(world, acme):
    ActualFactory(account=acme, year=YEAR - 1, month=10, invoiced=700_000)
    assert credit_check()["raised"] == 0
    assert _notes(world) == {}

    ActualFactory(account=acme, year=YEAR - 1, month=11, invoiced=150_000)
    assert credit_check()["raised"] == 1
    assert _open_levels(acme) == {CreditLevel.WARNING}
    assert _notes(world, NotificationKind.CREDIT_WARNING) == {"kam_a": 1, "sup_east": 1}
    note = Notification.objects.filter(recipient=world.user("kam_a")).get(
        kind=NotificationKind.CREDIT_WARNING
    )
    assert note.message == (
        "The credit exposure of acme, 850,000.00, has reached 85.0% of its credit limit of "
        "1,000,000.00 (warning at 80%)."
    )
    assert note.url == acme.get_absolute_url()
    risk = RiskEvent.objects.get(account=acme)
    assert (risk.type, risk.level, risk.status, risk.owner) == (
        "credit", "medium", "open", world.user("kam_a"),
    )  # fmt: skip
    item = ActionItem.objects.get(plan__account=acme)
    assert (item.title, item.owner, item.department, item.status) == (
        "Collect the overdue receivables", world.user("kam_a"), "finance", "open",
    )  # fmt: skip

    ActualFactory(account=acme, year=YEAR - 1, month=12, invoiced=200_000, overdue_over_90=5_000)
    assert credit_check()["raised"] == 2
    assert _open_levels(acme) == {
        CreditLevel.WARNING, CreditLevel.OVER_LIMIT, CreditLevel.OVERDUE_90,
    }  # fmt: skip
    assert _notes(world, NotificationKind.CREDIT_OVER_LIMIT) == {"kam_a": 1, "sup_east": 1}
    assert _notes(world, NotificationKind.CREDIT_OVERDUE) == {"kam_a": 1, "sup_east": 1}
    assert sorted(RiskEvent.objects.filter(account=acme).values_list("level", flat=True)) == [
        "high", "high", "medium",
    ]  # fmt: skip
    # one collection task while the first is open
    assert ActionItem.objects.filter(plan__account=acme).count() == 1

    # the same check again: nothing new
    assert credit_check() == {"cleared": 0, "raised": 0, "risks": 0, "notifications": 0,
                              "tasks": 0}  # fmt: skip
    assert _notes(world) == {"kam_a": 3, "sup_east": 3}
    assert CreditWarning.objects.count() == 3


def test_back_under_the_level_and_over_again_is_a_new_episode(world, acme):
    _over(acme)
    credit_check()
    # paid down to 600,000 and nothing overdue: every episode ends
    ActualFactory(account=acme, year=YEAR, month=1, collected=450_000)
    assert credit_check()["cleared"] == 3
    assert _open_levels(acme) == set()
    # run up again over the limit: warns again (only the higher percentage level speaks)
    ActualFactory(account=acme, year=YEAR, month=2, invoiced=500_000)
    result = credit_check()
    assert result["raised"] == 2  # the warning opens silently under the over-limit one
    assert result["notifications"] == 2
    assert _notes(world, NotificationKind.CREDIT_OVER_LIMIT) == {"kam_a": 2, "sup_east": 2}
    assert _notes(world, NotificationKind.CREDIT_WARNING) == {}  # always under the higher


def test_overdue_90_warns_once_without_a_limit_and_without_a_plan(world):
    globex = world.accounts["globex"]  # kam_b (East), no credit limit, no plan
    ActualFactory(account=globex, year=YEAR, month=1, invoiced=10, overdue_over_90=1_000)
    assert credit_check()["raised"] == 1
    assert credit_check()["raised"] == 0
    assert _open_levels(globex) == {CreditLevel.OVERDUE_90}
    assert _notes(world) == {"kam_b": 1, "sup_east": 1}
    note = Notification.objects.get(recipient=world.user("kam_b"), kind__in=CREDIT_KINDS)
    assert note.message == "globex has 1,000.00 of receivables overdue more than 90 days."
    assert not ActionItem.objects.exists()  # no plan this year: the notification only


def _book(owner, count):
    for index in range(count):
        account = AccountFactory(name=f"book-{index}", owner=owner, credit_limit=100)
        ActualFactory(account=account, year=YEAR, month=1, invoiced=150, overdue_over_90=10)
        PlanFactory(account=account, year=YEAR)


@pytest.mark.parametrize("count", [3, 30])
def test_the_check_runs_a_fixed_number_of_statements(world, django_assert_num_queries, count):
    _book(world.user("kam_a"), count)
    with django_assert_num_queries(6):  # savepoint, settings, clear, raise, collect, release
        result = credit_check()
    assert result == {"cleared": 0, "raised": 3 * count, "risks": 2 * count,
                      "notifications": 4 * count, "tasks": count}  # fmt: skip


def test_the_health_risk_component_reads_the_exposure(world, acme):
    _over(acme)
    credit_check()  # its risk events are not counted twice
    health_check_run()
    risk = HealthSnapshot.objects.get(account=acme).components["risk"]
    assert Decimal(str(risk["score"])) == Decimal(20)  # 100 - 40 over the limit - 40 overdue
    assert risk["inputs"]["credit_penalty"] == 80
    assert Decimal(str(risk["inputs"]["credit_share"])) == Decimal("105.0")
    other = HealthSnapshot.objects.get(account=world.accounts["initech"]).components["risk"]
    assert Decimal(str(other["score"])) == Decimal(100)


def _number(text):
    return Decimal(text.replace(",", "").strip())


def test_page_report_and_api_show_one_figure(client, world, acme):
    _over(acme)
    client.force_login(world.user("sup_east"))
    page = client.get(reverse("accounts:detail", args=[acme.pk])).content.decode()
    card = page.split('id="credit-card"', 1)[1]
    on_page = _number(card.split("data-credit-exposure>", 1)[1].split("<", 1)[0])
    assert 'data-credit-badge="over_limit"' in card
    assert 'data-credit-badge="overdue_90"' in card
    report = client.get(reverse("credit:report")).content.decode()
    row = report.split(f'data-account="{acme.pk}"', 1)[1]
    in_report = _number(row.split("data-exposure>", 1)[1].split("<", 1)[0])
    api = client.get(reverse("api:credit-exposure-detail", args=[acme.pk])).json()
    assert on_page == in_report == Decimal(api["exposure"]) == Decimal("1050000")
    assert (api["share"], api["status"], api["overdue_90"]) == ("105.0", "over_limit", "5000.00")
    east = report.split('id="team-table"', 1)[1].split(f'data-team="{world.teams["East"].pk}"')[1]
    assert _number(east.split("data-exposure>", 1)[1].split("<", 1)[0]) == Decimal("1050000")
    exported = client.get(reverse("credit:report") + "?export=csv")
    lines = b"".join(exported.streaming_content).decode().strip().splitlines()
    assert lines[1].startswith("acme,")
    assert len(lines) == 2


def test_the_report_is_scoped(client, world, acme):
    _over(acme)
    client.force_login(world.user("sup_south"))
    report = client.get(reverse("credit:report"))
    assert report.status_code == 200
    assert report.context["over"] == []
    east = world.teams["East"].pk
    assert client.get(reverse("credit:report") + f"?team={east}").status_code == 404
    assert client.get(reverse("credit:review", args=[acme.pk])).status_code == 404
    client.force_login(world.user("kam_a"))
    assert client.get(reverse("credit:report")).status_code == 404


def _review_form(client, account):
    html = client.get(reverse("credit:review", args=[account.pk])).content.decode()
    return next(f for f in page_forms(html, method="post") if f.id == "credit-review-form")


def test_a_review_records_applies_and_schedules_the_next_by_tier(client, world, acme):
    client.force_login(world.user("sup_east"))
    form = _review_form(client, acme)
    chosen = {"new_rating": "BBB", "new_limit": "1200000", "reason": "Paid on time all year."}
    response = client.post(reverse("credit:review", args=[acme.pk]), dict(form.entries(**chosen)))
    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.credit_rating, acme.credit_limit) == ("BBB", Decimal("1200000"))
    review = CreditReview.objects.get(account=acme)
    today = timezone.localdate()
    assert (review.reviewed_on, review.reviewed_by, review.old_limit, review.new_limit) == (
        today, world.user("sup_east"), LIMIT, Decimal("1200000"),
    )  # fmt: skip
    assert review.next_review_on == add_months(today, 3)  # tier A: every quarter
    changed = AccountEvent.objects.filter(pgh_obj_id=acme.pk, pgh_label="update")
    assert changed.filter(credit_limit=Decimal("1200000")).exists()
    # tier C: yearly
    Account.objects.filter(pk=acme.pk).update(tier="C")
    response = client.post(
        reverse("api:credit-exposure-review", args=[acme.pk]),
        {"new_rating": "A", "new_limit": "900000", "reason": "Late payments."},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["next_review_on"] == add_months(today, 12).isoformat()
    api = client.get(reverse("api:credit-exposure-detail", args=[acme.pk])).json()
    assert (api["credit_rating"], api["next_review_on"], api["review_due"]) == (
        "A", add_months(today, 12).isoformat(), False,
    )  # fmt: skip


def test_months_are_added_to_the_last_day_of_a_shorter_month():
    from datetime import date

    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 31), 12) == date(2027, 1, 31)


def test_bad_review_input_gives_field_errors(client, world, acme):
    client.force_login(world.user("sup_east"))
    form = _review_form(client, acme)
    response = client.post(
        reverse("credit:review", args=[acme.pk]),
        dict(form.entries(new_limit="-5", reason="")),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"new_limit", "reason"}
    response = client.post(
        reverse("api:credit-exposure-review", args=[acme.pk]),
        {"new_rating": "ZZZ", "new_limit": "abc"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"new_rating", "new_limit", "reason"}
    assert not CreditReview.objects.exists()
    acme.refresh_from_db()
    assert acme.credit_limit == LIMIT


def test_exposure_is_the_balance_but_never_under_the_overdue(world):
    account = world.accounts["initech"]
    ActualFactory(account=account, year=YEAR, month=1, invoiced=100, collected=300)
    ActualFactory(account=account, year=YEAR, month=2, invoiced=100, overdue_1_30=40)
    row = with_exposure(Account.objects.filter(pk=account.pk)).get()
    # balance -100, latest overdue 40 -> 40; no limit -> no share
    assert (row.credit_exposure, row.credit_share) == (Decimal(40), None)
    Actual.objects.filter(account=account, month=1).update(collected=50)
    row = with_exposure(Account.objects.filter(pk=account.pk)).get()
    assert row.credit_exposure == Decimal(150)


def test_the_account_list_filters_over_the_limit_in_a_fixed_number_of_queries(
    client, world, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.browser_forms import row_ids

    kam = world.user("kam_a")
    client.force_login(kam)
    url = reverse("accounts:list") + "?over_credit_limit=true"

    def over(count):
        made = []
        for index in range(count):
            account = AccountFactory(name=f"over-{index}-{count}", owner=kam, credit_limit=100)
            ActualFactory(account=account, year=YEAR, month=1, invoiced=100)  # 100 %: over
            made.append(account.pk)
        under = AccountFactory(owner=kam, credit_limit=100)
        ActualFactory(account=under, year=YEAR, month=1, invoiced=99)
        return made

    first = over(3)
    client.get(url)  # warm the per-language form class
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert sorted(row_ids(response.content.decode())) == sorted(first)
    more = first + over(27)
    with django_assert_num_queries(len(three)):
        response = client.get(url)
    assert sorted(row_ids(response.content.decode())) == sorted(more)
    api = client.get(reverse("api:account-list"), {"over_credit_limit": "false", "page_size": 100})
    assert {row["name"] for row in api.json()["results"]} >= {"acme", "globex"}
    assert not {row["id"] for row in api.json()["results"]} & set(more)
