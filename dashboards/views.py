"""My day, the team dashboard and the reports: thin views over dashboards.selectors and
dashboards.reports."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from dashboards import reports, selectors
from kam import exports
from kam.capabilities import may, require
from plans.choices import QUARTERS

#: who opens the team dashboard
#: the team dashboard's ?team= for a row per team
ALL_TEAMS = "all"


class MyDayView(LoginRequiredMixin, TemplateView):
    """A KAM's day; the home page for that role."""

    template_name = "dashboards/my_day.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.my_day(user=self.request.user))
        return context


class TeamDashboardView(LoginRequiredMixin, TemplateView):
    """A team's dashboard: supervisors see the teams they lead, executives and admins
    every team, or "All teams" (a row per team, each leading to its KAMs); KAMs are
    refused (404)."""

    template_name = "dashboards/team.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        require(user, "dashboard.team")
        teams = list(selectors.dashboard_teams(user))
        period = selectors.period_from(self.request.GET)
        wanted = self.request.GET.get("team", "")
        # "All teams" (a row per team) for whoever may open more than one team. Not the
        # default: at the large seed it reads every account, visit and opportunity of the
        # company (20,000 accounts: about a second), where one team's takes 100 ms.
        offers_all = len(teams) > 1
        show_all = offers_all and wanted == ALL_TEAMS
        team = None
        if not show_all:
            team = next((t for t in teams if str(t.pk) == wanted), teams[0] if teams else None)
        context.update(
            teams=teams,
            team=team,
            offers_all=offers_all,
            show_all=show_all,
            all_teams=ALL_TEAMS,
            period=period,
            years=range(period.today.year - 3, period.today.year + 2),
            quarters=QUARTERS,
        )
        if show_all:
            context.update(selectors.all_teams_dashboard(user=user, teams=teams, period=period))
        elif team is not None:
            context.update(selectors.team_dashboard(user=user, team=team, period=period))
        return context


class ReportIndexView(LoginRequiredMixin, TemplateView):
    template_name = "dashboards/report_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["reports"] = list(reports.REPORTS.values())
        context["can_see_teams"] = may(self.request.user, "dashboard.team")
        return context


class ReportView(LoginRequiredMixin, TemplateView):
    """One report: the page, or with ?export=csv|xlsx the same rows as a file."""

    template_name = "dashboards/report.html"
    report_key = ""

    def get(self, request, *args, **kwargs):
        report = reports.REPORTS[self.report_key]
        filters = reports.filters_from(request.GET, request.user)
        rows = report.rows(user=request.user, filters=filters)
        export = request.GET.get("export")
        if export in exports.FORMATS:
            query = request.GET.copy()
            query.pop("export", None)
            return exports.export_response(
                request,
                what=f"report:{report.key}",
                file_format=export,
                columns=report.columns,
                rows=rows,
                file_name=report.key,
                title=str(report.title),
                filters=query,
            )
        query = request.GET.copy()
        query.pop("export", None)
        context = self.get_context_data(
            report=report,
            filters=filters,
            rows=rows,
            table=[
                {
                    "url": row.get("_url"),
                    "cells": [(row.get(column.key), column.kind) for column in report.columns],
                }
                for row in rows
            ],
            teams=list(reports.report_teams(request.user)),
            years=range(filters.today.year - 3, filters.today.year + 2),
            quarters=QUARTERS,
            query=query.urlencode(),
        )
        return self.render_to_response(context)
