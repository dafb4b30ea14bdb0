"""The candidate pool's pages: the pool (filters as the other lists), a candidate's page
with its score breakdown and the promote and dismiss forms, the import, the settings.
Thin views over candidates.selectors and candidates.services."""

from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.tiering.models import Criterion
from candidates import imports, selectors
from candidates.forms import CandidateSettingsForm, DismissForm, PoolFilterForm, PromoteForm
from candidates.models import Candidate, CandidateScoring, CandidateSettings
from candidates.services import candidate_dismiss, candidate_promote, candidate_settings_change
from kam import uploads
from kam.batch import BatchRejectedError
from kam.capabilities import CapabilityRequiredMixin
from kam.uploads import FileRejectedError

PAGE_SIZE = 50


class PoolView(LoginRequiredMixin, TemplateView):
    """The pool: the candidates of the user's teams (kam.scoping: the supervisor and the
    members of the candidate's team, executives and admins all), proposed first, then by
    score. Everyone reads it; promoting and dismissing are the supervisors'."""

    template_name = "candidates/pool.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = PoolFilterForm(self.request.GET or None, user=user)
        filters = form.cleaned_data if form.is_valid() else {"status": PoolFilterForm.IN_POOL}
        rows = selectors.pool(user=user, **filters)
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form, page=page, candidates=page.object_list, query=query.urlencode(),
            settings=CandidateSettings.current(),
        )  # fmt: skip
        return context


def _candidate(user, pk) -> Candidate:
    candidate = (
        Candidate.objects.visible_to(user)
        .select_related("team", "account", "scoring")
        .filter(pk=pk)
        .first()
    )
    if candidate is None:
        raise Http404
    return candidate


def breakdown_rows(candidate) -> list[dict]:
    """The criteria of the candidate's latest score in the model's order: label, score,
    the weight of the run's scoring model and the points (score × weight / 100, rounded
    as the accounts' breakdown rounds them)."""
    try:
        criteria = candidate.scoring.criteria
    except ObjectDoesNotExist:
        return []
    run = CandidateScoring.objects.filter(pk=1).first()
    weights = run.model["weights"] if run is not None else {}
    rows = []
    for criterion, score in zip(Criterion, criteria, strict=True):
        weight = weights.get(criterion.value, 0)
        points = (score * weight / Decimal(100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        rows.append(
            {"label": criterion.label, "score": score, "weight": weight, "weighted": points}
        )
    return rows


class CandidateDetailView(LoginRequiredMixin, TemplateView):
    template_name = "candidates/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        candidate = context.get("candidate") or _candidate(user, self.kwargs["pk"])
        context.update(
            candidate=candidate,
            breakdown=breakdown_rows(candidate),
            events=candidate.events.select_related("actor", "account"),
        )
        context.setdefault("promote_form", PromoteForm(user=user))
        context.setdefault("dismiss_form", DismissForm())
        return context


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


class PromoteView(CapabilityRequiredMixin, View):
    capability = "candidates.review"
    http_method_names = ["post"]

    def post(self, request, pk):
        candidate = _candidate(request.user, pk)
        form = PromoteForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                account = candidate_promote(
                    actor=request.user, candidate_id=candidate.pk, owner=form.cleaned_data["owner"]
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, _("%(name)s is now a key account.") % {"name": account.name}
                )
                return HttpResponseRedirect(account.get_absolute_url())
        view = CandidateDetailView(request=request, kwargs={"pk": pk})
        context = view.get_context_data(candidate=candidate, promote_form=form)
        return render(request, CandidateDetailView.template_name, context, status=400)


class DismissView(CapabilityRequiredMixin, View):
    capability = "candidates.review"
    http_method_names = ["post"]

    def post(self, request, pk):
        candidate = _candidate(request.user, pk)
        form = DismissForm(request.POST)
        if form.is_valid():
            try:
                candidate_dismiss(
                    actor=request.user,
                    candidate_id=candidate.pk,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("%(name)s is dismissed.") % {"name": candidate.name})
                return HttpResponseRedirect(reverse("candidates:pool"))
        view = CandidateDetailView(request=request, kwargs={"pk": pk})
        context = view.get_context_data(candidate=candidate, dismiss_form=form)
        return render(request, CandidateDetailView.template_name, context, status=400)


class ImportView(CapabilityRequiredMixin, View):
    """Upload a CSV or Excel file, see every wrong row named, then import all or nothing:
    a file with one wrong row cannot be imported."""

    capability = "candidates.import"
    template_name = "candidates/import.html"

    def _render(self, request, status=200, **context):
        context.setdefault("fields", imports.FIELDS)
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        upload = request.FILES.get("file")
        try:
            if upload:
                staged, rows = uploads.upload_stage(
                    actor=request.user, kind=imports.STAGE_KIND, upload=upload,
                    max_rows=imports.MAX_ROWS,
                )  # fmt: skip
            else:
                staged = uploads.upload_get(
                    actor=request.user, kind=imports.STAGE_KIND, token=request.POST.get("upload")
                )
                rows = uploads.upload_table(staged, max_rows=imports.MAX_ROWS)
            table = imports.account_imports.table_from(rows)
        except FileRejectedError as error:
            return self._render(request, status=400, problem=str(error))
        if upload or not request.POST.get("confirm"):
            errors = imports.validate(actor=request.user, table=table)
            return self._render(
                request, status=400 if errors else 200, staged=staged, count=len(table["rows"]),
                errors=sorted(errors.items())[:100], wrong=len(errors),
            )  # fmt: skip
        try:
            result = imports.commit(actor=request.user, table=table)
        except BatchRejectedError as error:
            return self._render(
                request, status=400, staged=staged, count=len(table["rows"]),
                errors=sorted(error.row_errors.items())[:100], wrong=len(error.row_errors),
            )  # fmt: skip
        uploads.upload_finish(staged, result=result)
        messages.success(
            request,
            _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % result,
        )
        return HttpResponseRedirect(reverse("candidates:pool"))


class CandidateSettingsView(CapabilityRequiredMixin, TemplateView):
    template_name = "candidates/settings.html"
    capability = "candidates.configure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CandidateSettingsForm(instance=CandidateSettings.current()))
        return context

    def post(self, request, *args, **kwargs):
        form = CandidateSettingsForm(request.POST, instance=CandidateSettings.current())
        if form.is_valid():
            candidate_settings_change(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The settings are saved."))
            return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(form=form), status=400)
