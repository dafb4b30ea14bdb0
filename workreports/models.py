"""Weekly and monthly reports (工作汇报: 周报, 月报).

A report is drafted for each KAM from the period's data (``workreports.drafts``): its
``figures`` are the facts as built — for each figure the ids of the rows behind it, so
the count is their number and the report lists them — and the attainment to date. While
it is a draft the KAM completes the free-text sections and may refresh the figures;
once submitted it is frozen. Its history (submission, edits) is kept by the database
triggers of ``WorkReportEvent``; comments are rows of their own with author and time.
"""

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.scoping import ScopedQuerySet

#: the longest free-text section and comment: a page of text
TEXT_MAX_LENGTH = 4000


def _text_limit():
    return [MaxLengthValidator(TEXT_MAX_LENGTH)]


class ReportKind(models.TextChoices):
    WEEK = "week", _("Weekly report")
    MONTH = "month", _("Monthly report")


#: the kinds as a noun inside a sentence (notifications)
REPORT_NOUNS = (("week", _("weekly report")), ("month", _("monthly report")))


def period_label(kind, first, last) -> str:
    """A period in a language-neutral form: "2026-11-30 – 2026-12-06" or "2026-11"."""
    if kind == ReportKind.MONTH:
        return f"{first:%Y-%m}"
    return f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


#: the figures of a report, in the order shown: each holds the ids of its rows
FIGURES = (
    "visits",
    "contacts_met",
    "revisits_next",
    "opportunities_new",
    "opportunities_advanced",
    "opportunities_won",
    "opportunities_lost",
    "complaints_opened",
    "complaints_closed",
    "turned_red",
)


class WorkReportQuerySet(ScopedQuerySet):
    scope = "person_record"
    person_path = "kam"

    def drafts(self):
        return self.filter(status=ReportStatus.DRAFT)


class WorkReport(models.Model):
    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("key account manager"),
        on_delete=models.PROTECT,
        related_name="work_reports",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    figures_at = models.DateTimeField(_("figures built at"))
    highlights = models.TextField(_("highlights"), blank=True, validators=_text_limit())
    risks = models.TextField(_("risks"), blank=True, validators=_text_limit())
    help_needed = models.TextField(_("help needed"), blank=True, validators=_text_limit())
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = WorkReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")
        ordering = ["-period_start", "kind", "pk"]
        constraints = [
            # one report per KAM, kind and period: the draft job inserts ON CONFLICT DO NOTHING
            models.UniqueConstraint(
                fields=["kam", "kind", "period_start"], name="work_report_one_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="work_report_period_order",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(submitted_at__isnull=False),
                name="work_report_submitted_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_label} · {self.kam}"

    def get_absolute_url(self):
        return reverse("workreports:detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        return period_label(self.kind, self.period_start, self.period_end)

    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT

    def ids(self, figure: str) -> list:
        return list(self.figures.get(figure) or [])

    def count(self, figure: str) -> int:
        return len(self.figures.get(figure) or [])


class WorkReportCommentQuerySet(ScopedQuerySet):
    scope = "person_record"
    person_path = "report__kam"


class WorkReportComment(models.Model):
    """A supervisor's comment on a report; kept, never edited."""

    report = models.ForeignKey(
        WorkReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("comment"), validators=_text_limit())
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = WorkReportCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("work report comment")
        verbose_name_plural = _("work report comments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:60]


#: the history of reports: drafting, edits of the sections, refreshes and the submission
WorkReportEvent = pghistory.create_event_model(
    WorkReport,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["created_at", "updated_at"],
    model_name="WorkReportEvent",
    abstract=False,
    meta={"verbose_name": _("history event")},
    level=pgtrigger.Statement,
)
#: the history of comments (written once; a removal would show here)
WorkReportCommentEvent = pghistory.create_event_model(
    WorkReportComment,
    pghistory.InsertEvent(),
    pghistory.DeleteEvent(),
    exclude=["created_at"],
    model_name="WorkReportCommentEvent",
    abstract=False,
    meta={"verbose_name": _("history event")},
    level=pgtrigger.Statement,
)
