"""'active', the lifecycle stage before developing and mature were told apart, still
works where people and other systems name a stage: the account list's filter (as its
form sends it) and the bulk API, where a row written "active" starts developing."""

from django.urls import reverse

from accounts.choices import AccountStatus
from accounts.models import Account
from tests.browser_forms import page_forms, row_ids
from tests.factories import AccountFactory


def test_the_list_filter_offers_active_and_it_means_developing_or_mature(client, world):
    kam = world.user("kam_a")
    stages = {}
    for stage in AccountStatus.values:
        stages[stage] = AccountFactory(owner=kam, name=f"Stage {stage}", status=stage).pk
    client.force_login(kam)
    html = client.get(reverse("accounts:list")).content.decode()
    (form,) = [form for form in page_forms(html) if "status" in form.names]
    offered = [value for value, *_ in form.control("status").options]
    assert "active" in offered
    response = client.get(reverse("accounts:list"), form.entries(status=["active"]))
    mine = set(row_ids(response.content.decode())) & set(stages.values())
    assert mine == {stages["developing"], stages["mature"]}
    response = client.get(reverse("accounts:list"), form.entries(status=["active", "lost"]))
    mine = set(row_ids(response.content.decode())) & set(stages.values())
    assert mine == {stages["developing"], stages["mature"], stages["lost"]}


def test_a_bulk_row_written_active_starts_developing(api_client, world):
    api_client.force_authenticate(world.user("kam_a"))
    response = api_client.post(
        reverse("api:account-bulk"),
        {"rows": [{"external_id": "LEGACY-1", "name": "Legacy Co", "status": "active"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert Account.objects.get(external_id="LEGACY-1").status == AccountStatus.DEVELOPING
    response = api_client.post(
        reverse("api:account-bulk"),
        {"rows": [{"external_id": "LEGACY-1", "status": "retired"}]},
        format="json",
    )
    assert response.status_code == 400
