from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class PlanEvent(models.TextChoices):
    """What happened to a plan: each approval-cycle step is recorded as one of these."""

    CREATED = "created", _("Drafted")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned with comments")
    REVISED = "revised", _("New revision opened")


class ActionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("action item", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")


class Department(models.TextChoices):
    PRODUCT = "product", _("Product")
    TECHNICAL = "technical", _("Technical")
    AFTER_SALES = "after_sales", _("After-sales")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain")
    FINANCE = "finance", _("Finance")
    LEGAL = "legal", _("Legal")


class CompetitorPosition(models.TextChoices):
    LEADER = "leader", _("Leader")
    CHALLENGER = "challenger", _("Challenger")
    NICHE = "niche", _("Niche")
    ENTERING = "entering", _("Entering")


QUARTERS = (1, 2, 3, 4)
