"""Accounts and contacts from CSV or Excel: the file is staged and read with the import
limits by kam.uploads (like the actuals import), its columns are mapped to fields, every row
is checked by the bulk upsert's validation, and the commit is the bulk upsert (all or
nothing; a re-import matches by external id or credit code and updates)."""

from datetime import date, datetime

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts import bulk
from accounts.choices import (
    AccountStatus,
    Attitude,
    BuyingRole,
    ContactLevel,
    CreditRating,
    Industry,
    Region,
)
from kam.exports import Column
from kam.uploads import FileRejectedError, _cell

MAX_ROWS = 10_000
#: a file with more rows is imported by a worker (import_run_task), the page showing
#: its progress; smaller files are imported in the request
SYNC_ROWS = 2_000
#: the states of a background import, kept in StagedUpload.result["state"]
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

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


def import_queue(*, staged, row_count: int) -> None:
    """Mark a staged upload queued and enqueue its import once the request commits."""
    from django.utils import timezone

    from accounts.tasks import import_run_task
    from kam.queue import enqueue_on_commit

    queued_at = timezone.now().isoformat()
    staged.result = {**staged.result, "state": QUEUED, "rows": row_count, "queued_at": queued_at}
    staged.save(update_fields=["result"])
    enqueue_on_commit(import_run_task, staged_id=staged.pk, actor_id=staged.user_id)


def import_requeue_stale(*, staged, after_seconds: int = 60) -> bool:
    """Queue again an import still waiting after ``after_seconds`` (the broker was down
    when it was queued, or the message was lost); running twice does nothing more."""
    from datetime import datetime

    from django.utils import timezone

    if staged.result.get("state") != QUEUED or staged.imported_at is not None:
        return False
    try:
        queued_at = datetime.fromisoformat(staged.result.get("queued_at", ""))
    except ValueError:
        queued_at = None
    if queued_at and (timezone.now() - queued_at).total_seconds() < after_seconds:
        return False
    import_queue(staged=staged, row_count=staged.result.get("rows", 0))
    return True


def import_run(*, staged_id: int, actor_id: int) -> dict:
    """The import of a staged upload, all or nothing, as its user; the state and the
    summary (or the number of wrong rows) land in ``StagedUpload.result``. Running it
    again after it finished does nothing (the task may be delivered twice)."""
    from django.db import transaction

    from kam import uploads
    from kam.models import StagedUpload

    with transaction.atomic():
        staged = StagedUpload.objects.select_for_update().filter(pk=staged_id).first()
        if staged is None or staged.user_id != actor_id or staged.imported_at is not None:
            return {}
        if staged.result.get("state") in (RUNNING, DONE, FAILED):
            return staged.result
        staged.result = {**staged.result, "state": RUNNING}
        staged.save(update_fields=["result"])
    kind = staged.kind.removeprefix("import:")
    mapping = staged.result.get("mapping") or []
    try:
        table = table_from(uploads.upload_table(staged, max_rows=MAX_ROWS))
        result = commit(kind, actor=staged.user, table=table, mapping=mapping)
    except bulk.BatchRejectedError as error:
        staged.result = {**staged.result, "state": FAILED, "wrong": len(error.row_errors)}
        staged.save(update_fields=["result"])
        return staged.result
    except FileRejectedError as error:
        staged.result = {**staged.result, "state": FAILED, "message": str(error)}
        staged.save(update_fields=["result"])
        return staged.result
    uploads.upload_finish(staged, result={**result, "state": DONE})
    return staged.result
