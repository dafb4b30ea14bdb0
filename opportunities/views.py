"""Opportunity pages: list, board, detail, create/edit, stage moves, forecast,
whitespace, contracts and the pipeline settings (admins).

Views pick the queryset (kam.views applies the visibility rule), call one service
and render. Lists and the board run a fixed number of queries.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView, UpdateView
from django.views.generic.detail import SingleObjectMixin

from accounts.models import Account, Contact
from kam.capabilities import CapabilityRequiredMixin, may
from kam.conflicts import EditConflictMixin
from kam.forms import add_service_errors
from kam.models import Team, User
from kam.scoping import CHANGE, can
from kam.views import (
    HtmxPartialMixin,
    ScopedDetailView,
    ScopedListView,
    ScopedViewMixin,
    WriteRoleRequiredMixin,
)
from opportunities import selectors, services
from opportunities.choices import ContractStatus, OpportunityType
from opportunities.filtersets import ContractFilterSet, OpportunityFilterSet, quarter_choices
from opportunities.forms import (
    ContractForm,
    OpportunityForm,
    ProductLineForm,
    StageForm,
    StageMoveForm,
)
from opportunities.models import Contract, Opportunity, ProductLine, Stage
from savedviews.selectors import SavedViewsMixin

FILTER_NAMES = ("owner", "team", "product_line", "quarter", "stage", "type", "status")


def _filter_choices(user):
    """The filter bar's options: lazy querysets, evaluated only by the full page."""
    return {
        "owner_choices": User.objects.visible_to(user).owners().order_by("full_name", "username"),
        "team_choices": Team.objects.visible_to(user).order_by("name"),
        "product_line_choices": ProductLine.objects.visible_to(user).order_by("order", "name"),
        "quarter_choices": quarter_choices(),
        "type_choices": OpportunityType.choices,
    }


class _FilteredOpportunitiesMixin(ScopedViewMixin):
    """The board and the forecast filter like the list: the visibility rule from
    ScopedViewMixin, then the shared FilterSet."""

    queryset = Opportunity.objects.all()

    def filtered_opportunities(self):
        queryset = self.get_queryset()
        self.filterset = OpportunityFilterSet(
            self.request.GET, queryset=queryset, request=self.request
        )
        return self.filterset.qs if self.filterset.is_valid() else queryset.none()

    def filter_context(self):
        return {
            **_filter_choices(self.request.user),
            "filterset": self.filterset,
            "active_filter_count": sum(
                1 for name in FILTER_NAMES if any(self.request.GET.getlist(name))
            ),
            "query": self.request.GET.urlencode(),
        }


class OpportunityListView(SavedViewsMixin, ScopedListView):
    saved_view_list = "opportunities"
    queryset = Opportunity.objects.select_related("account", "owner", "stage", "product_line")
    filterset_class = OpportunityFilterSet
    template_name = "opportunities/opportunity_list.html"
    ordering = ["expected_close_on", "pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            _filter_choices(user),
            stage_choices=Stage.objects.visible_to(user).order_by("order", "pk"),
            active_filter_count=sum(
                1 for name in FILTER_NAMES if any(self.request.GET.getlist(name))
            ),
            can_create=may(user, "records.change"),
        )
        return context


def _stage_options(stages, selected):
    """The move select's options for the cards of one column: they share their stage, so
    they share their options, built once per column, not once per card."""
    return format_html_join(
        "",
        '<option value="{}" data-kind="{}"{}>{}</option>',
        (
            (stage.pk, stage.kind, mark_safe(" selected") if stage.pk == selected else "", stage)
            for stage in stages
        ),
    )


class _BoardMixin(_FilteredOpportunitiesMixin):
    """What the board and one column's next page share: the filters of the URL, and
    where a column's next page and its full list are."""

    def board_query(self):
        """The board's filters, as the query string of its URL (no cursor)."""
        query = self.request.GET.copy()
        query.pop("cursor", None)
        return query

    def prepare_column(self, column, stages, *, has_more):
        query = self.board_query()
        column.stage_options = _stage_options(stages, column.stage.pk)
        column.more_url = ""
        if has_more and column.cards:
            query["cursor"] = selectors.board_cursor(column.cards[-1])
            url = reverse("opportunities:board-column", args=[column.stage.pk])
            column.more_url = f"{url}?{query.urlencode()}"
        listing = self.board_query()
        listing.setlist("stage", [str(column.stage.pk)])
        column.list_url = f"{reverse('opportunities:list')}?{listing.urlencode()}"
        return column

    def board_context(self):
        query = self.board_query().urlencode()
        return {
            "can_move": may(self.request.user, "records.change"),
            "board_url": reverse("opportunities:board") + (f"?{query}" if query else ""),
        }


class BoardView(_BoardMixin, HtmxPartialMixin, TemplateView):
    """Columns by stage, each with the count and totals of its cards (the filters') and
    its first cards by expected close date; the rest load as the column is scrolled
    (``BoardColumnView``). Cards move by drag and drop (static/js/board.js) or by the
    select on each card. 9 queries whatever the number of cards (asserted in tests)."""

    template_name = "opportunities/board.html"
    partial_name = "board"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        columns, stages = selectors.board_columns(queryset=self.filtered_opportunities().active())
        for column in columns:
            self.prepare_column(column, stages, has_more=column.has_more)
        context.update(self.filter_context())
        context.update(self.board_context(), columns=columns, board_error=kwargs.get("board_error"))
        return context


class BoardColumnView(_BoardMixin, TemplateView):
    """The next cards of one column after ``?cursor=`` (the last card shown), with the
    board's filters: the board's "load more". 5 queries whatever the number of cards."""

    template_name = "opportunities/board.html#column-cards"

    def get(self, request, *args, **kwargs):
        raw = request.GET.get("cursor", "")
        after = selectors.board_cursor_parse(raw) if raw else None
        if raw and after is None:
            return HttpResponseBadRequest(_("This is not a place on the board."))
        return super().get(request, *args, after=after, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stages = list(Stage.objects.active().order_by("order", "pk"))
        stage = next((stage for stage in stages if stage.pk == kwargs["stage"]), None)
        if stage is None:
            raise Http404
        cards, has_more = selectors.board_column_page(
            queryset=self.filtered_opportunities().active(), stage=stage, after=kwargs["after"]
        )
        column = selectors.BoardColumn(stage, cards=cards)
        column = self.prepare_column(column, stages, has_more=has_more)
        context.update(self.board_context(), column=column)
        return context


class OpportunityDetailView(ScopedDetailView):
    queryset = Opportunity.objects.select_related(
        "account", "owner", "stage", "product_line", "created_by"
    ).prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("name")))
    template_name = "opportunities/opportunity_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, opportunity = self.request.user, self.object
        context["history"] = selectors.opportunity_stage_history(opportunity=opportunity)
        context["contracts"] = Contract.objects.visible_to(user).filter(opportunity=opportunity)
        context["can_change"] = may(user, "records.change") and can(user, opportunity, CHANGE)
        context.setdefault("move_form", StageMoveForm(initial={"stage": opportunity.stage_id}))
        return context


class OpportunityCreateView(WriteRoleRequiredMixin, LoginRequiredMixin, FormView):
    form_class = OpportunityForm
    template_name = "opportunities/opportunity_form.html"

    def get_initial(self):
        initial = super().get_initial()
        for name in ("account", "product_line"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)  # ignored unless it is one of the choices
        kind = self.request.GET.get("type", "")
        if kind in OpportunityType.values:
            initial["type"] = kind
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            opportunity = services.opportunity_create(
                actor=self.request.user, **form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s was added.") % {"name": opportunity.name})
        return redirect(opportunity)


class OpportunityEditView(EditConflictMixin, WriteRoleRequiredMixin, ScopedViewMixin, UpdateView):
    queryset = Opportunity.objects.select_related("account", "stage")
    object_action = CHANGE
    form_class = OpportunityForm
    template_name = "opportunities/opportunity_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            opportunity = services.opportunity_update(
                actor=self.request.user, opportunity=self.object, **form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s was saved.") % {"name": opportunity.name})
        return redirect(opportunity)


class StageMoveView(WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, View):
    """POST a stage (and a reason when closing). From the board (htmx) the board comes
    back with its totals; from the detail page, the page."""

    queryset = Opportunity.objects.select_related("stage")
    object_action = CHANGE

    def post(self, request, *args, **kwargs):
        opportunity = self.get_object()
        form = StageMoveForm(request.POST)
        error = None
        if form.is_valid():
            try:
                services.opportunity_move_stage(
                    actor=request.user,
                    opportunity=opportunity,
                    stage=form.cleaned_data["stage"],
                    probability=form.cleaned_data["probability"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as service_error:
                add_service_errors(form, service_error)
                error = service_error
        if request.htmx and not request.htmx.boosted:
            # the board comes back with the filters of its URL (the query string)
            board = BoardView.as_view()
            request.method = "GET"
            messages_text = " ".join(_messages(form)) if (error or form.errors) else None
            return board(request, board_error=messages_text)
        if form.errors:
            view = OpportunityDetailView.as_view(extra_context={"move_form": form})
            request.method = "GET"
            return view(request, pk=opportunity.pk)
        messages.success(request, _("%(name)s moved.") % {"name": opportunity.name})
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(target)
        return redirect(opportunity)


def _messages(form):
    return [str(message) for errors in form.errors.values() for message in errors]


class ForecastView(_FilteredOpportunitiesMixin, TemplateView):
    template_name = "opportunities/forecast.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        queryset = self.filtered_opportunities()
        context.update(self.filter_context())
        context.update(
            totals=selectors.forecast_totals(user=user, queryset=queryset),
            by_quarter=selectors.forecast_by_quarter(user=user, queryset=queryset),
            by_owner=selectors.forecast_by_owner(user=user, queryset=queryset),
            by_team=selectors.forecast_by_team(user=user, queryset=queryset),
            stage_stats=selectors.pipeline_stage_stats(user=user, queryset=queryset),
            velocity=selectors.pipeline_velocity(user=user, queryset=queryset),
            currency=settings.DEFAULT_CURRENCY,
        )
        return context


class WhitespaceView(ScopedViewMixin, TemplateView):
    """Accounts × product lines, a page of accounts at a time: an executive's 20,000
    accounts were one 22 MB page built in 8 seconds. 8 queries whatever the number."""

    queryset = Account.objects.active().only("name")
    template_name = "opportunities/whitespace.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        accounts = self.get_queryset()
        owner = self.request.GET.get("owner", "")
        if owner.isascii() and owner.isdigit() and len(owner) < 19:
            accounts = accounts.filter(owner_id=int(owner))
        paginator = Paginator(accounts.order_by("name", "pk"), self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        rows, lines = selectors.whitespace_matrix(user=user, accounts=list(page.object_list))
        context.update(
            paginator=paginator,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            rows=rows,
            lines=lines,
            owner_choices=_filter_choices(user)["owner_choices"],
            can_create=may(user, "records.change"),
            cross_sell=OpportunityType.CROSS_SELL,
        )
        return context


# --- contracts --------------------------------------------------------------------------


class ContractListView(SavedViewsMixin, ScopedListView):
    saved_view_list = "contracts"
    queryset = Contract.objects.select_related("account", "opportunity")
    filterset_class = ContractFilterSet
    template_name = "opportunities/contract_list.html"
    ordering = ["ends_on", "pk"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            status_choices=ContractStatus.choices,
            can_create=may(self.request.user, "records.change"),
        )
        return context


class ContractDetailView(ScopedDetailView):
    queryset = Contract.objects.select_related(
        "account", "opportunity", "legal_reviewed_by", "finance_reviewed_by", "created_by"
    )
    template_name = "opportunities/contract_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_change"] = may(user, "records.change") and can(user, self.object, CHANGE)
        return context


class ContractCreateView(WriteRoleRequiredMixin, LoginRequiredMixin, FormView):
    form_class = ContractForm
    template_name = "opportunities/contract_form.html"

    def get_initial(self):
        initial = super().get_initial()
        for name in ("account", "opportunity"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            contract = services.contract_create(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Contract %(number)s was added.") % {"number": contract})
        return redirect(contract)


class ContractEditView(WriteRoleRequiredMixin, ScopedViewMixin, UpdateView):
    queryset = Contract.objects.select_related("account")
    object_action = CHANGE
    form_class = ContractForm
    template_name = "opportunities/contract_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            contract = services.contract_update(
                actor=self.request.user, contract=self.object, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Contract %(number)s was saved.") % {"number": contract})
        return redirect(contract)


class ContractReviewView(WriteRoleRequiredMixin, ScopedViewMixin, SingleObjectMixin, View):
    """POST check=legal|finance: record the review with who and when."""

    queryset = Contract.objects.all()
    object_action = CHANGE

    def post(self, request, *args, **kwargs):
        contract = self.get_object()
        try:
            services.contract_review(
                actor=request.user, contract=contract, check=request.POST.get("check", "")
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect(contract)


# --- settings (admins) ----------------------------------------------------------------


class PipelineSettingsView(CapabilityRequiredMixin, TemplateView):
    """Stages and product lines, for sales operations: each row is its own small form."""

    capability = "pipeline.configure"
    template_name = "opportunities/settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bound = kwargs.get("bound")  # (prefix, form) of a failed submission
        stages = Stage.objects.order_by("order", "pk")
        lines = ProductLine.objects.order_by("order", "name")

        def form_for(form_class, prefix, instance=None):
            if bound and bound[0] == prefix:
                return bound[1]
            return form_class(instance=instance, prefix=prefix)

        context["stage_forms"] = [
            (stage, form_for(StageForm, f"stage-{stage.pk}", stage)) for stage in stages
        ]
        context["new_stage_form"] = form_for(StageForm, "stage-new")
        context["line_forms"] = [
            (line, form_for(ProductLineForm, f"line-{line.pk}", line)) for line in lines
        ]
        context["new_line_form"] = form_for(ProductLineForm, "line-new")
        return context

    def post(self, request, *args, **kwargs):
        prefix = request.POST.get("prefix", "")
        kind, _sep, key = prefix.partition("-")
        if kind == "stage":
            form_class, model, create, update = (
                StageForm, Stage, services.stage_create, services.stage_update,
            )  # fmt: skip
            field = "stage"
        elif kind == "line":
            form_class, model, create, update = (
                ProductLineForm, ProductLine, services.product_line_create,
                services.product_line_update,
            )  # fmt: skip
            field = "product_line"
        else:
            return redirect("opportunities:settings")
        instance = None
        if key != "new":
            instance = model.objects.filter(pk=key if key.isdigit() else 0).first()
            if instance is None:
                return redirect("opportunities:settings")
        form = form_class(request.POST, instance=instance, prefix=prefix)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
            try:
                if instance is None:
                    create(actor=request.user, **data)
                else:
                    update(actor=request.user, **{field: instance}, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("opportunities:settings")
        return self.render_to_response(self.get_context_data(bound=(prefix, form)))


urlpatterns = [
    path("", OpportunityListView.as_view(), name="list"),
    path("board/", BoardView.as_view(), name="board"),
    path("board/<int:stage>/", BoardColumnView.as_view(), name="board-column"),
    path("forecast/", ForecastView.as_view(), name="forecast"),
    path("whitespace/", WhitespaceView.as_view(), name="whitespace"),
    path("new/", OpportunityCreateView.as_view(), name="create"),
    path("<int:pk>/", OpportunityDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", OpportunityEditView.as_view(), name="edit"),
    path("<int:pk>/stage/", StageMoveView.as_view(), name="move"),
    path("contracts/", ContractListView.as_view(), name="contract-list"),
    path("contracts/new/", ContractCreateView.as_view(), name="contract-create"),
    path("contracts/<int:pk>/", ContractDetailView.as_view(), name="contract-detail"),
    path("contracts/<int:pk>/edit/", ContractEditView.as_view(), name="contract-edit"),
    path("contracts/<int:pk>/review/", ContractReviewView.as_view(), name="contract-review"),
    path("settings/", PipelineSettingsView.as_view(), name="settings"),
]
