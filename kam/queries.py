"""Query shapes shared by the lists and reports."""

import re
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone


def select_related_fields(queryset: QuerySet, related: dict) -> QuerySet:
    """``queryset.select_related`` of each relation in ``related`` ({lookup: field names}),
    reading only the fields named of the related row, and its key; the row's own fields
    are all read. A list that shows an account's name needs none of its 34 other columns:
    reading and building them was a fifth of a 100-row page of visits. Reading a field
    left out costs a query per row, so the lists that use this hold their query count
    whatever the number of rows (tests/kam/test_api_rows.py)."""
    deferred = []
    for lookup, names in related.items():
        model = queryset.model
        for part in lookup.split("__"):
            model = model._meta.get_field(part).related_model
        keep = {model._meta.pk.name, *names}
        deferred += [
            f"{lookup}__{field.name}"
            for field in model._meta.concrete_fields
            if field.name not in keep and field.attname not in keep
        ]
    return queryset.select_related(*related).defer(*deferred)


def on_days(field: str, first: date | None = None, last: date | None = None) -> Q:
    """``field`` (a date and time) on the local days ``first`` to ``last``, both included
    (either may be left open), as a range of instants. ``field__date__range`` turns each
    row's value into a date first, which no index can serve: the activity report read
    every visit of every account in sight to keep a year's."""
    bounds = {}
    if first is not None:
        bounds[f"{field}__gte"] = day_start(first)
    if last is not None:
        bounds[f"{field}__lt"] = day_start(last + timedelta(days=1))
    return Q(**bounds)


def day_start(day: date) -> datetime:
    """The first instant of the local day ``day``."""
    return timezone.make_aware(datetime.combine(day, time.min))


def named_sql(queryset: QuerySet, prefix: str) -> tuple[str, dict]:
    """A queryset's SQL and parameters for a raw statement that passes its parameters by
    name (``%(name)s``): each ``%s`` becomes ``%(prefix_N)s``. The set-based engines
    select from a rule's queryset this way instead of writing the rule again in SQL."""
    sql, params = queryset.query.sql_with_params()
    named, parts = {}, []
    for part in re.split(r"(%%|%s)", sql):
        if part == "%s":
            name = f"{prefix}_{len(named)}"
            named[name] = params[len(named)]
            parts.append(f"%({name})s")
        else:
            parts.append(part)
    return "".join(parts), named
