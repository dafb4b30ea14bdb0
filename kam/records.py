"""Building blocks of the domain records: a record archived rather than deleted, with
when it was created and last changed (the fields and their labels defined once)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        """The records not archived."""
        return self.filter(archived_at__isnull=True)


class Archivable(models.Model):
    """An abstract record: archived (``archived_at``) instead of deleted, with its
    creation and last change. Its queryset mixes in ``ArchivableQuerySet``."""

    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
