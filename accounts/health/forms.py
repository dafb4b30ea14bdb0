"""The health settings form: it parses; accounts.health.services validates and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.health.models import HealthComponent
from kam.forms import BootstrapFormMixin


class HealthSettingsForm(BootstrapFormMixin, forms.Form):
    """Weights per component, the scores green and amber start at, the alert drop."""

    green_from = forms.IntegerField(label=_("Green from score"), min_value=0, max_value=100)
    amber_from = forms.IntegerField(label=_("Amber from score"), min_value=0, max_value=100)
    alert_drop = forms.IntegerField(
        label=_("Alert on a drop of more than (points)"), min_value=0, max_value=100
    )

    def __init__(self, *args, config, **kwargs):
        initial = {
            **{f"weight_{key}": value for key, value in config.weights.items()},
            "green_from": config.green_from,
            "amber_from": config.amber_from,
            "alert_drop": config.alert_drop,
        }
        kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        weight_fields = {
            f"weight_{key}": forms.IntegerField(label=label, min_value=0, max_value=100)
            for key, label in HealthComponent.choices
        }
        self.fields = {**weight_fields, **self.fields}
        self.style_widgets()
        for field in self.fields.values():
            field.widget.attrs["inputmode"] = "numeric"

    def weight_fields(self):
        return [self[f"weight_{key}"] for key in HealthComponent.values]

    def threshold_fields(self):
        return [self["green_from"], self["amber_from"], self["alert_drop"]]

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "weights": {key: data[f"weight_{key}"] for key in HealthComponent.values},
            "green_from": data["green_from"],
            "amber_from": data["amber_from"],
            "alert_drop": data["alert_drop"],
        }
