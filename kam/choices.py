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
