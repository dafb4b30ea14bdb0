"""Candidates from CSV or Excel: the file is read and staged with the import limits of
kam.uploads, its columns are recognised by their header (the field name or its label in
either language, as in the accounts import), every row is checked by the bulk upsert's
validation, and the import is the bulk upsert (all or nothing)."""

from django.utils.translation import gettext_lazy as _

from accounts import imports as account_imports
from accounts.choices import Industry, Region
from candidates import bulk

KIND = "candidates"
STAGE_KIND = "import:candidates"
MAX_ROWS = 10_000

FIELDS = [
    ("external_id", _("External id"), None),
    ("name", _("Name"), None),
    ("credit_code", _("Unified social credit code"), None),
    ("industry", _("Industry"), Industry),
    ("region", _("Region"), Region),
    ("team", _("Team"), None),
    ("revenue", _("Annual revenue"), None),
    ("gross_profit", _("Annual gross profit"), None),
]


def register():
    """Let the accounts import's column and value readers know the candidates' fields."""
    account_imports.FIELDS.setdefault(KIND, FIELDS)


def records(table) -> list[dict]:
    mapping = account_imports.guess_mapping(KIND, table["header"])
    return account_imports.to_records(KIND, table, mapping)


def validate(*, actor, table) -> dict:
    """{row index: {field: [messages]}} of the wrong rows (no writes)."""
    *_rest, errors = bulk.candidates_validate(actor=actor, rows=records(table))
    return errors


def commit(*, actor, table) -> dict:
    return bulk.candidates_upsert(actor=actor, rows=records(table), limit=MAX_ROWS)
