"""Credit pages: the settings (admins), the exposure report by team (with its exports) and
an account's credit review. Thin views over credit.selectors and credit.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.models import Account
from credit import selectors
from credit.forms import CreditReviewForm, CreditSettingsForm
from credit.levels import status_of
from credit.models import CreditReview, CreditSettings
from credit.services import credit_review_record, credit_settings_change
from kam import exports
from kam.capabilities import CapabilityRequiredMixin


class CreditSettingsView(CapabilityRequiredMixin, TemplateView):
    """Admins set the warning levels (the review cadence is the tier service policy's):
    each change is a new version, the earlier ones listed below."""

    template_name = "credit/settings.html"
    capability = "credit.configure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CreditSettingsForm(current=CreditSettings.in_force()))
        context["versions"] = CreditSettings.objects.select_related("created_by")[:20]
        return context

    def post(self, request, *args, **kwargs):
        form = CreditSettingsForm(request.POST)
        if form.is_valid():
            try:
                config = credit_settings_change(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, problems)
            else:
                message = _("Saved as version %(version)s.") % {"version": config.version}
                messages.success(request, message)
                return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(form=form), status=400)


def report_columns():
    return [
        exports.Column("account", _("Account")),
        exports.Column("owner", _("Owner")),
        exports.Column("credit_rating", _("Credit rating")),
        exports.Column("credit_limit", _("Credit limit"), exports.MONEY),
        exports.Column("exposure", _("Credit exposure"), exports.MONEY),
        exports.Column("share", _("Share of the credit limit"), exports.PERCENT),
        exports.Column("overdue_90", _("Overdue more than 90 days"), exports.MONEY),
    ]


def report_rows(accounts):
    return [
        {
            "account": account.name,
            "owner": account.owner.display_name if account.owner_id else "",
            "credit_rating": account.credit_rating,
            "credit_limit": account.credit_limit,
            "exposure": account.credit_exposure,
            "share": account.credit_share,
            "overdue_90": account.credit_overdue_90,
        }
        for account in accounts
    ]


class CreditReportView(CapabilityRequiredMixin, TemplateView):
    """Credit exposure by team and the accounts over their credit limit: a supervisor the
    teams they see, executives and admins every team; ?team= one team (another's: 404).
    ?export=xlsx|csv: the accounts over their limit."""

    template_name = "credit/report.html"
    capability = "credit.report"

    def get(self, request, *args, **kwargs):
        user = request.user
        teams = list(selectors.report_teams(user))
        team = None
        wanted = request.GET.get("team", "")
        if wanted:
            team = next((t for t in teams if str(t.pk) == wanted), None)
            if team is None:
                raise Http404
        over = selectors.accounts_over_limit(user=user, team=team)
        export = request.GET.get("export")
        if export in exports.FORMATS:
            return exports.export_response(
                request, what="credit:report", file_format=export, columns=report_columns(),
                rows=report_rows(over), file_name="credit-exposure",
                title=_("Credit exposure by team"), filters={"team": wanted},
            )  # fmt: skip
        context = self.get_context_data(
            teams=teams,
            team=team,
            by_team=selectors.exposure_by_team(user=user, team=team),
            over=over,
            export_query=f"team={team.pk}&" if team else "",
        )
        return self.render_to_response(context)


class CreditReviewView(CapabilityRequiredMixin, TemplateView):
    """An account's credit review: the form (rating, limit, reason) and the earlier
    reviews. An account out of the reviewer's sight: 404."""

    template_name = "credit/review.html"
    capability = "credit.review"

    def _account(self, pk):
        account = Account.objects.visible_to(self.request.user).active().filter(pk=pk).first()
        if account is None:
            raise Http404
        return account

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account = context["account"]
        card = selectors.account_credit_card(account=account)
        context.setdefault("form", CreditReviewForm(account=account))
        context["card"] = card
        context["status"] = status_of(card.account)
        context["reviews"] = CreditReview.objects.filter(account=account).select_related(
            "reviewed_by"
        )[:20]
        return context

    def get(self, request, pk, *args, **kwargs):
        return self.render_to_response(self.get_context_data(account=self._account(pk)))

    def post(self, request, pk, *args, **kwargs):
        account = self._account(pk)
        form = CreditReviewForm(request.POST, account=account)
        if form.is_valid():
            try:
                credit_review_record(actor=request.user, account_id=account.pk, **form.cleaned_data)
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, problems)
            else:
                messages.success(request, _("The credit review is recorded."))
                return HttpResponseRedirect(account.get_absolute_url())
        context = self.get_context_data(account=account, form=form)
        return self.render_to_response(context, status=400)
