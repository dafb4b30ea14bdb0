"""The models and the migrations agree: a model change without its migration (including
the history tables pghistory mirrors from tracked models) fails here, not on a user's
`migrate`."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exit_:
        raise AssertionError(f"missing migrations:\n{out.getvalue()}") from exit_
    assert "No changes detected" in out.getvalue()
