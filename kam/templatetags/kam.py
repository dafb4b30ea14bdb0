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
