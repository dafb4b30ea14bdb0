"""History of the domain's records, kept by PostgreSQL triggers (django-pghistory).

Why pghistory: its triggers run inside the database, so every write is recorded -
``save()``, ``bulk_create``/``bulk_update``, ``QuerySet.update()`` and raw SQL alike.
Signal-based libraries (django-simple-history, django-reversion, django-auditlog)
only see ``save()``/``delete()`` and miss bulk and queryset updates, which KAM uses
(scoring, health, imports, bulk upserts).

One event model per tracked model lives here, so the only new migrations are in this
app; the triggers are installed by ``migrate`` (``PGTRIGGER_INSTALL_ON_MIGRATE``). They
are statement-level: one set-based insert per statement, whatever the rows it touches.
Derived, machine-written columns (scores, health, timestamps) are not snapshotted: they
change every night and would drown the human edits; their own history is kept by the
scoring runs and health snapshots.
"""

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact, Visit
from accounts.service.models import Complaint, RiskEvent
from accounts.tiering.models import ScoringModel
from opportunities.models import Contract, Opportunity
from performance.models import IncentiveRule, ScorecardMeasure
from plans.models import AccountPlan, PlanTarget

#: never snapshotted, on any model: timestamps, and the search columns derived from the
#: fields that are (kam.textsearch)
NOISY = ["created_at", "updated_at", "search_text", "search_grams", "name_pinyin", "name_initials",
         "title_pinyin", "title_initials"]  # fmt: skip
#: machine-written columns of the account (scores and health are recomputed nightly)
ACCOUNT_DERIVED = [
    "computed_tier",
    "tier_score",
    "tier_scored_at",
    "health_score",
    "health_status",
    "health_checked_at",
]


def _present(model, names):
    fields = {f.name for f in model._meta.concrete_fields}
    return [name for name in names if name in fields]


def _event_model(model, name, extra_exclude=()):
    return pghistory.create_event_model(
        model,
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=_present(model, [*NOISY, *extra_exclude]),
        model_name=name,
        app_label="audit",
        abstract=False,
        meta={"verbose_name": _("history event")},
        # one INSERT ... SELECT per statement over its transition table, not one per row:
        # scoring and health update 20,000 accounts in a statement
        level=pgtrigger.Statement,
    )


AccountEvent = _event_model(Account, "AccountEvent", ACCOUNT_DERIVED)
ContactEvent = _event_model(Contact, "ContactEvent")
VisitEvent = _event_model(Visit, "VisitEvent")
AccountPlanEvent = _event_model(AccountPlan, "AccountPlanEvent")
PlanTargetEvent = _event_model(PlanTarget, "PlanTargetEvent")
OpportunityEvent = _event_model(Opportunity, "OpportunityEvent")
ContractEvent = _event_model(Contract, "ContractEvent")
ComplaintEvent = _event_model(Complaint, "ComplaintEvent")
RiskEventEvent = _event_model(RiskEvent, "RiskEventEvent")
ScoringModelEvent = _event_model(ScoringModel, "ScoringModelEvent")
IncentiveRuleEvent = _event_model(IncentiveRule, "IncentiveRuleEvent")
ScorecardMeasureEvent = _event_model(ScorecardMeasure, "ScorecardMeasureEvent")


class PurgeLog(models.Model):
    """One row per purge: who removed which archived account for good, and what with it."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("purged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    account_id_purged = models.BigIntegerField(_("account id"))
    account_name = models.CharField(_("account"), max_length=200)
    counts = models.JSONField(_("rows removed"), default=dict)
    reason = models.TextField(_("reason"), blank=True)
    purged_at = models.DateTimeField(_("purged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("purge log entry")
        verbose_name_plural = _("purge log")
        ordering = ["-purged_at", "-pk"]

    def __str__(self):
        return f"{self.account_name} ({self.purged_at:%Y-%m-%d %H:%M})"
