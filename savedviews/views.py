"""Save, pin, share and delete a list's view from the list page itself."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from kam.models import Team
from kam.scoping import CHANGE
from savedviews import services
from savedviews.lists import URL_NAMES
from savedviews.models import SavedView


def _back(request, fallback):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _posted_team(request):
    """The team named by the form's ``team`` field, if it is one the user may see."""
    value = request.POST.get("team", "")
    if not (value.isascii() and value.isdigit()):
        return None
    return Team.objects.visible_to(request.user).filter(pk=value).first()


def _error_text(error: ValidationError) -> str:
    return " ".join(message for messages_ in error.message_dict.values() for message in messages_)


class SavedViewCreateView(LoginRequiredMixin, View):
    def post(self, request):
        key = request.POST.get("list", "")
        if key not in URL_NAMES:
            raise Http404
        team = _posted_team(request)
        name = request.POST.get("name", "").strip()
        if not name:
            messages.error(request, _("Give the view a name."))
            return _back(request, "/")
        try:
            view = services.saved_view_create(
                actor=request.user,
                key=key,
                name=name,
                query=request.POST.get("query", ""),
                pinned=bool(request.POST.get("pinned")),
                team=team,
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return _back(request, "/")
        messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
        return HttpResponseRedirect(view.get_absolute_url())


class SavedViewChangeView(LoginRequiredMixin, View):
    """POST ``action``: pin, unpin, share (with ``team``), unshare or delete."""

    def post(self, request, pk):
        view = get_object_or_404(SavedView.objects.visible_to(request.user, CHANGE), pk=pk)
        action = request.POST.get("action", "")
        fallback = view.get_absolute_url()
        try:
            if action == "delete":
                services.saved_view_delete(actor=request.user, view=view)
                messages.success(
                    request, _("The view “%(name)s” is deleted.") % {"name": view.name}
                )
            elif action in ("pin", "unpin"):
                services.saved_view_update(actor=request.user, view=view, pinned=action == "pin")
            elif action == "unshare":
                services.saved_view_update(actor=request.user, view=view, team=None)
            elif action == "share":
                team = _posted_team(request)
                if team is None:
                    raise ValidationError({"team": _("Choose one of your teams.")})
                services.saved_view_update(actor=request.user, view=view, team=team)
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, _error_text(error))
        return _back(request, fallback)
