"""Where attachments are kept: a private folder under MEDIA_ROOT, never served by URL.

``STORAGES["attachments"]`` names this class by default (config.settings.base); an
S3-compatible bucket replaces it by configuration only. Files are read back only by the
download view, after the visibility check, so the storage has no public URL at all.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import cached_property


class PrivateFileSystemStorage(FileSystemStorage):
    """``MEDIA_ROOT/private/attachments``, read when first used (so a test's MEDIA_ROOT
    applies), with no base URL: ``url()`` refuses."""

    @cached_property
    def base_location(self):
        default = os.path.join(settings.MEDIA_ROOT, "private", "attachments")
        return self._value_or_setting(self._location, default)

    def url(self, name):
        raise ValueError("attachments have no public URL; use attachments:download")


def attachment_storage():
    """The configured storage (a callable, so FileField reads the setting at run time)."""
    return storages["attachments"]
