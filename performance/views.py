"""Scorecards and the incentive preview: thin views over performance.selectors and
performance.incentives. Who reads whose scorecard: ``selectors.scorecard_kams``."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from kam import exports
from kam.capabilities import CapabilityRequiredMixin, may
from performance import selectors
from performance.forms import IncentiveRuleForm, MeasureFormSet
from performance.incentives import incentive_rule_change, preview
from performance.models import IN_MONEY, IncentiveRule, Measure, ScorecardMeasure

YEARS_BACK, YEARS_AHEAD = 3, 1


def _choices(period):
    return {
        "period": period,
        "years": range(period.today.year - YEARS_BACK, period.today.year + YEARS_AHEAD + 1),
        "quarters": (1, 2, 3, 4),
    }


def _chosen_team(user, params):
    teams = list(selectors.scorecard_teams(user))
    wanted = params.get("team", "")
    team = next((t for t in teams if str(t.pk) == wanted), teams[0] if teams else None)
    return teams, team


def _team_kams(user, team):
    return list(
        selectors.scorecard_kams(user)
        .filter(team_memberships__team=team)
        .order_by("full_name", "username")
    )


def _unit_kind(key):
    return (
        exports.MONEY
        if key in IN_MONEY
        else (exports.NUMBER if key == Measure.NPS else exports.PERCENT)
    )


def comparison_columns(configured):
    columns = [
        exports.Column("kam", _("KAM")),
        exports.Column("rank", _("Rank"), exports.NUMBER),
        exports.Column("total", _("Total score"), exports.NUMBER),
    ]
    for measure in configured:
        label = str(Measure(measure.key).label)
        columns.append(exports.Column(measure.key, label, _unit_kind(measure.key)))
        columns.append(
            exports.Column(f"{measure.key}__score", _("%(measure)s score") % {"measure": label},
                           exports.NUMBER)
        )  # fmt: skip
    return columns


def comparison_rows(cards):
    rows = []
    for card in cards:
        row = {"kam": card.kam.display_name, "rank": card.rank, "total": card.total}
        for figure in card.figures:
            row[figure.key] = figure.value
            row[f"{figure.key}__score"] = figure.score
        rows.append(row)
    return rows


class ScorecardView(LoginRequiredMixin, TemplateView):
    """The scorecards of a period: a team's KAMs compared (supervisors their teams,
    executives and admins any team), or a KAM's own. ?export=xlsx|csv: the same table."""

    template_name = "performance/scorecard.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        period = selectors.period_from(request.GET)
        configured = selectors.measures()
        teams, team = _chosen_team(user, request.GET)
        if may(user, "scorecard.team"):
            kams = _team_kams(user, team) if team is not None else []
        else:
            kams = list(selectors.scorecard_kams(user))
        cards = selectors.scorecards(
            user=user, kams=kams, period=period, team=team, configured=configured
        )
        export = request.GET.get("export")
        if export in exports.FORMATS:
            query = request.GET.copy()
            query.pop("export", None)
            return exports.export_response(
                request, what="performance:scorecard", file_format=export,
                columns=comparison_columns(configured), rows=comparison_rows(cards),
                file_name=f"scorecard-{period.label.replace(' ', '-')}",
                title=_("Scorecard"), filters=query,
            )  # fmt: skip
        context = self.get_context_data(
            teams=teams, team=team, cards=cards, measures=configured,
            comparing=may(user, "scorecard.team"), **_choices(period),
            export_query=period.query(team=team.pk if team else ""),
        )  # fmt: skip
        return self.render_to_response(context)


#: links the apps above performance add to a KAM's scorecard page (coaching: the KAM's
#: coaching page), registered when they are ready: {name: (label, url for a KAM)}
SCORECARD_LINKS: dict = {}


def scorecard_link(name: str, *, label, url) -> None:
    """Add a link to every KAM's scorecard page: ``url(kam)`` (no query) under ``label``."""
    SCORECARD_LINKS[name] = (label, url)


class KamScorecardView(LoginRequiredMixin, TemplateView):
    """One KAM's scorecard: each measure's value, target, score and weight, the total
    and the rank in their team; ?measure= lists the rows behind a figure. Out of the
    reader's scorecards (``scorecard_kams``): 404."""

    template_name = "performance/kam_scorecard.html"

    def get(self, request, pk, *args, **kwargs):
        user = request.user
        kam = selectors.scorecard_kams(user).filter(pk=pk).first()
        if kam is None:
            raise Http404
        period = selectors.period_from(request.GET)
        configured = selectors.measures()
        card = selectors.scorecards(user=user, kams=[kam], period=period, configured=configured)[0]
        card.rank, team, team_size = selectors.rank_in_team(
            reader=user, kam=kam, period=period, configured=configured
        )
        key = request.GET.get("measure", "")
        drill = None
        if key in Measure.values:
            drill = selectors.drill_down(user=user, kam=kam, period=period, key=key)
        export = request.GET.get("export")
        if export in exports.FORMATS and drill is not None:
            query = request.GET.copy()
            query.pop("export", None)
            return exports.export_response(
                request, what=f"performance:{key}", file_format=export, columns=drill.columns,
                rows=drill.rows, file_name=f"scorecard-{kam.username}-{key}",
                title=str(Measure(key).label), filters=query,
            )  # fmt: skip
        context = self.get_context_data(
            kam=kam, card=card, team=team, team_size=team_size, measure=key,
            measure_label=Measure(key).label if key in Measure.values else "",
            drill=drill, drill_table=_table(drill), **_choices(period),
            links=[(label, url(kam)) for label, url in SCORECARD_LINKS.values()],
        )  # fmt: skip
        return self.render_to_response(context)


def _table(drill):
    if drill is None:
        return []
    return [
        {"url": row.get("_url"),
         "cells": [(row.get(column.key), column.kind) for column in drill.columns]}
        for row in drill.rows
    ]  # fmt: skip


class IncentivePreviewView(CapabilityRequiredMixin, TemplateView):
    """What the current incentive rule would pay each KAM of a team this period, with its
    reasons. A preview, never a payroll."""

    template_name = "performance/incentives.html"
    capability = "incentives.preview"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        period = selectors.period_from(self.request.GET)
        teams, team = _chosen_team(user, self.request.GET)
        rule = IncentiveRule.objects.current()
        previews = []
        if rule is not None and team is not None:
            cards = selectors.scorecards(
                user=user, kams=_team_kams(user, team), period=period, team=team
            )
            previews = [preview(rule, card, period) for card in cards]
        context.update(
            teams=teams, team=team, rule=rule, previews=previews,
            versions=IncentiveRule.objects.select_related("created_by")[:20], **_choices(period),
        )  # fmt: skip
        return context


class IncentiveRuleView(CapabilityRequiredMixin, TemplateView):
    """Admins change the incentive rule: each change saves a new version."""

    template_name = "performance/incentive_rule.html"
    capability = "incentives.configure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", IncentiveRuleForm(current=IncentiveRule.objects.current()))
        context["versions"] = IncentiveRule.objects.select_related("created_by")[:20]
        return context

    def post(self, request, *args, **kwargs):
        form = IncentiveRuleForm(request.POST, current=IncentiveRule.objects.current())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        rule = incentive_rule_change(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Saved as version %(version)s.") % {"version": rule.version})
        return HttpResponseRedirect(reverse("performance:incentive-rule"))


class MeasuresView(CapabilityRequiredMixin, TemplateView):
    """Admins set each measure's target and weight and whether it counts."""

    template_name = "performance/measures.html"
    capability = "incentives.configure"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("formset", MeasureFormSet(queryset=ScorecardMeasure.objects.all()))
        return context

    def post(self, request, *args, **kwargs):
        formset = MeasureFormSet(request.POST, queryset=ScorecardMeasure.objects.all())
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(formset=formset), status=400)
        with transaction.atomic():
            formset.save()
        messages.success(request, _("The scorecard's measures are saved."))
        return HttpResponseRedirect(reverse("performance:measures"))
