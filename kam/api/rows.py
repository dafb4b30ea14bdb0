"""Lists of model rows serialized as Django REST framework serializes them, for less.

DRF asks every field of every row for its attribute and its representation through a
chain of generic calls; on a 100-row page that was half the time of the response. A
list of ``ModelSerializer`` (the project's, below) plans each field once per list:

- a field that reads one concrete column of the row (``name``, ``status``, the id of
  ``owner``) takes it straight from the row, and where the field's representation is
  plain (text, integer, boolean, choice, ISO date and date-time, primary key) gives it
  without the call;
- every other field (decimals, methods, properties, nested lists, a column the query
  deferred, a serializer of its own) goes through DRF exactly as before.

``tests/kam/test_api_rows.py`` holds every list of the API to DRF's own answer.
"""

import copy
import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import fields, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from kam.api.fields import TEXT_MAX_LENGTH, DateTimeField

_TEXT_FIELDS = (fields.CharField, fields.EmailField, fields.URLField, fields.SlugField)


def _is_iso(field, default) -> bool:
    output_format = getattr(field, "format", default)
    return isinstance(output_format, str) and output_format.lower() == fields.ISO_8601


def _plain(field):
    """``value -> field.to_representation(value)`` for a value that is not None, where that
    answer is plain; None when the field must be asked."""
    kind = type(field)
    to_representation = field.to_representation
    if kind in _TEXT_FIELDS:
        return str
    if kind is fields.IntegerField:
        return int
    if kind is fields.BooleanField:
        return lambda value: value if value is True or value is False else to_representation(value)
    if kind is fields.ChoiceField:
        choices = field.choice_strings_to_values

        def choice(value):
            if type(value) is str and value:
                return choices.get(value, value)
            return to_representation(value)

        return choice
    if kind is fields.DateTimeField and _is_iso(field, api_settings.DATETIME_FORMAT):
        zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()

        def moment(value):
            if type(value) is datetime.datetime and value.tzinfo is not None and zone:
                text = value.astimezone(zone).isoformat()
                return text[:-6] + "Z" if text.endswith("+00:00") else text
            return to_representation(value)

        return moment
    if kind is fields.DateField and _is_iso(field, api_settings.DATE_FORMAT):
        return lambda value: (
            value.isoformat() if type(value) is datetime.date else to_representation(value)
        )
    if isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None:
        cls = type(field)
        if (
            cls.to_representation is relations.PrimaryKeyRelatedField.to_representation
            and cls.get_attribute is relations.RelatedField.get_attribute
        ):
            return lambda value: value  # PKOnlyObject(pk=value).pk
    return None


def _column(field, model, plain):
    """The attribute of the row that holds ``field``'s value, when it is one column
    (``plain``: what ``_plain`` answers for the field)."""
    if model is None or field.source == "*" or len(field.source_attrs) != 1:
        return None
    try:
        column = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None
    if not column.concrete or column.many_to_many:
        return None
    if column.is_relation:
        # the primary key of the related row: only a primary-key field shows that
        is_key = isinstance(field, relations.PrimaryKeyRelatedField) and plain is not None
        return column.attname if is_key else None
    return column.attname


def _generic(field, instance, ret):
    """What ``Serializer.to_representation`` does for one field."""
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    ret[field.field_name] = None if check_for_none is None else field.to_representation(attribute)


def _prefetched_keys(field, model):
    """The prefetch cache that holds a many-to-many field's rows, when ``field`` shows only
    their primary keys (DRF would build a related manager per row to read it)."""
    if model is None or not isinstance(field, relations.ManyRelatedField):
        return None
    if len(field.source_attrs) != 1 or _plain(field.child_relation) is None:
        return None
    try:
        column = model._meta.get_field(field.source_attrs[0])
    except FieldDoesNotExist:
        return None
    return column.name if column.many_to_many and column.concrete else None


def _row_function(child):
    model = getattr(getattr(child, "Meta", None), "model", None)
    plan, many = [], {}
    for field in child._readable_fields:
        plain = _plain(field)
        attname = _column(field, model, plain)
        plan.append((field, field.field_name, attname, plain))
        many[field.field_name] = _prefetched_keys(field, model)

    def row(instance):
        ret = {}
        values = instance.__dict__ if type(instance) is model else {}
        prefetched = values.get("_prefetched_objects_cache", {})
        for field, name, attname, plain in plan:
            if attname is None or attname not in values:  # not a column, or deferred
                cache = many[name]
                if cache in prefetched and instance.pk is not None:
                    ret[name] = [item.pk for item in prefetched[cache]]
                else:
                    _generic(field, instance, ret)
                continue
            value = values[attname]
            if value is None:
                ret[name] = None
            elif plain is not None:
                ret[name] = plain(value)
            else:
                ret[name] = field.to_representation(value)
        return ret

    return row


class RowListSerializer(serializers.ListSerializer):
    """A list of rows: each field planned once for the list (see the module)."""

    def to_representation(self, data):
        if type(self.child).to_representation is not serializers.Serializer.to_representation:
            return super().to_representation(data)  # a serializer that says it itself
        iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        row = self.__dict__.get("_row")
        if row is None:  # a nested list is asked once per parent row: planned once
            row = self._row = _row_function(self.child)
        return [row(item) for item in iterable]


# The project's model serializer: its lists serialize through ``RowListSerializer``, and
# the fields it builds from its model are built once per class and copied for each use
# (building them read the model's options afresh on every request; a copy is a third of
# the cost). A subclass's own ``get_fields`` still runs on the copy. No docstring: the
# OpenAPI schema would give it as the description of every resource without one.
class ModelSerializer(serializers.ModelSerializer):
    # date-times at the calendar's edges are a 400, not an OverflowError
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }

    def build_standard_field(self, field_name, model_field):
        """Text fields take at most ``TEXT_MAX_LENGTH`` characters."""
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if (
            isinstance(model_field, models.TextField)
            and "max_length" not in kwargs
            and "choices" not in kwargs
            and not kwargs.get("read_only")
        ):
            kwargs["max_length"] = TEXT_MAX_LENGTH
        return field_class, kwargs

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        meta = cls.__dict__.get("Meta")
        if meta is not None and not hasattr(meta, "list_serializer_class"):
            meta.list_serializer_class = RowListSerializer

    def get_fields(self):
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()  # from the class alone: Meta and declared fields
            type(self)._built_fields = built
        return copy.deepcopy(built)
