from django import forms
from django.utils.translation import gettext_lazy as _

from attachments.content import ACCEPT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (the camera's input and the picker's share it)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


class AttachmentUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Files"),
        widget=MultipleFileInput(attrs={"accept": ACCEPT, "multiple": True}),
        error_messages={"required": _("Choose at least one file.")},
    )
    keep_location = forms.BooleanField(
        label=_("Keep the photos' location (for the check-in)"),
        required=False,
        help_text=_("Otherwise the position and other metadata are removed from photos."),
    )
