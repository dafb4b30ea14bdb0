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
