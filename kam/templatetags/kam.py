from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (for pagination)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def may(user, capability):
    """``{% if user|may:"pipeline.configure" %}``: kam.capabilities.may in a template."""
    from kam.capabilities import may as _may

    return _may(user, capability)


@register.filter
def deadline_phrase(deadline):
    """``{{ complaint.response_due|deadline_phrase }}``: "26 h overdue" (kam.durations)."""
    from kam.durations import deadline_phrase as _phrase

    return _phrase(deadline) if deadline else ""


@register.simple_tag
def deadline_patterns():
    """The phrases static/js/countdown.js fills in, as ``data-*`` attributes."""
    from django.utils.html import format_html_join

    from kam.durations import deadline_patterns as _patterns

    return format_html_join(" ", 'data-{}="{}"', _patterns().items())
