"""Short lists of related rows read inside the statement of the row they hang off.

The account page shows an account with a dozen short lists (team, timeline, service
card…); a query per list made it 33 queries. A ``Nested`` list is an
``ARRAY(SELECT jsonb …)`` subquery annotated on the outer row: the rows come back as
model instances, with their ``select_related`` objects and their prefetched lists in
place, so templates call the same methods as on rows read by their own query.

    Nested(Visit.objects.filter(account=OuterRef("pk"))[:100],
           related={"logged_by": USER_FIELDS},
           lists={"contacts": Nested(Contact.objects.filter(visits=OuterRef("pk")))})

Only the fields named (all concrete fields by default) are read; the others are deferred.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, models
from django.db.models import F
from django.db.models.functions import Cast, JSONObject
from django.db.models.query import ModelIterable

#: what pages show of a person (``display_name``, links)
USER_FIELDS = ("id", "username", "full_name", "first_name", "last_name", "email", "role")


def _field_names(model, fields):
    concrete = model._meta.concrete_fields
    if fields is None:
        return list(concrete)
    wanted = set(fields)
    return [field for field in concrete if field.name in wanted or field.attname in wanted]


def _json(model, prefix, fields, related):
    """A JSON object of ``fields`` of the row, and of each foreign key in ``related``
    ({name: its fields, None for all}) under "@name"."""
    items = {}
    for field in _field_names(model, fields):
        value = F(f"{prefix}{field.attname}")
        if isinstance(field, models.DecimalField):
            value = Cast(value, models.TextField())  # exact, not a float
        items[field.attname] = value
    for name, target_fields in related.items():
        target = model._meta.get_field(name).related_model
        items[f"@{name}"] = _json(target, f"{prefix}{name}__", target_fields, {})
    return JSONObject(**items)


def _instance(model, data, fields, related):
    pk = model._meta.pk.attname
    if data is None or data.get(pk) is None:
        return None
    names, values = [], []
    for field in _field_names(model, fields):
        value = data.get(field.attname)
        if value is not None and not isinstance(field, models.JSONField):
            value = field.to_python(value)
        names.append(field.attname)
        values.append(value)
    obj = model.from_db("default", names, values)
    for name, target_fields in related.items():
        field = model._meta.get_field(name)
        related_obj = _instance(field.related_model, data.get(f"@{name}"), target_fields, {})
        field.set_cached_value(obj, related_obj)
    return obj


_RELATIONS: dict = {}


def _relation(obj, name):
    """(prefetch cache name, related model, filter lookups) of ``obj.<name>``, learnt once
    per model from one related manager: building a manager per row is what costs."""
    key = (type(obj), name)
    if key not in _RELATIONS:
        manager = getattr(obj, name)
        cache_name = getattr(manager, "prefetch_cache_name", None)
        if cache_name is None:
            cache_name = manager.field.remote_field.cache_name
        _RELATIONS[key] = (cache_name, manager.model, tuple(manager.core_filters))
    return _RELATIONS[key]


def set_prefetched(obj, name, items):
    """Put ``items`` where ``obj.<name>.all()`` finds them, as prefetch_related does. The
    queryset still knows its relation (a deferred filter, as Django's related managers
    keep it), so a further ``.filter()`` on it asks the database the right question."""
    cache_name, model, lookups = _relation(obj, name)
    queryset = model._default_manager.all()
    queryset._deferred_filter = (False, (), dict.fromkeys(lookups, obj.pk))
    queryset._result_cache = list(items)
    queryset._prefetch_done = True
    if not hasattr(obj, "_prefetched_objects_cache"):
        obj._prefetched_objects_cache = {}
    obj._prefetched_objects_cache[cache_name] = queryset


class Nested:
    """A list of ``queryset``'s rows (filtered with ``OuterRef`` on the outer row)."""

    def __init__(self, queryset, *, fields=None, related=None, lists=None):
        self.queryset = queryset
        self.model = queryset.model
        self.fields = fields
        self.related = related or {}  # {fk name: its fields, None for all}
        self.lists = lists or {}  # {m2m or reverse name: Nested}

    def expression(self):
        obj = _json(self.model, "", self.fields, self.related)
        if self.lists:
            lists = {f"#{name}": nested.expression() for name, nested in self.lists.items()}
            obj = JSONObject(row=obj, **lists)
        return ArraySubquery(self.queryset.values(json=obj))

    def build(self, rows):
        """The instances of the array read for ``expression()``."""
        result = []
        for data in rows or ():
            row = data["row"] if self.lists else data
            obj = _instance(self.model, row, self.fields, self.related)
            for name, nested in self.lists.items():
                set_prefetched(obj, name, nested.build(data.get(f"#{name}")))
            result.append(obj)
        return result


class _NestedIterable(ModelIterable):
    """Model instances with the ``lists`` of ``with_nested`` put in place."""

    lists: dict = {}

    def __iter__(self):
        for obj in super().__iter__():
            for name, nested in self.lists.items():
                set_prefetched(obj, name, nested.build(obj.__dict__.pop(f"nested_{name}", None)))
            yield obj


def with_nested(queryset, **lists):
    """``queryset`` whose rows carry ``lists`` ({relation name: ``Nested`` filtered on
    ``OuterRef("pk")``}) where ``prefetch_related`` would put them, read in the rows' own
    statement: a prefetch costs a query and a queryset per row to build, a page of 100
    visits spent a third of its time there."""
    queryset = queryset.annotate(
        **{f"nested_{name}": nested.expression() for name, nested in lists.items()}
    )
    queryset._iterable_class = type("NestedIterable", (_NestedIterable,), {"lists": lists})
    return queryset


def _unpack(row, lists, extra):
    found = {name: nested.build(row.get(f"n_{name}")) for name, nested in lists.items()}
    found["extra"] = {name: row.get(name) for name in extra}
    return found


#: the primary key a statement is compiled with, replaced by the real one when it runs
_SENTINEL = -918_273_645


class _Statement:
    """The lists of ``Nested`` (and the ``extra`` annotations) on the one row of ``rows``,
    compiled to SQL once, with the places its row's key goes."""

    def __init__(self, rows, lists, extra):
        expressions = {f"n_{name}": nested.expression() for name, nested in lists.items()}
        queryset = rows.values(*extra, **expressions)[:1]
        query = queryset.query
        self.using = queryset.db
        compiler = query.get_compiler(using=self.using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.positions = [i for i, value in enumerate(self.params) if value == _SENTINEL]
        if not self.positions:
            raise ValueError("the statement does not depend on the row's key")
        self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        columns = [column for column, _sql, _alias in compiler.select]
        self.converters = list(compiler.get_converters(columns).items())
        self.lists, self.extra = lists, tuple(extra)

    def run(self, pk) -> dict:
        params = list(self.params)
        for position in self.positions:
            params[position] = pk
        connection = connections[self.using]  # this thread's
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            found = cursor.fetchone()
        row = {}
        if found is not None:
            values = list(found)
            for position, (converters, expression) in self.converters:
                for converter in converters:
                    values[position] = converter(values[position], expression, connection)
            row = dict(zip(self.names, values, strict=True))
        return _unpack(row, self.lists, self.extra)


_STATEMENTS: dict = {}


def read_nested_by_pk(key, pk, build) -> dict:
    """{name: instances} of each ``Nested`` list on the row ``pk``, and {annotation: value}
    of the ``extra`` ones under "extra": one query. ``build(pk)`` returns (rows, lists,
    extra) for the row ``pk``; the SQL is built and compiled once per ``key`` in the
    process, so ``key`` names everything else it depends on (a year, a limit). On the
    account page, building and compiling the timeline's and the cards' statements cost
    more than running them."""
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS[key] = _Statement(*build(_SENTINEL))
    return statement.run(pk)
