"""Attachment pages: a record's attachments (a panel its page loads), the upload and
removal actions, and the download. Every request finds the record or the attachment
through the visibility rule again: outside it, the answer is 404, as for a missing id.
Files are served by id only, after that check, never from a storage URL."""

import os

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from attachments.content import JPEG, PNG, sniff
from attachments.forms import AttachmentUploadForm
from attachments.models import Attachment, kind_of
from attachments.services import attachment_delete, attachments_add
from kam.capabilities import CapabilityRequiredMixin, may
from kam.scoping import CHANGE, can

TEMPLATE = "attachments/attachment_list.html"


def _record(request, model, pk):
    return get_object_or_404(model.objects.visible_to(request.user), pk=pk)


def _context(request, record, form=None):
    attachments = list(
        Attachment.objects.visible_to(request.user).of(record).select_related("uploaded_by")
    )
    kind = kind_of(record)
    return {
        "record": record,
        "kind": kind,
        "attachments": attachments,
        "images": [attachment for attachment in attachments if attachment.thumbnail],
        "form": form or AttachmentUploadForm(),
        "can_change": may(request.user, "records.change") and can(request.user, record, CHANGE),
        "upload_url": f"attachments:{kind}-upload",
        "max_size": settings.ATTACHMENT_MAX_BYTES,
    }


class AttachmentListView(LoginRequiredMixin, View):
    """A record's attachments: thumbnails, a list and the upload form. An htmx request
    (the record's page loading it) gets the panel alone."""

    model = None

    def get(self, request, pk):
        record = _record(request, self.model, pk)
        htmx = getattr(request, "htmx", None)
        template = f"{TEMPLATE}#panel" if htmx and not htmx.boosted else TEMPLATE
        response = render(request, template, _context(request, record))
        response.headers["Vary"] = "HX-Request"
        return response


class AttachmentUploadView(CapabilityRequiredMixin, View):
    """Attach files to a record, then back to its page; a refused file shows the
    attachments page with the reason under the form."""

    capability = "records.change"
    model = None

    def post(self, request, pk):
        record = _record(request, self.model, pk)
        form = AttachmentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                added = attachments_add(
                    actor=request.user,
                    obj=record,
                    files=form.cleaned_data["files"],
                    keep_location=form.cleaned_data["keep_location"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    ngettext("%(n)s file attached.", "%(n)s files attached.", len(added))
                    % {"n": len(added)},
                )
                return HttpResponseRedirect(record.get_absolute_url() + "#attachments")
        return render(request, TEMPLATE, _context(request, record, form))


class AttachmentDeleteView(CapabilityRequiredMixin, View):
    capability = "records.change"

    def post(self, request, pk):
        attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
        record = attachment.record
        attachment_delete(actor=request.user, attachment_id=attachment.pk)
        messages.success(request, _("%(name)s removed.") % {"name": attachment.name})
        return HttpResponseRedirect(record.get_absolute_url() + "#attachments")


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def file_response(attachment):
    """The file of an attachment already found through the visibility rule, as a
    download with the type recorded when it was checked."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    return _private(response)


class AttachmentDownloadView(LoginRequiredMixin, View):
    """The file itself, as a download, with the type recorded when it was checked."""

    def get(self, request, pk):
        return file_response(get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk))


class AttachmentThumbnailView(LoginRequiredMixin, View):
    """The small picture a list shows (made by KAM from the image's pixels)."""

    def get(self, request, pk):
        attachment = get_object_or_404(
            Attachment.objects.visible_to(request.user).exclude(thumbnail=""), pk=pk
        )
        try:
            handle = attachment.thumbnail.open("rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404 from exc
        found = sniff(handle)
        if found not in (JPEG, PNG):
            handle.close()
            raise Http404
        stem = os.path.splitext(attachment.name)[0]
        response = FileResponse(
            handle,
            filename=f"{stem}-thumbnail{found.extensions[0]}",
            content_type=found.content_type,
        )
        return _private(response)
