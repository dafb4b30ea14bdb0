"""A page's GET forms read from its HTML and submitted as a browser submits them.

``page_forms(html)`` finds every form with ``method="get"`` and its fields, including
the controls outside it that name it with ``form="<id>"``. ``Form.entries()`` is the
list of (name, value) pairs a browser sends for it (the HTML standard's "constructing
the entry list"): every text, search, date and hidden input with its value, empty or
not; the checked checkboxes and radios; for each select its selected options, or for a
single select with none selected its first option. ``row_ids(html)`` reads the rows a
list shows from the ``data-row-id`` attribute of each row.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

SKIPPED_INPUTS = {"submit", "button", "reset", "image", "file"}


@dataclass
class Control:
    tag: str  # input | select | textarea
    name: str
    type: str = "text"  # inputs: their type; selects: "select" or "select-multiple"
    value: str = ""
    checked: bool = False
    disabled: bool = False
    label: str = ""
    #: selects: [(value, label, selected, disabled)]
    options: list = field(default_factory=list)

    @property
    def choices(self):
        """The values a user can pick: a select's options other than the empty one; a
        checkbox's or a radio's own value."""
        if self.tag == "select":
            return [
                value
                for value, _label, _selected, disabled in self.options
                if value and not disabled
            ]
        if self.type in ("checkbox", "radio"):
            return [self.value or "on"]
        return []

    def entries(self):
        if self.disabled or not self.name:
            return []
        if self.tag == "select":
            selected = [value for value, _l, is_selected, _d in self.options if is_selected]
            if not selected and self.type == "select" and self.options:
                enabled = [option for option in self.options if not option[3]]
                selected = [enabled[0][0]] if enabled else []
            if self.type == "select":
                selected = selected[-1:]  # a single select keeps its last selected option
            return [(self.name, value) for value in selected]
        if self.type in ("checkbox", "radio"):
            return [(self.name, self.value or "on")] if self.checked else []
        if self.type in SKIPPED_INPUTS:
            return []
        return [(self.name, self.value)]


@dataclass
class Form:
    id: str
    action: str
    method: str
    controls: list = field(default_factory=list)

    def entries(self, **chosen):
        """What a browser sends, with ``chosen`` {name: value or [values]} set as a user
        would set them (a select's option picked, a box ticked, a field typed in)."""
        names = {control.name for control in self.controls}
        unknown = set(chosen) - names
        assert not unknown, f"the form has no field {sorted(unknown)}"
        result = []
        done = set()
        for control in self.controls:
            if control.name in chosen:
                if control.name in done:
                    continue  # radios and repeated checkboxes: one entry list for the name
                done.add(control.name)
                value = chosen[control.name]
                values = value if isinstance(value, list | tuple) else [value]
                result.extend((control.name, str(v)) for v in values)
            else:
                result.extend(control.entries())
        return result

    def control(self, name):
        return next(control for control in self.controls if control.name == name)

    @property
    def names(self):
        return list(dict.fromkeys(control.name for control in self.controls if control.name))


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._by_id = {}
        self._form = None
        self._select = None
        self._option = None
        self._textarea = None
        self._orphans = []  # (form id, control): controls outside their form
        self.labels = {}
        self._label_for = None
        self._label_text = []

    def _owner(self, attrs):
        if attrs.get("form"):
            return attrs["form"]
        return self._form

    def _add(self, attrs, control):
        owner = self._owner(attrs)
        if isinstance(owner, str):
            self._orphans.append((owner, control))
        elif owner is not None:
            owner.controls.append(control)

    def handle_starttag(self, tag, attrs):
        attrs = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            form = Form(
                id=attrs.get("id", ""),
                action=attrs.get("action", ""),
                method=attrs.get("method", "get").lower(),
            )
            self.forms.append(form)
            if form.id:
                self._by_id[form.id] = form
            self._form = form
        elif tag == "input":
            control = Control(
                tag="input",
                name=attrs.get("name", ""),
                type=attrs.get("type", "text").lower(),
                value=attrs.get("value", ""),
                checked="checked" in attrs,
                disabled="disabled" in attrs,
            )
            control.label = attrs.get("id", "")
            self._add(attrs, control)
        elif tag == "select":
            self._select = Control(
                tag="select",
                name=attrs.get("name", ""),
                type="select-multiple" if "multiple" in attrs else "select",
                disabled="disabled" in attrs,
                label=attrs.get("id", ""),
            )
            self._add(attrs, self._select)
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), [], "selected" in attrs, "disabled" in attrs]
        elif tag == "textarea":
            self._textarea = Control(
                tag="textarea", name=attrs.get("name", ""), disabled="disabled" in attrs
            )
            self._add(attrs, self._textarea)
        elif tag == "label" and attrs.get("for"):
            self._label_for = attrs["for"]
            self._label_text = []

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._close_option()
            self._select = None
        elif tag == "option":
            self._close_option()
        elif tag == "textarea":
            self._textarea = None
        elif tag == "label" and self._label_for:
            self.labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value, text, selected, disabled = self._option
            label = " ".join("".join(text).split())
            self._select.options.append(
                (label if value is None else value, label, selected, disabled)
            )
        self._option = None

    def handle_data(self, data):
        if self._option is not None:
            self._option[1].append(data)
        elif self._textarea is not None:
            self._textarea.value += data
        if self._label_for:
            self._label_text.append(data)

    def close(self):
        super().close()
        for form_id, control in self._orphans:
            if form_id in self._by_id:
                self._by_id[form_id].controls.append(control)
        for form in self.forms:
            for control in form.controls:
                control.label = self.labels.get(control.label, control.name)


def page_forms(html: str, method: str = "get"):
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return [form for form in reader.forms if form.method == method]


class _RowReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "data-row-id":
                self.ids.append(int(value))


def row_ids(html: str) -> list:
    """The ids of the rows a list page shows, in their order."""
    reader = _RowReader()
    reader.feed(html)
    reader.close()
    return reader.ids


def view_tabs(html):
    """The saved-view tabs of a list page: {name: url}."""

    class Tabs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tabs, self._href, self._text = {}, None, []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a" and "data-view-tab" in attrs:
                self._href, self._text = attrs["href"], []

        def handle_data(self, data):
            if self._href is not None:
                self._text.append(data)

        def handle_endtag(self, tag):
            if tag == "a" and self._href is not None:
                self.tabs[" ".join("".join(self._text).split())] = self._href
                self._href = None

    reader = Tabs()
    reader.feed(html)
    return reader.tabs
