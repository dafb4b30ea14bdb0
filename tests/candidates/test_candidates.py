"""The candidate pool on hand-computed cases.

The proposal pool: twenty candidates c01…c20 of team East with revenue i × 1,000 and gross
profit i × 100, and "bigrev" with revenue 1,000,000 and gross profit 50. The scoring model
weighs annual purchase only (100 %), so a score is the percent rank of the revenue × 100:
bigrev 20/20 → 100, c20 19/20 → 95, c18 17/20 → 85. Settings: top 5 % of profit, score
threshold 97. The pool holds 21: 21 × 5 % = 1.05 → the top 2 by profit (c20, c19) are
proposed by profit, c18 (third) is not; bigrev (last by profit) is proposed by its score.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account
from accounts.tiering.models import Criterion, ScoringModel, TierScore
from accounts.tiering.services import accounts_score
from candidates.engine import candidates_score
from candidates.models import (
    Candidate,
    CandidateEvent,
    CandidateSettings,
    CandidateStatus,
)
from kam.choices import NotificationKind
from kam.models import Notification
from tests.browser_forms import page_forms, row_ids

CODES = ["91350100M000100Y43", "91110000802100433B"]
PURCHASE_ONLY = {
    "annual_purchase": 100, "profit_contribution": 0, "revenue_share": 0,
    "strategic_significance": 0, "growth_potential": 0, "relationship_depth": 0,
}  # fmt: skip


def _candidate(team, name, revenue, profit, **fields):
    return Candidate.objects.create(
        name=name, team=team, revenue=Decimal(revenue), gross_profit=Decimal(profit), **fields
    )


@pytest.fixture
def pool(world):
    ScoringModel.objects.create(pk=1, weights=PURCHASE_ONLY)
    CandidateSettings.objects.create(pk=1, profit_share=5, score_threshold=97)
    east = world.teams["East"]
    rows = {f"c{i:02}": _candidate(east, f"c{i:02}", i * 1000, i * 100) for i in range(1, 21)}
    rows["bigrev"] = _candidate(east, "bigrev", 1_000_000, 50)
    return rows


def _state(candidate):
    candidate.refresh_from_db()
    return candidate.status, candidate.proposed_because, candidate.score


def test_top_share_of_profit_and_score_threshold_are_proposed(pool):
    assert candidates_score() == {"scored": 21, "proposed": 3}
    assert _state(pool["c20"]) == ("proposed", "profit", Decimal("95.00"))
    assert _state(pool["c19"]) == ("proposed", "profit", Decimal("90.00"))
    assert _state(pool["c18"]) == ("open", "", Decimal("85.00"))  # third by profit: outside
    assert _state(pool["bigrev"]) == ("proposed", "score", Decimal("100.00"))
    assert (pool["c19"].scoring.profit_rank, pool["c18"].scoring.profit_rank) == (2, 3)
    events = CandidateEvent.objects.filter(kind="proposed")
    assert sorted(events.values_list("candidate__name", "score")) == [
        ("bigrev", Decimal("100.00")), ("c19", Decimal("90.00")), ("c20", Decimal("95.00")),
    ]  # fmt: skip
    # the night after: nothing is proposed twice
    assert candidates_score() == {"scored": 21, "proposed": 0}
    assert CandidateEvent.objects.count() == 3


def test_a_candidate_scores_what_an_account_with_the_same_inputs_scores(world):
    """The default scoring model; three accounts with estimates, three candidates with the
    same revenue and gross profit (revenue × margin): the same totals, tiers and criteria."""
    figures = {"acme": (500_000, 20), "globex": (2_000_000, 10), "initech": (80_000, 35)}
    Account.objects.update(
        is_industry_leader=False, is_reference_customer=False, has_channel_value=False,
        growth_potential=None, cooperation_since=None,
    )  # fmt: skip
    for name, (revenue, margin) in figures.items():
        Account.objects.filter(name=name).update(
            annual_revenue_estimate=revenue, gross_margin_estimate=margin
        )
        _candidate(world.teams["East"], f"cand-{name}", revenue, revenue * margin / 100)
    accounts_score()
    candidates_score()
    for score in TierScore.objects.select_related("account"):
        candidate = Candidate.objects.get(name=f"cand-{score.account.name}")
        assert (candidate.score, candidate.scoring.tier) == (score.total, score.tier)
        criteria = dict(zip(Criterion.values, candidate.scoring.criteria, strict=True))
        for criterion, part in score.breakdown.items():
            assert criteria[criterion] == Decimal(str(part["score"])), criterion
    # globex, largest in revenue and profit: purchase, profit and share 100 (weights 25,
    # 15, 15), strategic 0, growth not assessed 50 (15), relationship 0: 55 + 7.5 = 62.50
    assert Candidate.objects.get(name="cand-globex").score == Decimal("62.50")


@pytest.mark.parametrize("count", [3, 30])
def test_scoring_runs_a_fixed_number_of_statements(world, django_assert_num_queries, count):
    for i in range(count):
        _candidate(world.teams["East"], f"n{i}", i * 10, i)
    # savepoint, SET LOCAL, the scoring model, the settings, emptying the last scores, the
    # one scoring statement, release
    with django_assert_num_queries(7):
        candidates_score()


def _login(client, world, name):
    client.force_login(world.user(name))


def test_promotion_creates_the_account_keeps_its_origin_and_leaves_the_pool(client, world, pool):
    candidates_score()
    bigrev = pool["bigrev"]
    Candidate.objects.filter(pk=bigrev.pk).update(credit_code=CODES[0], region="east")
    _login(client, world, "sup_east")
    page = client.get(reverse("candidates:pool")).content.decode()
    assert row_ids(page)[:3] == [bigrev.pk, pool["c20"].pk, pool["c19"].pk]  # proposed first
    detail = client.get(bigrev.get_absolute_url())
    form = page_forms(detail.content.decode(), "post")
    promote = next(f for f in form if f.id == "promote-form")
    kam_a = world.user("kam_a")
    response = client.post(promote.action, dict(promote.entries(owner=kam_a.pk)))
    account = Account.objects.get(name="bigrev")
    assert (response.status_code, response["Location"]) == (302, account.get_absolute_url())
    assert (account.owner, account.credit_code, account.region) == (kam_a, CODES[0], "east")
    assert account.annual_revenue_estimate == Decimal("1000000.00")
    assert account.gross_margin_estimate == Decimal("0.01")  # 50 / 1,000,000 → 0.005 % ↑
    bigrev.refresh_from_db()
    assert (bigrev.status, bigrev.account) == (CandidateStatus.PROMOTED, account)
    event = bigrev.events.get(kind="promoted")
    assert (event.actor, event.score, event.account) == (world.user("sup_east"), 100, account)
    assert bigrev.pk not in row_ids(client.get(reverse("candidates:pool")).content.decode())
    note = Notification.objects.get(recipient=kam_a, account=account)
    assert note.kind == NotificationKind.ACCOUNT_RECEIVED
    # the new owner sees where the account came from, with the score
    _login(client, world, "kam_a")
    html = client.get(account.get_absolute_url()).content.decode()
    assert "Promoted from the candidate pool (score 100.00)" in html
    # promoting again: the candidate has left the pool
    _login(client, world, "sup_east")
    again = client.post(promote.action, dict(promote.entries(owner=kam_a.pk)))
    assert again.status_code == 400
    assert Account.objects.filter(name="bigrev").count() == 1


def test_dismissal_keeps_the_reason(client, world, pool):
    _login(client, world, "sup_east")
    c05 = pool["c05"]
    forms = page_forms(client.get(c05.get_absolute_url()).content.decode(), "post")
    dismiss = next(f for f in forms if f.id == "dismiss-form")
    empty = client.post(dismiss.action, dict(dismiss.entries()))
    assert empty.status_code == 400
    assert Candidate.objects.get(pk=c05.pk).status == CandidateStatus.OPEN
    response = client.post(dismiss.action, dict(dismiss.entries(reason="A distributor only")))
    assert response.status_code == 302
    c05.refresh_from_db()
    assert c05.status == CandidateStatus.DISMISSED
    assert list(c05.events.values_list("kind", "reason")) == [("dismissed", "A distributor only")]
    assert "A distributor only" in client.get(c05.get_absolute_url()).content.decode()
    candidates_score()  # a dismissed candidate is not scored nor proposed again
    c05.refresh_from_db()
    assert (c05.status, c05.score) == (CandidateStatus.DISMISSED, None)


def test_a_supervisor_outside_the_team_sees_404(client, world, pool):
    _login(client, world, "sup_south")
    c20 = pool["c20"]
    assert client.get(c20.get_absolute_url()).status_code == 404
    url = reverse("candidates:promote", args=[c20.pk])
    assert client.post(url, {"owner": world.user("kam_c").pk}).status_code == 404
    assert row_ids(client.get(reverse("candidates:pool")).content.decode()) == []
    assert not Account.objects.filter(name="c20").exists()


@pytest.mark.parametrize("count", [3, 30])
def test_pool_filters_as_rendered_in_a_fixed_number_of_queries(
    client, world, django_assert_num_queries, count
):
    east, south = world.teams["East"], world.teams["South"]
    rows = [_candidate(east, f"e{i:02}", 1000 + i, 100, region="east") for i in range(count)]
    _candidate(east, "north-one", 5000, 100, region="north")
    _candidate(south, "south-one", 5000, 100, region="east")
    _login(client, world, "ops")
    form = next(f for f in page_forms(client.get(reverse("candidates:pool")).content.decode())
                if f.id == "candidate-filter")  # fmt: skip
    query = form.entries(region="east", team=east.pk)
    # the same number whatever the rows (the count and the page among them)
    with django_assert_num_queries(8):
        response = client.get(reverse("candidates:pool"), query)
    expected = sorted(rows, key=lambda c: c.name)  # all unscored: by name
    assert row_ids(response.content.decode()) == [c.pk for c in expected]


def _bulk(api_client, rows):
    return api_client.post("/api/v1/candidates/bulk/", {"rows": rows}, format="json")


def test_bulk_api_is_idempotent_and_refuses_bad_rows_whole(api_client, world):
    api_client.force_authenticate(world.user("ops"))
    rows = [
        {"external_id": "ERP-1", "name": "Alpha", "team": "East", "revenue": "1000.00",
         "gross_profit": "200.00", "region": "east", "credit_code": CODES[0]},
        {"credit_code": CODES[1], "name": "Beta", "team": "South", "revenue": "50"},
    ]  # fmt: skip
    first = _bulk(api_client, rows)
    assert first.status_code == 200
    assert first.json() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert _bulk(api_client, rows).json() == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2}
    changed = [{**rows[0], "gross_profit": "250.00"}, rows[1]]
    assert _bulk(api_client, changed).json() == {
        "rows": 2, "created": 0, "updated": 1, "unchanged": 1,
    }  # fmt: skip
    alpha = Candidate.objects.get(external_id="ERP-1")
    assert (alpha.team, alpha.gross_profit) == (world.teams["East"], Decimal("250.00"))
    bad = [
        {"external_id": "ERP-3", "name": "Gamma", "team": "East"},
        {"external_id": "ERP-4", "name": "Delta", "team": "Nowhere"},
        {"external_id": "ERP-5", "name": "Eps", "team": "East", "credit_code": "123"},
    ]
    refused = _bulk(api_client, bad)
    assert refused.status_code == 400
    assert refused["Content-Type"].startswith("application/problem+json")
    errors = refused.json()["errors"]["rows"]
    assert sorted(errors) == ["1", "2"]
    assert (list(errors["1"]), list(errors["2"])) == (["team"], ["credit_code"])
    assert Candidate.objects.count() == 2
    # a supervisor may not import
    api_client.force_authenticate(world.user("sup_east"))
    assert _bulk(api_client, rows).status_code == 404


def _upload(client, name, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(reverse("candidates:import"), {"file": upload})


def test_import_preview_refuses_a_wrong_file_wholly_and_imports_a_right_one(client, world):
    _login(client, world, "ops")
    wrong = "External id,Name,Team,Annual revenue\nX-1,One,East,100\nX-2,Two,Nowhere,100\n"
    response = _upload(client, "wrong.csv", wrong)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="import-refused"' in html
    assert "Line 3" in html  # the second data row, under the header
    assert 'id="import-confirm"' not in html
    assert Candidate.objects.count() == 0
    right = "External id,Name,Team,Annual revenue,Annual gross profit\nX-1,One,East,100,20\n"
    preview = _upload(client, "right.csv", right)
    confirm = next(f for f in page_forms(preview.content.decode(), "post")
                   if f.id == "import-confirm")  # fmt: skip
    # the clicked button is sent with the form's fields, as a browser does
    done = client.post(reverse("candidates:import"), dict([*confirm.entries(), ("confirm", "1")]))
    assert done.status_code == 302
    one = Candidate.objects.get()
    assert (one.external_id, one.name, one.team, one.gross_profit) == (
        "X-1", "One", world.teams["East"], Decimal("20.00"),
    )  # fmt: skip
