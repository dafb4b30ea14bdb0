from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    ACCOUNT_TIER_CHANGED = "account.tier_changed", _("Account tier changed")
    HEALTH_TURNED_RED = "account.health_red", _("Health turned red")
    OPPORTUNITY_WON = "opportunity.won", _("Opportunity won")
    OPPORTUNITY_LOST = "opportunity.lost", _("Opportunity lost")
    COMPLAINT_ESCALATED = "complaint.escalated", _("Complaint escalated")
    PLAN_APPROVED = "plan.approved", _("Plan approved")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")
