"""Coaching pages: a KAM's coaching page (trend, tags, sessions), the tags panel that a
reviewed visit or plan loads (accounts.selectors.review_panel), the competences' page.
Whose coaching one reads: ``selectors.coaching_kams``; who records it:
``selectors.may_record_for``."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Visit
from audit.history import history_entries
from coaching import selectors, services
from coaching.forms import CompetenceFormSet, SessionForm, TagForm
from coaching.models import Competence, CompetenceEvent
from kam.capabilities import CapabilityRequiredMixin
from kam.forms import add_service_errors
from plans.models import AccountPlan

HISTORY_ENTRIES = 50


def _kam_or_404(user, pk):
    kam = selectors.coaching_kams(user).filter(pk=pk).first()
    if kam is None:
        raise Http404
    return kam


class KamCoachingView(LoginRequiredMixin, TemplateView):
    """A KAM's coaching page: strengths and gaps per competence over the last quarters,
    the latest tags with their visit or plan, the sessions and trainings. The KAM reads
    it; those who lead them also record sessions (and read the private notes)."""

    template_name = "coaching/kam.html"

    def get(self, request, pk, *args, **kwargs):
        kam = _kam_or_404(request.user, pk)
        can_record = selectors.may_record_for(request.user, kam.pk)
        form = SessionForm() if can_record else None
        return self.render_to_response(self._context(kam, can_record, form))

    def _context(self, kam, can_record, form):
        return self.get_context_data(
            page=selectors.coaching_page(kam=kam), kam=kam, can_record=can_record,
            session_form=form,
        )  # fmt: skip


class SessionCreateView(CapabilityRequiredMixin, KamCoachingView):
    """POST: record a coaching session or a training of a KAM one leads."""

    capability = "coaching.record"
    http_method_names = ["post"]

    def post(self, request, pk, *args, **kwargs):
        kam = _kam_or_404(request.user, pk)
        if not selectors.may_record_for(request.user, kam.pk):
            raise Http404
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                session = services.coaching_session_record(
                    actor=request.user, kam=kam, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The session is recorded."))
                url = reverse("coaching:kam", args=[kam.pk])
                return HttpResponseRedirect(f"{url}#session-{session.pk}")
        return self.render_to_response(self._context(kam, True, form), status=400)


# --- the tags panel of a reviewed visit or plan ---------------------------------------


class _TagsPanelMixin:
    """The panel of one kind of record: its tags (those the reader may read) and, for a
    reader who leads its KAM, the form that tags it."""

    template_name = "coaching/_tags_panel.html"
    kind = ""  # visit | plan

    def record(self, user, pk):
        if self.kind == "visit":
            queryset = Visit.objects.select_related("account", "logged_by")
        else:
            queryset = AccountPlan.objects.select_related("account__owner")
        record = queryset.visible_to(user).filter(pk=pk).first()
        if record is None:
            raise Http404
        return record

    def panel(self, request, record, form=None, status=200):
        kam_id = services.record_owner_id(**{self.kind: record})
        can_tag = selectors.may_record_for(request.user, kam_id)
        if can_tag and form is None:
            form = TagForm()
        context = {
            "record": record, "kind": self.kind,
            "tags": selectors.record_tags(reader=request.user, **{self.kind: record}),
            "form": form if can_tag else None,
            "action": reverse(f"coaching:{self.kind}-tag", args=[record.pk]),
            "kam": record.logged_by if self.kind == "visit" else record.account.owner,
        }  # fmt: skip
        # htmx loads the panel into the record's page; without it, a page of its own
        template = self.template_name if request.htmx else "coaching/tags_page.html"
        response = render(request, template, context, status=status)
        patch_vary_headers(response, ["HX-Request"])
        return response


class TagsPanelView(_TagsPanelMixin, LoginRequiredMixin, View):
    def get(self, request, pk):
        return self.panel(request, self.record(request.user, pk))


class TagCreateView(_TagsPanelMixin, CapabilityRequiredMixin, View):
    """POST: tag a strength or a gap (the reviewed record's page; htmx: the panel)."""

    capability = "coaching.record"
    http_method_names = ["post"]

    def post(self, request, pk):
        record = self.record(request.user, pk)
        form = TagForm(request.POST)
        if form.is_valid():
            try:
                services.coaching_tag_set(actor=request.user, **{self.kind: record},
                                          **form.cleaned_data)  # fmt: skip
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if request.htmx:
                    return self.panel(request, record)
                messages.success(request, _("The tag is saved."))
                return HttpResponseRedirect(f"{record.get_absolute_url()}#coaching")
        # htmx swaps only a successful answer: the panel with its errors
        return self.panel(request, record, form, status=200 if request.htmx else 400)


# --- the competences (admins) ----------------------------------------------------------


class CompetencesView(CapabilityRequiredMixin, TemplateView):
    """Admins name the competences (in both languages), describe, order and retire
    them; every change is kept and listed below."""

    template_name = "coaching/competences.html"
    capability = "coaching.configure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", CompetenceFormSet(queryset=Competence.objects.all()))
        subject = str(Competence._meta.verbose_name)
        context["entries"] = history_entries(
            user=self.request.user, sources=[(CompetenceEvent, {}, subject)]
        )[:HISTORY_ENTRIES]
        return context

    def post(self, request, *args, **kwargs):
        formset = CompetenceFormSet(request.POST, queryset=Competence.objects.all())
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(formset=formset), status=400)
        services.competences_save(formset=formset)
        messages.success(request, _("The competences are saved."))
        return HttpResponseRedirect(reverse("coaching:competences"))


def _tags_urls(kind):
    return [
        path(f"{kind}s/<int:pk>/", TagsPanelView.as_view(kind=kind), name=f"{kind}-tags"),
        path(f"{kind}s/<int:pk>/tag/", TagCreateView.as_view(kind=kind), name=f"{kind}-tag"),
    ]


urlpatterns = [
    path("competences/", CompetencesView.as_view(), name="competences"),
    *_tags_urls("visit"),
    *_tags_urls("plan"),
    path("<int:pk>/", KamCoachingView.as_view(), name="kam"),
    path("<int:pk>/sessions/", SessionCreateView.as_view(), name="session-create"),
]
