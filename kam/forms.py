"""Form plumbing shared by every app: one Bootstrap look, and service errors on fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

#: Django's placeholder for "nothing chosen" in a select: no word in any language
DASHES = "---------"


def label_empty_choice(field, label) -> None:
    """A select's empty option reads ``label`` ("Choose…" in a form, "Any" in a filter
    bar) instead of Django's dashes."""
    if hasattr(field, "empty_label"):  # model choices, and django-filter's choice fields
        if field.empty_label == DASHES:
            field.empty_label = label
    elif isinstance(field, forms.ChoiceField):  # a model field's choices with blank=True
        choices = list(field.choices)
        if any(value == "" and str(text) == DASHES for value, text in choices):
            field.choices = [
                (value, label if value == "" and str(text) == DASHES else text)
                for value, text in choices
            ]


class BootstrapFormMixin:
    """Bootstrap 5 classes on every widget (large, for thumbs on phones) and
    ``is-invalid`` / ``aria-invalid`` on the fields with errors. Call
    ``style_widgets()`` at the end of ``__init__``."""

    large = True

    def style_widgets(self):
        size = "-lg" if self.large else ""
        for field in self.fields.values():
            label_empty_choice(field, _("Choose…"))
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.HiddenInput | forms.RadioSelect):
                css = ""  # hidden, or drawn as toggle buttons by the template
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = f"form-select form-select{size}" if size else "form-select"
            else:
                css = f"form-control form-control{size}" if size else "form-control"
            if css:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has
    one, above the form otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _attrs(attrs) -> str:
    """What ``django/forms/widgets/attrs.html`` writes, escaped the same way."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


def _select(widget) -> str:
    """``django/forms/widgets/select.html`` in Python: the template includes a template per
    option, and a filter bar's selects (owners, teams, industries…) run to hundreds."""
    parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        parts.extend(
            format_html(
                '\n  <option value="{}"{}>{}</option>',
                option["value"],
                _attrs(option["attrs"]),
                option["label"],
            )
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    """Django's default renderer, except for selects, built in Python (``_select``)."""

    def render(self, template_name, context, request=None):
        if template_name == "django/forms/widgets/select.html":
            return _select(context["widget"])
        return super().render(template_name, context, request)
