"""Coaching: the competences admins configure, the strengths and gaps a supervisor tags
on the visits and plans they review, and the coaching sessions and trainings they record.

Whose coaching a reader sees is ``coaching.selectors.coaching_kams`` (on top of
``kam.scoping``); who records it is the capability "coaching.record" held by someone who
leads the KAM (``kam.scoping.leads_user``).
"""

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coaching.choices import SessionKind, TagKind
from kam.scoping import ScopedQuerySet
from opportunities.models import BilingualName

NOTE_LENGTH = 200


class CompetenceQuerySet(ScopedQuerySet):
    scope = "configuration"  # everyone reads the competences, admins change them

    def active(self):
        return self.filter(active=True)


class Competence(BilingualName):
    """A competence a KAM is coached on (行业知识, 谈判, …): its name in both languages."""

    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CompetenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("competence")
        verbose_name_plural = _("competences")
        ordering = ["order", "pk"]


#: every change to a competence (who, when, which fields), shown on the configuration page
CompetenceEvent = pghistory.create_event_model(
    Competence,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="CompetenceEvent",
    abstract=False,
    meta={"verbose_name": _("history event")},
    level=pgtrigger.Statement,
)


class CoachingQuerySet(ScopedQuerySet):
    """Rows about a KAM (``kam``): read through ``coaching.selectors.coaching_kams``."""

    scope = "user"

    def visible_to(self, user, action="view"):
        """Viewing: the rows of the KAMs whose coaching ``user`` reads; changing: of those
        they record coaching for."""
        from coaching.selectors import coaching_kams, recorded_kams

        people = coaching_kams(user) if action == "view" else recorded_kams(user)
        return self.filter(kam__in=people.values("pk"))


class CoachingTag(models.Model):
    """A strength or a gap a supervisor saw in a KAM's visit or plan, against a competence.
    One per competence and record: tagging the same competence again changes it."""

    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("KAM"), on_delete=models.PROTECT,
        related_name="coaching_tags",
    )  # fmt: skip
    competence = models.ForeignKey(
        Competence, verbose_name=_("competence"), on_delete=models.PROTECT, related_name="tags"
    )
    kind = models.CharField(_("strength or gap"), max_length=8, choices=TagKind.choices)
    note = models.CharField(_("note"), max_length=NOTE_LENGTH, blank=True)
    visit = models.ForeignKey(
        "accounts.Visit", verbose_name=_("visit"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    plan = models.ForeignKey(
        "plans.AccountPlan", verbose_name=_("account plan"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    tagged_on = models.DateField(_("tagged on"), default=timezone.localdate)
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("tagged by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CoachingQuerySet.as_manager()

    class Meta:
        verbose_name = _("coaching tag")
        verbose_name_plural = _("coaching tags")
        ordering = ["-tagged_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visit__isnull=False, plan__isnull=True)
                | Q(visit__isnull=True, plan__isnull=False),
                name="coaching_tag_one_record",
            ),
            models.UniqueConstraint(
                fields=["visit", "competence"],
                condition=Q(visit__isnull=False),
                name="coaching_tag_once_per_visit",
            ),
            models.UniqueConstraint(
                fields=["plan", "competence"],
                condition=Q(plan__isnull=False),
                name="coaching_tag_once_per_plan",
            ),
        ]
        indexes = [models.Index(fields=["kam", "tagged_on"])]

    def __str__(self):
        return f"{self.competence} · {self.get_kind_display()}"


class CoachingSession(models.Model):
    """A coaching session or a training a KAM took, recorded by their supervisor. The
    KAM reads everything but ``private_note``; a follow-up date reminds the recorder once."""

    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("KAM"), on_delete=models.PROTECT,
        related_name="coaching_sessions",
    )  # fmt: skip
    kind = models.CharField(
        _("kind"), max_length=10, choices=SessionKind.choices, default=SessionKind.COACHING
    )
    title = models.CharField(pgettext_lazy("coaching session", "title"), max_length=200)
    held_on = models.DateField(_("date"), default=timezone.localdate)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    private_note = models.TextField(
        _("private note"), blank=True, max_length=4000,
        help_text=_("Only the KAM's supervisors read it; the KAM does not."),
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CoachingQuerySet.as_manager()

    class Meta:
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["kam", "-held_on"]),
            models.Index(
                fields=["follow_up_on"],
                condition=Q(follow_up_on__isnull=False),
                name="coaching_session_follow_up",
            ),
        ]

    def __str__(self):
        return self.title
