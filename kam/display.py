"""``get_FOO_display`` at the cost of one dictionary look-up.

Django's own builds a dictionary of the field's choices on every call and, to hash
them, translates every label; a list of 100 rows showing four choice fields translated
a few thousand labels per page. ``ChoiceLabels`` keeps each field's {value: label}
(labels still lazy, translated once when shown) and gives the same answer.
"""

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


class ChoiceLabels:
    """Mixed into a model before ``models.Model``: ``get_FOO_display`` reads a cached map."""

    def _get_FIELD_display(self, field):  # noqa: N802 - the name Django calls
        labels = field.__dict__.get("_choice_labels")
        if labels is None:
            labels = {make_hashable(value): label for value, label in field.flatchoices}
            field._choice_labels = labels
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
