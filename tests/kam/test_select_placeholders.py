"""No select shows Django's "---------": a form's empty option reads "Choose…", a filter
bar's "Any" (kam.forms.label_empty_choice), on every page of the access matrix."""

import re

import pytest

from kam.models import User
from tests.kam import test_access_matrix as matrix

world = matrix.world  # the access matrix's world: a record of every kind for every page

pytestmark = pytest.mark.django_db

NOT_PAGES = {"accounts:visit-contact-options", "opportunities:board-column"}
OPTION = re.compile(r"<option[^>]*>\s*([^<]*?)\s*</option>")


def test_no_select_offers_dashes(client, world):
    seen, pages = set(), 0
    for username in ("kam_a", "sup_east", "ops"):
        user = User.objects.get(username=username)
        client.force_login(user)
        for name, spec in sorted(matrix.URLS.items()):
            if spec.kind not in ("page", "list", "edit") or name in NOT_PAGES:
                continue
            if username not in spec.roles:
                continue
            url = matrix._url_for(world, name, spec) + spec.query
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            pages += 1
            options = OPTION.findall(response.content.decode())
            seen.update(options)
            dashes = [text for text in options if set(text) == {"-"}]
            assert dashes == [], f"{name} as {username}"
    assert pages > 50, pages
    assert "Any" in seen
    assert "Choose…" in seen


def test_filter_bars_have_labelled_single_selects(client, world):
    client.force_login(User.objects.get(username="kam_a"))
    for url, ids in (
        ("/accounts/complaints/", ("complaint-category", "complaint-severity")),
        ("/plans/", ("plan-status",)),
    ):
        page = client.get(url, {"status": "draft"}).content.decode()
        for select_id in ids:
            assert f'<label class="form-label small mb-1" for="{select_id}">' in page, url
            select = re.search(rf'<select id="{select_id}"[^>]*>', page).group(0)
            assert "multiple" not in select, url
            first = rf'<select id="{select_id}"[^>]*>\s*<option value="">Any</option>'
            assert re.search(first, page), url
    assert '<option value="draft" selected>' in page  # the chosen status stays chosen
