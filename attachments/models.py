"""Files attached to a record: a visit's photos, a contract's signed copy, a card.

One table with one nullable foreign key per kind of record (and the account always),
rather than a generic relation: the visibility rule reaches every row through
``account`` like any other record's (``account_path``), the database keeps the links
honest (a check that at most one record is named), the purge walks them like any other
child row, and the history can list a record's attachments by a plain column.
"""

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from attachments.storage import attachment_storage
from kam.scoping import ScopedQuerySet

#: the records one can attach files to: kind -> (model label, field on Attachment)
TARGETS = {
    "account": "accounts.Account",
    "contact": "accounts.Contact",
    "visit": "accounts.Visit",
    "contract": "opportunities.Contract",
    "complaint": "accounts.Complaint",
    "plan": "plans.AccountPlan",
}
#: the optional links (the account is always set)
RECORD_FIELDS = ("contact", "visit", "contract", "complaint", "plan")


def _at_most_one_record():
    options = [Q(**{f"{name}__isnull": True for name in RECORD_FIELDS})]
    for chosen in RECORD_FIELDS:
        options.append(
            Q(**{f"{name}__isnull": name != chosen for name in RECORD_FIELDS}),
        )
    condition = options[0]
    for option in options[1:]:
        condition |= option
    return condition


class AttachmentQuerySet(ScopedQuerySet):
    account_path = "account"

    def of(self, obj):
        """The attachments of one record (an account's own, not its visits')."""
        kind = kind_of(obj)
        if kind == "account":
            return self.filter(account=obj, **{f"{name}__isnull": True for name in RECORD_FIELDS})
        return self.filter(**{kind: obj})

    def images(self):
        return self.filter(is_image=True)


def _upload_to(instance, filename):
    return filename  # the service names the file (a random name in a dated folder)


class Attachment(models.Model):
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    visit = models.ForeignKey(
        "accounts.Visit",
        verbose_name=_("visit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    contract = models.ForeignKey(
        "opportunities.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    complaint = models.ForeignKey(
        "accounts.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    plan = models.ForeignKey(
        "plans.AccountPlan",
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(
        _("file"), storage=attachment_storage, upload_to=_upload_to, max_length=255
    )
    thumbnail = models.FileField(
        _("thumbnail"),
        storage=attachment_storage,
        upload_to=_upload_to,
        max_length=255,
        blank=True,
    )
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    is_image = models.BooleanField(_("image"), default=False)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    location_kept = models.BooleanField(_("location kept"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=_at_most_one_record(), name="attachment_at_most_one_record"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def record(self):
        for name in RECORD_FIELDS:
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return self.account


def kind_of(obj) -> str:
    label = obj._meta.label
    for kind, target in TARGETS.items():
        if target == label:
            return kind
    raise LookupError(label)


#: the history of attachments (uploads and deletions), read with their record's history
AttachmentEvent = pghistory.create_event_model(
    Attachment,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["created_at", "thumbnail"],
    model_name="AttachmentEvent",
    abstract=False,
    meta={"verbose_name": _("history event")},
    level=pgtrigger.Statement,
)
