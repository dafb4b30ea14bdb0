from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.choices import NotificationKind, Role
from kam.display import ChoiceLabels
from kam.scoping import ScopedQuerySet


class UserQuerySet(ScopedQuerySet):
    scope = "user"

    def owners(self, *, active_only=False):
        """The people whose role may own accounts and opportunities ("accounts.own"): the
        owner choices of the forms and filters; ``active_only`` leaves out those who left."""
        from kam.capabilities import roles_with

        queryset = self.filter(role__in=roles_with("accounts.own"))
        return queryset.filter(is_active=True) if active_only else queryset

    def active_by_role(self):
        """{role: how many active users hold it}: one query."""
        rows = self.filter(is_active=True).values_list("role").annotate(n=models.Count("pk"))
        return dict(rows.order_by())


class KamUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(ChoiceLabels, AbstractUser):
    """A person who signs in. The role decides what they may do; teams and
    account ownership decide what they may see (kam.scoping)."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(
        _("role"), max_length=32, choices=Role.choices, default=Role.ACCOUNT_MANAGER
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    objects = KamUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The one definition of the name shown for a user (``display_name_sql`` is the
        same rule for set-based SQL)."""
        return self.full_name or self.get_full_name() or self.username

    @staticmethod
    def display_name_sql(alias: str) -> str:
        """``display_name`` in SQL, for the user table aliased ``alias``."""
        return (
            f"COALESCE(NULLIF({alias}.full_name, ''), "
            f"NULLIF(TRIM({alias}.first_name || ' ' || {alias}.last_name), ''), {alias}.username)"
        )

    @property
    def is_read_only(self):
        """For templates: may change no record (kam.capabilities)."""
        from kam.capabilities import may

        return not may(self, "records.change")


class TeamQuerySet(ScopedQuerySet):
    scope = "team"


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        related_name="led_teams",
        limit_choices_to={"role": Role.SUPERVISOR},
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        through="TeamMembership",
        related_name="teams",
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("teams:detail", args=[self.pk])


class TeamMembership(models.Model):
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="team_memberships",
    )
    joined_on = models.DateField(_("joined on"), auto_now_add=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique")
        ]

    def __str__(self):
        return f"{self.user} @ {self.team}"


class NotificationQuerySet(ScopedQuerySet):
    scope = "notification"

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app notification. The text is rendered in the reader's language
    from ``kind`` and ``params``, so it is never stored in one language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self):
        return str(self.message)

    #: how the text reads (``kind`` and ``params`` in the reader's language): set by the
    #: messaging app, which owns the notifications' texts (messaging.notifications)
    render = staticmethod(lambda notification: notification.get_kind_display())

    @property
    def message(self):
        return type(self).render(self)


class ExportRecord(models.Model):
    """One row per file handed out (CSV or Excel): who took which data, chosen by which
    filters, and how many rows. Written by ``kam.exports``, the only export writer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    what = models.CharField(_("export"), max_length=100)
    file_format = models.CharField(_("format"), max_length=10)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        ordering = ["-exported_at", "-pk"]
        indexes = [models.Index(fields=["user", "-exported_at"], name="export_record_user")]

    def __str__(self):
        return f"{self.what} {self.file_format} ({self.exported_at:%Y-%m-%d %H:%M})"


class StagedUpload(models.Model):
    """An import file stored once, in private storage, for the user who uploaded it until
    it expires. The preview, the column mapping and the import name it by ``token``
    instead of sending its rows back and forth (``kam.uploads``)."""

    token = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=40)
    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(_("stored as"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("staged upload")
        verbose_name_plural = _("staged uploads")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.original_name
