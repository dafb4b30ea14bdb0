"""Opportunities, plans and risk events in the browser: a stale edit shows both versions and
overwrites nothing (accounts and contacts: tests/integrations/test_api_contract.py)."""

from html.parser import HTMLParser

from django.urls import reverse

from opportunities import services as opportunity_services
from plans import services as plan_services
from tests.factories import OpportunityFactory, PlanFactory


class _Form(HTMLParser):
    """The values a browser would post back for the page's form with ``form_id`` (or
    the first POST form)."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea, self._in_form = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post" and "action" not in attrs:
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.setdefault(name, []).append(attrs.get("value", "on"))
            else:
                self.data[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def _form_of(response):
    parser = _Form()
    parser.feed(response.content.decode())
    return parser.data


def test_a_stale_opportunity_edit_shows_both_versions(client, world):
    opportunity = OpportunityFactory(account=world.accounts["acme"], name="Deal")
    url = reverse("opportunities:edit", args=[opportunity.pk])
    client.force_login(world.user("kam_a"))
    data = _form_of(client.get(url))
    assert data["version"]
    opportunity_services.opportunity_update(
        actor=world.user("sup_east"), opportunity=opportunity, name="Deal by sup"
    )
    response = client.post(url, {**data, "name": "Deal by kam"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-conflict-field="name"' in html
    assert '<td class="theirs">Deal by sup</td>' in html
    assert '<td class="yours">Deal by kam</td>' in html
    opportunity.refresh_from_db()
    assert opportunity.name == "Deal by sup"
    again = client.post(url, {**_form_of(response), "name": "Deal by kam"})
    assert again.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.name == "Deal by kam"


def test_a_stale_plan_edit_shows_both_versions(client, world):
    plan = PlanFactory(account=world.accounts["acme"])
    url = reverse("plans:edit", args=[plan.pk])
    client.force_login(world.user("kam_a"))
    data = _form_of(client.get(url))
    plan_services.plan_update(actor=world.user("kam_a"), plan=plan, objectives="Grow by 20%")
    response = client.post(url, {**data, "objectives": "Keep the account"})
    html = response.content.decode()
    assert 'data-conflict-field="objectives"' in html
    assert "Grow by 20%" in html
    plan.refresh_from_db()
    assert plan.objectives == "Grow by 20%"


def test_a_stale_risk_edit_shows_both_versions(client, world):
    from accounts.service import services as service_services
    from tests.factories import RiskEventFactory

    risk = RiskEventFactory(account=world.accounts["acme"], mitigation="Call the buyer")
    url = reverse("accounts:risk-edit", args=[risk.pk])
    client.force_login(world.user("kam_a"))
    data = _form_of(client.get(url))
    assert data["version"]
    service_services.risk_update(
        actor=world.user("sup_east"), risk=risk, mitigation="Escalate to the CEO"
    )
    response = client.post(url, {**data, "mitigation": "Send an engineer"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-conflict-field="mitigation"' in html
    assert '<td class="theirs">Escalate to the CEO</td>' in html
    assert '<td class="yours">Send an engineer</td>' in html
    risk.refresh_from_db()
    assert risk.mitigation == "Escalate to the CEO"
    again = client.post(url, {**_form_of(response), "mitigation": "Send an engineer"})
    assert again.status_code == 302
    risk.refresh_from_db()
    assert risk.mitigation == "Send an engineer"
