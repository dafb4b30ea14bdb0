from django import forms
from django.utils.translation import gettext_lazy as _

from kam.forms import BootstrapFormMixin
from workreports.models import TEXT_MAX_LENGTH


def _text(label, help_text=""):
    return forms.CharField(
        label=label, help_text=help_text, required=False, max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip


class WorkReportForm(BootstrapFormMixin, forms.Form):
    """The free-text sections the KAM completes."""

    large = False

    highlights = _text(_("Highlights"), _("What went well this period, and why it matters."))
    risks = _text(_("Risks"), _("What could go wrong on your accounts, and what you do about it."))
    help_needed = _text(_("Help needed"), _("What you need from your supervisor or colleagues."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()


class WorkReportCommentForm(BootstrapFormMixin, forms.Form):
    large = False

    body = forms.CharField(
        label=_("Comment"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()
