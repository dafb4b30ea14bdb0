"""The writes of reports: the KAM completes, refreshes and submits their draft; a
supervisor comments. Drafting for the whole company is ``workreports.drafts``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.capabilities import may, require
from kam.choices import NotificationKind
from kam.scoping import CHANGE, leads_user, supervisors_of
from messaging.notifications import notify
from workreports.drafts import work_report_figures
from workreports.models import ReportStatus, WorkReport, WorkReportComment

SECTIONS = ("highlights", "risks", "help_needed")
EXCERPT = 80


def _own_draft(actor, report_id) -> WorkReport:
    """The actor's report, locked, if it is still a draft; missing if it is not theirs;
    a field error once submitted (a submitted report is frozen)."""
    require(actor, "work_reports.write")
    report = (
        WorkReport.objects.visible_to(actor, CHANGE).select_for_update().filter(pk=report_id)
    ).first()
    if report is None:
        raise Http404
    if not report.is_draft:
        raise ValidationError(_("This report is submitted: it can no longer be changed."))
    return report


@transaction.atomic
def work_report_update(*, actor, report_id: int, submit: bool = False, **sections) -> WorkReport:
    """Save the free-text sections of the actor's draft; with ``submit``, submit it too
    (it is frozen from then on and the supervisors of the KAM's teams are told)."""
    report = _own_draft(actor, report_id)
    for name in SECTIONS:
        if name in sections:
            setattr(report, name, (sections[name] or "").strip())
    fields = [*SECTIONS, "updated_at"]
    if submit:
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = timezone.now()
        report.submitted_by = actor
        fields += ["status", "submitted_at", "submitted_by"]
    report.full_clean()
    report.save(update_fields=fields)
    if submit:
        notify(
            recipients=supervisors_of(report.kam),
            kind=NotificationKind.WORK_REPORT_SUBMITTED,
            url=report.get_absolute_url(),
            by=actor.display_name, report=report.kind, period=report.period_label,
        )  # fmt: skip
    return report


@transaction.atomic
def work_report_refresh(*, actor, report_id: int) -> WorkReport:
    """Build the figures of the actor's draft again from the data (its text stays)."""
    report = _own_draft(actor, report_id)
    report.figures = work_report_figures(report)
    report.figures_at = timezone.now()
    report.save(update_fields=["figures", "figures_at", "updated_at"])
    return report


def may_comment(actor, report) -> bool:
    """Whether ``actor`` may comment on ``report``: "work_reports.review" and leading the
    KAM (a supervisor of one of their teams, or an admin)."""
    return may(actor, "work_reports.review") and leads_user(actor, report.kam_id)


@transaction.atomic
def work_report_comment(*, actor, report_id: int, body: str) -> WorkReportComment:
    """Comment on a report of a KAM the actor leads; the KAM is notified."""
    require(actor, "work_reports.review")
    report = WorkReport.objects.visible_to(actor).select_related("kam").filter(pk=report_id)
    report = report.first()
    if report is None or not leads_user(actor, report.kam_id):
        raise Http404
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    comment = WorkReportComment(report=report, author=actor, body=body)
    comment.full_clean()
    comment.save()
    excerpt = body if len(body) <= EXCERPT else body[: EXCERPT - 1] + "…"
    notify(
        recipients=[report.kam],
        kind=NotificationKind.WORK_REPORT_COMMENTED,
        url=f"{reverse('workreports:detail', args=[report.pk])}#comments",
        author=actor.display_name, report=report.kind, period=report.period_label,
        excerpt=excerpt,
    )  # fmt: skip
    return comment
