"""Edit conflicts in the browser: when someone saved the record after the form was
opened, the page shows both versions of each field that differs (theirs, saved, and
yours, not saved) instead of overwriting; saving again keeps yours deliberately."""

from django.db.models import Model


def _display(form, name, value):
    field = form.fields.get(name)
    if value in (None, "", [], ()):
        return "—"
    choices = getattr(field, "choices", None)
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, (list, tuple, set)) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value
        return ", ".join(str(item) for item in items)
    if choices is not None and not hasattr(field, "queryset"):
        labels = {str(key): label for key, label in choices}
        return str(labels.get(str(value), value))
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("Yes") if value else gettext("No")
    return str(value)


def conflict_rows(form, saved) -> list[dict]:
    """Each field whose saved value differs from what the user submitted."""
    rows = []
    cleaned = getattr(form, "cleaned_data", {}) or {}
    for name, field in form.fields.items():
        if name == "version" or name not in cleaned or not hasattr(saved, name):
            continue
        try:
            current = getattr(saved, name)
        except Exception:  # a relation that is not set  # noqa: S112
            continue
        if hasattr(current, "all"):
            current = list(current.all())
        yours = cleaned[name]
        if hasattr(yours, "all"):
            yours = list(yours.all())
        if isinstance(current, list) and isinstance(yours, list | tuple):
            same = {getattr(i, "pk", i) for i in current} == {getattr(i, "pk", i) for i in yours}
        else:
            same = current == yours or (current in (None, "") and yours in (None, ""))
        if not same:
            rows.append(
                {
                    "field": name,
                    "label": field.label or name,
                    "theirs": _display(form, name, current),
                    "yours": _display(form, name, yours),
                }
            )
    return rows


def version_of(obj) -> str:
    updated = getattr(obj, "updated_at", None)
    return updated.isoformat() if updated else ""


class EditConflictMixin:
    """For edit views (UpdateView / FormView with ``self.object``): the form carries
    the object's version in a hidden ``version`` field; a save on a stale version is
    refused with both versions on the page (``form.conflicts``), and saving again
    keeps the user's. The check runs in the form's validation, so the view's own
    ``form_valid`` is never reached with a stale version."""

    def get_form(self, form_class=None):
        from django import forms
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext

        form = super().get_form(form_class)
        obj = getattr(self, "object", None)
        if obj is None or not obj.pk or not hasattr(obj, "updated_at"):
            return form
        form.fields["version"] = forms.CharField(required=False, widget=forms.HiddenInput)
        form.fields["version"].initial = version_of(obj)
        clean = form.clean

        def clean_with_version():
            cleaned = clean()
            cleaned = form.cleaned_data if cleaned is None else cleaned
            version = cleaned.pop("version", None)
            if version and version != version_of(obj):
                form.conflicts = conflict_rows(form, obj)
                form.data = form.data.copy()  # saving again keeps this user's version
                form.data[form.add_prefix("version")] = version_of(obj)
                raise ValidationError(
                    gettext(
                        "Someone else saved this while you were editing: both versions are "
                        "shown below. Saving again keeps yours."
                    ),
                    code="conflict",
                )
            return cleaned

        form.clean = clean_with_version
        return form
