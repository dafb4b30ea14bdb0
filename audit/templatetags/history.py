from django import template

from audit.history import history_url as _history_url

register = template.Library()


@register.filter
def history_url(obj):
    """The URL of the history page of ``obj`` ("" when it has none); no query."""
    return _history_url(obj)
