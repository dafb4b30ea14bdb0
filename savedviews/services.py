"""The only write path of saved views."""

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.urls import resolve, reverse
from django.utils.translation import gettext as _

from kam.models import Team
from kam.scoping import CHANGE, VIEW, ensure_visible
from savedviews.lists import URL_NAMES, normalized_query
from savedviews.models import SavedView


def _filterset_class(key):
    view = resolve(reverse(URL_NAMES[key])).func.view_class
    return view.filterset_class, view.queryset.model


def check_query(*, actor, key, query: str) -> str:
    """The normalized query, or a ValidationError naming the filters the list refuses
    for ``actor`` (a choice they may not see is refused like any unknown value)."""
    if key not in URL_NAMES:
        raise ValidationError({"list": _("This list cannot be saved.")})
    query = normalized_query(query)
    filterset_class, model = _filterset_class(key)
    filterset = filterset_class(
        QueryDict(query), queryset=model.objects.none(), request=SimpleNamespace(user=actor)
    )
    if not filterset.is_valid():
        problems = [
            f"{filterset.form.fields[name].label}: {' '.join(errors)}"
            if name in filterset.form.fields
            else " ".join(errors)
            for name, errors in filterset.errors.items()
        ]
        raise ValidationError({"query": _("Some filters are not valid: %(problems)s") % {
            "problems": "; ".join(problems)
        }})  # fmt: skip
    return query


def _check_team(actor, team):
    if team is not None and not Team.objects.visible_to(actor, VIEW).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("You can share a view only with a team you belong to.")})


@transaction.atomic
def saved_view_create(*, actor, key, name, query="", pinned=False, team=None) -> SavedView:
    query = check_query(actor=actor, key=key, query=query)
    _check_team(actor, team)
    view = SavedView(
        owner=actor, list=key, name=name.strip(), query=query, pinned=pinned, team=team
    )
    view.full_clean()
    view.save()
    return view


@transaction.atomic
def saved_view_update(*, actor, view: SavedView, **fields) -> SavedView:
    ensure_visible(actor, view, CHANGE)
    if "query" in fields:
        fields["query"] = check_query(
            actor=actor, key=fields.get("list", view.list), query=fields["query"]
        )
    if "team" in fields:
        _check_team(actor, fields["team"])
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    for name, value in fields.items():
        setattr(view, name, value)
    view.full_clean()
    view.save()
    return view


@transaction.atomic
def saved_view_delete(*, actor, view: SavedView) -> None:
    ensure_visible(actor, view, CHANGE)
    view.delete()
