"""Lifecycle pages: the rules in words with their parameters (admins change them), an
account's stage override, and the lifetime value report by team. Thin views over
lifecycle.selectors and lifecycle.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.models import Account
from kam import exports
from kam.capabilities import CapabilityRequiredMixin
from lifecycle import selectors
from lifecycle.forms import LifecycleOverrideForm, LifecycleRulesForm
from lifecycle.models import LifecycleRules
from lifecycle.rules import describe
from lifecycle.services import override_lift, override_set, rules_change


def _apply_errors(form, error: ValidationError):
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


class LifecycleRulesView(CapabilityRequiredMixin, TemplateView):
    """The rules, first match wins, each in words with the parameter in force; the form
    saves a new version, the earlier ones listed below."""

    template_name = "lifecycle/rules.html"
    capability = "lifecycle.configure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = LifecycleRules.in_force()
        context.setdefault("form", LifecycleRulesForm(current=current))
        context["current"] = current
        context["rules"] = describe(current)
        context["versions"] = LifecycleRules.objects.select_related("created_by")[:20]
        return context

    def post(self, request, *args, **kwargs):
        form = LifecycleRulesForm(request.POST)
        if form.is_valid():
            try:
                rules = rules_change(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                message = _("Saved as version %(version)s.") % {"version": rules.version}
                messages.success(request, message)
                return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LifecycleOverrideView(CapabilityRequiredMixin, TemplateView):
    """An account's stage set by hand with a reason, or the override lifted (``lift`` in
    the POST). An account out of sight: 404."""

    template_name = "lifecycle/override.html"
    capability = "lifecycle.override"

    def _account(self, pk):
        account = Account.objects.visible_to(self.request.user).active().filter(pk=pk).first()
        if account is None:
            raise Http404
        return account

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = context["account"]
        context["card"] = selectors.account_lifecycle_card(account=account)
        context.setdefault(
            "form",
            LifecycleOverrideForm(initial={"stage": context["card"].account.status}),
        )
        return context

    def get(self, request, pk, *args, **kwargs):
        return self.render_to_response(self.get_context_data(account=self._account(pk)))

    def post(self, request, pk, *args, **kwargs):
        account = self._account(pk)
        if "lift" in request.POST:
            override_lift(actor=request.user, account_id=account.pk)
            messages.success(request, _("The override is lifted: the rules move the stage again."))
            return HttpResponseRedirect(account.get_absolute_url())
        form = LifecycleOverrideForm(request.POST)
        if form.is_valid():
            try:
                override_set(actor=request.user, account_id=account.pk, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The lifecycle stage is set by hand."))
                return HttpResponseRedirect(account.get_absolute_url())
        context = self.get_context_data(account=account, form=form)
        return self.render_to_response(context, status=400)


def report_columns():
    return [
        exports.Column("account", _("Account")),
        exports.Column("owner", _("Owner")),
        exports.Column("stage", _("Lifecycle stage")),
        exports.Column("profit_to_date", _("Gross profit to date"), exports.MONEY),
        exports.Column("plan_remaining", _("Plan remaining"), exports.MONEY),
        exports.Column("lifetime_value", _("Customer lifetime value"), exports.MONEY),
    ]


def report_rows(accounts):
    return [
        {
            "account": account.name,
            "owner": account.owner.display_name if account.owner_id else "",
            "stage": account.get_status_display(),
            "profit_to_date": account.profit_to_date,
            "plan_remaining": account.plan_remaining,
            "lifetime_value": account.lifetime_value,
        }
        for account in accounts
    ]


class LifetimeValueReportView(CapabilityRequiredMixin, TemplateView):
    """Customer lifetime value by team and the accounts by lifetime value: a supervisor
    the teams they see, executives and admins every team; ?team= one team (another's:
    404). ?export=xlsx|csv: the accounts."""

    template_name = "lifecycle/report.html"
    capability = "lifecycle.report"

    def get(self, request, *args, **kwargs):
        user = request.user
        teams = list(selectors.report_teams(user))
        team = None
        wanted = request.GET.get("team", "")
        if wanted:
            team = next((t for t in teams if str(t.pk) == wanted), None)
            if team is None:
                raise Http404
        accounts = selectors.top_accounts(user=user, team=team)
        export = request.GET.get("export")
        if export in exports.FORMATS:
            return exports.export_response(
                request, what="lifecycle:report", file_format=export, columns=report_columns(),
                rows=report_rows(accounts), file_name="lifetime-value",
                title=_("Customer lifetime value by team"), filters={"team": wanted},
            )  # fmt: skip
        context = self.get_context_data(
            teams=teams,
            team=team,
            by_team=selectors.value_by_team(user=user, team=team),
            accounts=accounts,
            export_query=f"team={team.pk}&" if team else "",
        )
        return self.render_to_response(context)
