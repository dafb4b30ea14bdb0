"""Bulk upsert of accounts and contacts by external id (the API's ``…/bulk/`` and the
file imports): validated as a whole, written all or nothing, idempotent, and in a
fixed number of statements whatever the batch size.

A batch runs: the row checks (no SQL), one read of the existing records, one of the
owners, one of credit codes, one of parents, then one UPDATE … FROM unnest(…) for the
changed records (rows that would not change are left alone, so the same batch twice
writes nothing), one INSERT … SELECT unnest(…) for the new ones and one UPDATE for
parents. Errors name each bad row by its index and field, like the actuals batch.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import serializers

from accounts.choices import (
    LEGACY_ACTIVE,
    AccountStatus,
    Attitude,
    BuyingRole,
    ContactLevel,
    CreditRating,
    Industry,
    Region,
)
from accounts.models import Account, Contact
from accounts.services import owner_problem
from accounts.validators import validate_credit_code
from kam.batch import (
    BatchRejectedError,
    in_key_order,
    once_more_after_a_lost_race,
    plan_for_whole_tables,
)
from kam.capabilities import may
from kam.models import User
from kam.scoping import CHANGE
from kam.textsearch import pinyin_values

MAX_BATCH = 1000


def _error(errors, index, field, message):
    errors.setdefault(index, {}).setdefault(field, []).append(str(message))


def _money():
    return serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )


class AccountRowSerializer(serializers.Serializer):
    """One account of a batch; relations by natural keys (owner username, parent's
    external id). On an existing account, fields left out keep their value."""

    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False)
    legal_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    industry = serializers.ChoiceField(Industry.choices, required=False, allow_blank=True)
    region = serializers.ChoiceField(Region.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField([*AccountStatus.choices, LEGACY_ACTIVE], required=False)
    owner = serializers.CharField(
        max_length=150, required=False, help_text=_lazy("The owner's username (default: you).")
    )
    parent_external_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    is_industry_leader = serializers.BooleanField(required=False)
    is_reference_customer = serializers.BooleanField(required=False)
    has_channel_value = serializers.BooleanField(required=False)
    cooperation_since = serializers.DateField(required=False, allow_null=True)
    credit_rating = serializers.ChoiceField(CreditRating.choices, required=False, allow_blank=True)
    credit_limit = _money()
    estimated_wallet = _money()
    annual_revenue_estimate = _money()
    description = serializers.CharField(required=False, allow_blank=True)

    def validate_status(self, value):
        return AccountStatus.DEVELOPING if value == LEGACY_ACTIVE else value

    def validate_credit_code(self, value):
        value = (value or "").strip().upper()
        if value:
            try:
                validate_credit_code(value)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.messages) from error
        return value

    def validate_external_id(self, value):
        return (value or "").strip()


class ContactRowSerializer(serializers.Serializer):
    account_external_id = serializers.CharField(max_length=64)
    external_id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=120, required=False)
    title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    department = serializers.CharField(max_length=120, required=False, allow_blank=True)
    level = serializers.ChoiceField(ContactLevel.choices, required=False)
    buying_role = serializers.ChoiceField(BuyingRole.choices, required=False, allow_blank=True)
    attitude = serializers.ChoiceField(Attitude.choices, required=False)
    strength = serializers.IntegerField(min_value=1, max_value=5, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    wechat = serializers.CharField(max_length=64, required=False, allow_blank=True)
    has_left = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class AccountBatchSerializer(serializers.Serializer):
    rows = AccountRowSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)


class ContactBatchSerializer(serializers.Serializer):
    rows = ContactRowSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)


class BatchResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text=_lazy("How many rows the batch carried."))
    created = serializers.IntegerField()
    updated = serializers.IntegerField(help_text=_lazy("Existing records that changed."))
    unchanged = serializers.IntegerField()


def _parse(serializer_class, rows, errors):
    clean = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            _error(errors, index, "non_field_errors", _("Each row must be an object."))
            clean.append({})
            continue
        parsed = serializer_class(data=row)
        if parsed.is_valid():
            clean.append(dict(parsed.validated_data))
        else:
            for field, messages in parsed.errors.items():
                for message in messages:
                    _error(errors, index, field, message)
            clean.append({})
    return clean


def _too_many(limit):
    message = _("At most %(count)s rows per batch.") % {"count": limit}
    return BatchRejectedError({0: {"non_field_errors": [message]}})


def _refuse(actor):
    if not may(actor, "accounts.import"):
        raise PermissionDenied(_("Executives read everything and change nothing."))


# --- the set-based writes ----------------------------------------------------------------


def _update_from_arrays(table, columns, rows, *, key="id"):
    """UPDATE table SET col = u.col … FROM unnest(arrays) WHERE changed; returns count."""
    # no shortcut for an empty list: a batch runs the same statements whatever it holds
    names = [key] + [name for name, _ in columns]
    types = ["bigint[]"] + [kind for _, kind in columns]
    rows = in_key_order(rows, key)
    arrays = [[row[name] for row in rows] for name in names]
    unnest = ", ".join(f"%s::{kind}" for kind in types)
    sets = ", ".join(f"{name} = u.{name}" for name, _ in columns)
    changed = " OR ".join(f"t.{name} IS DISTINCT FROM u.{name}" for name, _ in columns)
    sql = (
        f"UPDATE {table} AS t SET {sets}, updated_at = now() "  # noqa: S608
        f"FROM unnest({unnest}) AS u({', '.join(names)}) "
        f"WHERE t.{key} = u.{key} AND ({changed})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount


#: the pinyin of the name, which the model's save() writes and these statements bypass
PINYIN_COLUMNS = [("name_pinyin", "text[]"), ("name_initials", "text[]")]


def _with_pinyin(rows):
    for row in rows:
        row.update(pinyin_values(row["name"]))
    return rows


def _insert_from_arrays(table, columns, rows, extra_sql=("", ""), *, order=()):
    """INSERT … SELECT unnest(arrays); ``extra_sql`` = (more columns, their SQL values).
    Rows go in by their unique key (``order``: its columns; ``in_key_order``)."""
    # no shortcut for an empty list: a batch runs the same statements whatever it holds
    rows = in_key_order(rows, *order)
    names = [name for name, _ in columns]
    arrays = [[row[name] for row in rows] for name in names]
    unnest = ", ".join(f"%s::{kind}" for _, kind in columns)
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}, {extra_sql[0]}) "  # noqa: S608
        f"SELECT {', '.join(names)}, {extra_sql[1]} "
        f"FROM unnest({unnest}) AS u({', '.join(names)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount


ACCOUNT_COLUMNS = [
    ("name", "text[]"),
    ("legal_name", "text[]"),
    ("credit_code", "text[]"),
    ("external_id", "text[]"),
    ("industry", "text[]"),
    ("region", "text[]"),
    ("status", "text[]"),
    ("owner_id", "bigint[]"),
    ("is_industry_leader", "boolean[]"),
    ("is_reference_customer", "boolean[]"),
    ("has_channel_value", "boolean[]"),
    ("cooperation_since", "date[]"),
    ("credit_rating", "text[]"),
    ("credit_limit", "numeric[]"),
    ("estimated_wallet", "numeric[]"),
    ("annual_revenue_estimate", "numeric[]"),
    ("description", "text[]"),
]
ACCOUNT_DEFAULTS = {
    "legal_name": "",
    "credit_code": "",
    "industry": "",
    "region": "",
    "status": AccountStatus.DEVELOPING,
    "is_industry_leader": False,
    "is_reference_customer": False,
    "has_channel_value": False,
    "cooperation_since": None,
    "credit_rating": "",
    "credit_limit": None,
    "estimated_wallet": None,
    "annual_revenue_estimate": None,
    "description": "",
}


def accounts_validate(*, actor: User, rows: list) -> tuple[list, list, list, dict]:
    """Check a batch: returns (updates, inserts, parent links, errors). A row matches an
    account by external id, else by credit code."""
    errors: dict = {}
    clean = _parse(AccountRowSerializer, rows, errors)
    ext_ids = {row.get("external_id") for row in clean} - {None, ""}
    codes = {row.get("credit_code") for row in clean} - {None, ""}
    mine = Account.objects.visible_to(actor, CHANGE).filter(pk=OuterRef("pk"))
    existing = list(
        Account.objects.filter(Q(external_id__in=ext_ids) | Q(credit_code__in=codes))
        .annotate(changeable=Exists(mine))
        .values(
            "pk",
            "owner_id",
            "parent_id",
            "changeable",
            *[c for c, _ in ACCOUNT_COLUMNS if c != "owner_id"],
        )
    )
    by_ext = {row["external_id"]: row for row in existing if row["external_id"]}
    by_code = {row["credit_code"]: row for row in existing if row["credit_code"]}
    changeable = {row["pk"] for row in existing if row["changeable"]}
    usernames = {row["owner"] for row in clean if row.get("owner")} | {actor.username}
    owners = {
        user.username: user
        for user in User.objects.visible_to(actor).filter(username__in=usernames, is_active=True)
    }
    parent_ext = {row.get("parent_external_id") for row in clean} - {None, ""}
    parents = dict(
        Account.objects.visible_to(actor)
        .filter(external_id__in=parent_ext)
        .values_list("external_id", "pk")
    )
    updates, inserts, links = [], [], []
    seen_ext, seen_code, seen_pk = {}, {}, {}
    for index, row in enumerate(clean):
        if not row:
            continue
        ext, code = row.get("external_id") or "", row.get("credit_code") or ""
        if not ext and not code:
            _error(errors, index, "external_id", _("Give an external id or a credit code."))
            continue
        for value, seen, field in (
            (ext, seen_ext, "external_id"),
            (code, seen_code, "credit_code"),
        ):
            if value and value in seen:
                _error(
                    errors,
                    index,
                    field,
                    _("Row %(row)s has the same value.") % {"row": seen[value] + 1},
                )
            elif value:
                seen[value] = index
        match = by_ext.get(ext) if ext else None
        if match is None and code and code in by_code:
            match = by_code[code]
            if ext and match["external_id"] and match["external_id"] != ext:
                _error(
                    errors, index, "credit_code", _("Another account already has this credit code.")
                )
                continue
        if match is not None:
            if match["pk"] not in changeable:
                _error(errors, index, "external_id", _("This account is not yours to change."))
                continue
            if match["pk"] in seen_pk:
                _error(errors, index, "external_id", _("Row %(row)s updates the same account.")
                       % {"row": seen_pk[match["pk"]] + 1})  # fmt: skip
                continue
            seen_pk[match["pk"]] = index
        owner_id = None
        if "owner" in row:
            owner = owners.get(row["owner"])
            if owner is None:
                _error(errors, index, "owner", _("Choose an owner from your teams."))
                continue
            current = None if match is None else match["owner_id"]
            problem = owner_problem(actor, owner, current_owner_id=current, visible=True)
            if problem:
                _error(errors, index, "owner", problem)
                continue
            owner_id = owner.pk
        parent = row.get("parent_external_id")
        if parent:
            if parent == ext:
                _error(
                    errors, index, "parent_external_id", _("An account cannot be its own parent.")
                )
            elif parent not in parents and parent not in {r.get("external_id") for r in clean}:
                _error(
                    errors, index, "parent_external_id", _("Choose a parent account you can see.")
                )
            elif ext:
                links.append({"external_id": ext, "parent": parent})
        if match is not None:
            values = {name: match[name] for name, _ in ACCOUNT_COLUMNS if name != "owner_id"}
            values["owner_id"] = match["owner_id"]
            values.update({k: v for k, v in row.items() if k in values})
            if not values["external_id"]:
                values["external_id"] = ext or None
            if owner_id is not None:
                values["owner_id"] = owner_id
            values["id"] = match["pk"]
            updates.append(values)
        else:
            if not row.get("name"):
                _error(errors, index, "name", _("This field is required."))
                continue
            values = {
                **ACCOUNT_DEFAULTS,
                **{k: v for k, v in row.items() if k in dict(ACCOUNT_COLUMNS)},
            }
            values["external_id"] = ext or None
            values["owner_id"] = owner_id or actor.pk
            if owner_id is None and not may(actor, "accounts.own"):
                _error(errors, index, "owner", owner_problem(actor, None))
                continue
            inserts.append(values)
    return updates, inserts, links, errors


@transaction.atomic
def _batch(actor: User, rows: list, limit: int, write) -> dict:
    """The one way a batch is written: refused for an executive or past ``limit``, then
    ``write(actor, rows)`` planned for whole tables, once more after a lost race."""
    _refuse(actor)
    if len(rows) > limit:
        raise _too_many(limit)
    plan_for_whole_tables()
    return once_more_after_a_lost_race(lambda: write(actor, rows))


def accounts_upsert(*, actor: User, rows: list, limit: int = MAX_BATCH) -> dict:
    return _batch(actor, rows, limit, _accounts_write)


def _accounts_write(actor: User, rows: list) -> dict:
    updates, inserts, links, errors = accounts_validate(actor=actor, rows=rows)
    if errors:
        raise BatchRejectedError(errors)
    table = Account._meta.db_table
    updated = _update_from_arrays(table, [*ACCOUNT_COLUMNS, *PINYIN_COLUMNS], _with_pinyin(updates))
    created = _insert_from_arrays(
        table,
        [*ACCOUNT_COLUMNS, *PINYIN_COLUMNS, ("created_by_id", "bigint[]")],
        [{**row, "created_by_id": actor.pk} for row in _with_pinyin(inserts)],
        extra_sql=("tier, computed_tier, approved_tier, health_status, tags, "
                   "created_at, updated_at",
                   "'', '', '', '', '{}', now(), now()"),
        order=("external_id", "credit_code"),
    )  # fmt: skip
    with connection.cursor() as cursor:  # always, so every batch runs the same statements
        cursor.execute(
            f"""
            UPDATE {table} AS a SET parent_id = p.id, updated_at = now()
            FROM unnest(%s::text[], %s::text[]) AS u(child, parent)
            JOIN {table} p ON p.external_id = u.parent
            WHERE a.external_id = u.child AND a.parent_id IS DISTINCT FROM p.id
              AND a.id <> p.id
            """,  # noqa: S608
            [
                [link["external_id"] for link in links],
                [link["parent"] for link in links],
            ],
        )
    return {
        "rows": len(rows),
        "created": created,
        "updated": updated,
        "unchanged": len(updates) - updated,
    }


CONTACT_COLUMNS = [
    ("name", "text[]"),
    ("title", "text[]"),
    ("department", "text[]"),
    ("level", "text[]"),
    ("buying_role", "text[]"),
    ("attitude", "text[]"),
    ("strength", "smallint[]"),
    ("phone", "text[]"),
    ("email", "text[]"),
    ("wechat", "text[]"),
    ("has_left", "boolean[]"),
    ("notes", "text[]"),
]
CONTACT_DEFAULTS = {
    "title": "",
    "department": "",
    "level": ContactLevel.EXECUTION,
    "buying_role": "",
    "attitude": Attitude.NEUTRAL,
    "strength": 3,
    "phone": "",
    "email": "",
    "wechat": "",
    "has_left": False,
    "notes": "",
}


def contacts_validate(*, actor: User, rows: list):
    errors: dict = {}
    clean = _parse(ContactRowSerializer, rows, errors)
    account_ext = {row.get("account_external_id") for row in clean} - {None}
    accounts = dict(
        Account.objects.visible_to(actor, CHANGE)
        .filter(external_id__in=account_ext)
        .values_list("external_id", "pk")
    )
    existing = {
        (row["account_id"], row["external_id"]): row
        for row in Contact.objects.filter(
            account_id__in=accounts.values(),
            external_id__in={row.get("external_id") for row in clean} - {None},
        ).values("pk", "account_id", *[name for name, _ in CONTACT_COLUMNS], "external_id")
    }
    updates, inserts, seen = [], [], {}
    for index, row in enumerate(clean):
        if not row:
            continue
        account_id = accounts.get(row["account_external_id"])
        if account_id is None:
            message = _("No account of yours has this external id.")
            _error(errors, index, "account_external_id", message)
            continue
        key = (account_id, row["external_id"])
        if key in seen:
            message = _("Row %(row)s has the same value.") % {"row": seen[key] + 1}
            _error(errors, index, "external_id", message)
            continue
        seen[key] = index
        fields = {k: v for k, v in row.items() if k in dict(CONTACT_COLUMNS)}
        match = existing.get(key)
        if match is not None:
            values = {name: match[name] for name, _ in CONTACT_COLUMNS}
            values.update(fields)
            values["id"] = match["pk"]
            updates.append(values)
        else:
            if not row.get("name"):
                _error(errors, index, "name", _("This field is required."))
                continue
            inserts.append(
                {
                    **CONTACT_DEFAULTS,
                    **fields,
                    "account_id": account_id,
                    "external_id": row["external_id"],
                }
            )
    return updates, inserts, errors


def contacts_upsert(*, actor: User, rows: list, limit: int = MAX_BATCH) -> dict:
    return _batch(actor, rows, limit, _contacts_write)


def _contacts_write(actor: User, rows: list) -> dict:
    updates, inserts, errors = contacts_validate(actor=actor, rows=rows)
    if errors:
        raise BatchRejectedError(errors)
    table = Contact._meta.db_table
    updated = _update_from_arrays(table, [*CONTACT_COLUMNS, *PINYIN_COLUMNS], _with_pinyin(updates))
    created = _insert_from_arrays(
        table,
        [*CONTACT_COLUMNS, *PINYIN_COLUMNS, ("account_id", "bigint[]"), ("external_id", "text[]")],
        _with_pinyin(inserts),
        extra_sql=("created_at, updated_at", "now(), now()"),
        order=("account_id", "external_id"),
    )
    return {
        "rows": len(rows),
        "created": created,
        "updated": updated,
        "unchanged": len(updates) - updated,
    }
