from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", _("Key account manager")
    SUPERVISOR = "supervisor", _("KA supervisor")
    EXECUTIVE = "executive", _("Executive")
    ADMIN = "admin", _("Sales operations / admin")


class Action(models.TextChoices):
    VIEW = "view", _("view")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")


class NotificationKind(models.TextChoices):
    VISIT_COMMENTED = "visit_commented", _("Visit reviewed")
    KEY_CONTACT_LEFT = "key_contact_left", _("Key contact left")
    ACCOUNT_RECEIVED = "account_received", _("Account handed over to you")
    ACCOUNT_HANDED_OVER = "account_handed_over", _("Account handed over")
    TIER_CHANGED = "tier_changed", _("Tier changed")
    TIER_REVIEW_SUBMITTED = "tier_review_submitted", _("Tier review submitted")
    TIER_REVIEW_RETURNED = "tier_review_returned", _("Tier review returned")
    PLAN_SUBMITTED = "plan_submitted", _("Account plan submitted")
    PLAN_APPROVED = "plan_approved", _("Account plan approved")
    PLAN_RETURNED = "plan_returned", _("Account plan returned")
    COMPLAINT_BREACHED = "complaint_breached", _("Complaint response deadline breached")
    HEALTH_RED = "health_red", _("Account health turned red")
    HEALTH_DROPPED = "health_dropped", _("Account health dropped")
