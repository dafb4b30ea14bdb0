from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import AccountTeamRole
from kam.scoping import ScopedQuerySet


class AccountQuerySet(ScopedQuerySet):
    account_path = ""

    def active(self):
        return self.filter(archived_at__isnull=True)


class Account(models.Model):
    """A key account. The profile grows with the accounts issue; the owner and
    the account team are what the visibility rule reads."""

    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_accounts",
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("key account")
        verbose_name_plural = _("key accounts")
        ordering = ["name"]
        indexes = [models.Index(fields=["owner", "name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:detail", args=[self.pk])


class AccountTeamMemberQuerySet(ScopedQuerySet):
    account_path = "account"


class AccountTeamMember(models.Model):
    """A colleague who serves an account beside its owner."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="team_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="account_team_memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=AccountTeamRole.choices)

    objects = AccountTeamMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("account team member")
        verbose_name_plural = _("account team members")
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="account_team_member_unique")
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"
