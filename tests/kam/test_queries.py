"""Shared query shapes: ``on_days`` keeps the rows ``__date__range`` keeps."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Visit
from kam.queries import on_days
from tests.factories import VisitFactory


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/New_York"])
def test_on_days_keeps_what_a_date_range_keeps_at_every_edge(world, settings, zone):
    settings.TIME_ZONE = zone
    local = ZoneInfo(zone)
    first, last = date(2026, 3, 1), date(2026, 3, 31)  # New York moves its clocks on 8 March
    edges = [
        datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=local),
        datetime(2026, 3, 1, 0, 0, tzinfo=local),
        datetime(2026, 3, 8, 3, 0, tzinfo=local),
        datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=local),
        datetime(2026, 4, 1, 0, 0, tzinfo=local),
    ]
    for when in edges:
        VisitFactory(account=world.accounts["acme"], occurred_at=when)
    with timezone.override(zone):
        expected = set(Visit.objects.filter(occurred_at__date__range=(first, last)))
        assert set(Visit.objects.filter(on_days("occurred_at", first, last))) == expected
        since = set(Visit.objects.filter(occurred_at__date__gte=first))
        assert set(Visit.objects.filter(on_days("occurred_at", first))) == since
        until = set(Visit.objects.filter(occurred_at__date__lte=last))
        assert set(Visit.objects.filter(on_days("occurred_at", last=last))) == until
    assert len(expected) == 3
    assert len(since) == 4
    assert len(until) == 4


def test_on_days_reads_an_index_range(world):
    """The range is on the column itself, so the planner can use the visit indexes."""
    query = str(Visit.objects.filter(on_days("occurred_at", date(2026, 1, 1))).query)
    assert '"accounts_visit"."occurred_at" >=' in query
    assert "AT TIME ZONE" not in query
