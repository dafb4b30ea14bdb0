"""Accounts and contacts from CSV or Excel: the file is staged and read with the import
limits by kam.uploads (like the actuals import), its columns are mapped to fields, every row
is checked by the bulk upsert's validation, and the commit is the bulk upsert (all or
nothing; a re-import matches by external id or credit code and updates)."""

from datetime import date, datetime

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.choices import (
    AccountStatus,
    Attitude,
    BuyingRole,
    ContactLevel,
    CreditRating,
    Industry,
    Region,
)
from integrations import bulk
from kam.exports import Column
from kam.uploads import FileRejectedError, _cell

MAX_ROWS = 5000

#: per kind: (field, label, choices or None)
FIELDS = {
    "accounts": [
        ("external_id", _("External id"), None),
        ("name", _("Name"), None),
        ("legal_name", _("Legal name"), None),
        ("credit_code", _("Unified social credit code"), None),
        ("industry", _("Industry"), Industry),
        ("region", _("Region"), Region),
        ("status", _("Lifecycle status"), AccountStatus),
        ("owner", _("Owner (username)"), None),
        ("parent_external_id", _("Parent account external id"), None),
        ("cooperation_since", _("Cooperation since"), None),
        ("credit_rating", _("Credit rating"), CreditRating),
        ("credit_limit", _("Credit limit"), None),
        ("estimated_wallet", _("Estimated wallet size"), None),
        ("annual_revenue_estimate", _("Estimated annual revenue"), None),
        ("description", _("Description"), None),
    ],
    "contacts": [
        ("account_external_id", _("Account external id"), None),
        ("external_id", _("External id"), None),
        ("name", _("Name"), None),
        ("title", _("Title"), None),
        ("department", _("Department"), None),
        ("level", _("Level"), ContactLevel),
        ("buying_role", _("Buying role"), BuyingRole),
        ("attitude", _("Attitude to us"), Attitude),
        ("strength", _("Relationship strength"), None),
        ("phone", _("Phone"), None),
        ("email", _("E-mail"), None),
        ("wechat", _("WeChat"), None),
        ("has_left", _("Has left the company"), None),
        ("notes", _("Notes"), None),
    ],
}
LANGUAGES = ("en", "zh-hans")
TRUE = {"1", "true", "yes", "y", "是", "x", "✓"}
FALSE = {"0", "false", "no", "n", "否", ""}


def _labels(text) -> set[str]:
    """The text in every language, lower-cased, to match headers and values."""
    found = set()
    for language in LANGUAGES:
        with translation.override(language):
            found.add(str(text).strip().lower())
    return found


def field_names(kind) -> list[str]:
    return [name for name, _label, _choices in FIELDS[kind]]


def guess_mapping(kind, header) -> list[str]:
    """For each file column, the field it most likely holds ("" when none)."""
    known = {}
    for name, label, _choices in FIELDS[kind]:
        known[name] = name
        for text in _labels(label):
            known[text] = name
    mapping, used = [], set()
    for column in header:
        name = known.get(_cell(column).strip().lower(), "")
        if name in used:
            name = ""
        used.add(name)
        mapping.append(name)
    return mapping


def table_from(rows: list[list[str]]) -> dict:
    """{"header": [...], "rows": [[...], ...]} from a table read by kam.uploads."""
    if not rows:
        raise FileRejectedError(_("The file is empty."))
    return {"header": rows[0], "rows": rows[1:]}


def _value(name, choices, raw):
    raw = raw.strip()
    if choices is not None and raw:
        for value, label in choices.choices:
            if raw == value or raw.lower() in _labels(label):
                return value
        return raw  # the validation names it
    if name == "has_left":
        return True if raw.lower() in TRUE else False if raw.lower() in FALSE else raw
    if name == "cooperation_since" and raw:
        for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y/%m/%d"):
            try:
                return datetime.strptime(raw, form).date().isoformat()  # noqa: DTZ007
            except ValueError:
                continue
    if isinstance(raw, date):
        return raw.isoformat()
    return raw


def to_records(kind, table, mapping) -> list[dict]:
    """The rows as the bulk upsert's records; empty cells are left out (on an existing
    record they keep its value)."""
    specs = {name: choices for name, _label, choices in FIELDS[kind]}
    records = []
    for row in table["rows"]:
        record = {}
        for index, name in enumerate(mapping):
            if not name or index >= len(row):
                continue
            raw = row[index]
            if raw == "" and name != "has_left":
                continue
            record[name] = _value(name, specs[name], raw)
        records.append(record)
    return records


def validate(kind, *, actor, table, mapping) -> dict:
    """{row index: {field: [messages]}} for the wrong rows (no writes)."""
    records = to_records(kind, table, mapping)
    if kind == "accounts":
        *_rest, errors = bulk.accounts_validate(actor=actor, rows=records)
    else:
        *_rest, errors = bulk.contacts_validate(actor=actor, rows=records)
    return errors


def commit(kind, *, actor, table, mapping) -> dict:
    records = to_records(kind, table, mapping)
    upsert = bulk.accounts_upsert if kind == "accounts" else bulk.contacts_upsert
    return upsert(actor=actor, rows=records, limit=MAX_ROWS)


def template_columns(kind, *, language: str) -> tuple[list, dict]:
    """The columns of the import template with their labels in ``language``, and one
    example row (``kam.exports`` writes the file)."""
    with translation.override(language):
        columns = [Column(name, str(label)) for name, label, _choices in FIELDS[kind]]
    example = {
        "accounts": ["ERP-0001", "Acme", "Acme Co., Ltd.", "", "manufacturing", "east",
                     "active", "", "", "2020-01-01", "AA", "1000000", "", "", ""],
        "contacts": ["ERP-0001", "C-0001", "Li Lei", "CTO", "IT", "decision",
                     "decision_maker", "supporter", "4", "", "li@example.com", "", "no", ""],
    }[kind]  # fmt: skip
    return columns, dict(zip(field_names(kind), example, strict=True))
