"""The project's form renderer writes selects in Python: the same HTML as Django's."""

from django import forms
from django.forms.renderers import DjangoTemplates

from kam.forms import FormRenderer


class _Form(forms.Form):
    several = forms.MultipleChoiceField(
        choices=[("x", "X <&>"), ("y", 'Y"'), ("Group", [("g1", "G1"), ("g2", "G2")])],
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "data-on": True, "off": False}),
    )
    one = forms.ChoiceField(choices=[("", "—"), ("1", "One"), ("2", "Two")])


def _lines(html):
    return [line for line in str(html).splitlines() if line.strip()]


def test_selects_render_as_django_renders_them():
    form = _Form(data={"several": ["x", "g2"], "one": "2"})
    for name in ("several", "one"):
        widget, value = form.fields[name].widget, form[name].value()
        attrs = {"id": f"id_{name}"}
        ours = widget.render(name, value, attrs, renderer=FormRenderer())
        django = widget.render(name, value, attrs, renderer=DjangoTemplates())
        assert _lines(ours) == _lines(django)
    html = str(form["several"])
    assert '<option value="x" selected>X &lt;&amp;&gt;</option>' in html
    assert '<optgroup label="Group">' in html
    assert " data-on " in html
    assert "off" not in html


def test_other_widgets_still_use_their_templates():
    html = forms.CharField().widget.render("q", "a<b", renderer=FormRenderer())
    assert html == '<input type="text" name="q" value="a&lt;b">'
