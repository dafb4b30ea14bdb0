"""Bulk upsert of candidates by external id, else by credit code (the API's
``candidates/bulk/`` and the file import): validated as a whole, written all or nothing,
idempotent, in a fixed number of statements whatever the batch size, with the accounts'
batch wrapper (kam.batch: key order, once more after a lost race) and its helpers.

A batch runs: the row checks (no SQL), one read of the existing candidates, one of the
teams, one UPDATE … FROM unnest(…) for the candidates that change (the same batch twice
writes nothing) and one INSERT … SELECT unnest(…) for the new ones. A row names its team
by name; a candidate's status (in the pool, proposed, promoted, dismissed) is never
changed by a batch, only its record and its figures.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import serializers

from accounts.bulk import _error, _insert_from_arrays, _parse, _update_from_arrays
from accounts.choices import Industry, Region
from accounts.validators import validate_credit_code
from candidates.models import Candidate, CandidateStatus
from kam.batch import BatchRejectedError, once_more_after_a_lost_race, plan_for_whole_tables
from kam.capabilities import may
from kam.models import Team

MAX_BATCH = 1000


def _money():
    return serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True
    )


class CandidateRowSerializer(serializers.Serializer):
    """One candidate of a batch. On an existing candidate, fields left out keep their
    value."""

    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    name = serializers.CharField(max_length=200, required=False)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    industry = serializers.ChoiceField(Industry.choices, required=False, allow_blank=True)
    region = serializers.ChoiceField(Region.choices, required=False, allow_blank=True)
    team = serializers.CharField(
        max_length=120, required=False, help_text=_lazy("The team's name.")
    )
    revenue = _money()
    gross_profit = _money()

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

    def validate_revenue(self, value):
        if value is not None and value < Decimal(0):
            raise serializers.ValidationError(_("Ensure this value is greater than or equal to 0."))
        return value


class CandidateBatchSerializer(serializers.Serializer):
    rows = CandidateRowSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)


COLUMNS = [
    ("name", "text[]"),
    ("credit_code", "text[]"),
    ("external_id", "text[]"),
    ("industry", "text[]"),
    ("region", "text[]"),
    ("team_id", "bigint[]"),
    ("revenue", "numeric[]"),
    ("gross_profit", "numeric[]"),
]
DEFAULTS = {
    "credit_code": "",
    "industry": "",
    "region": "",
    "revenue": None,
    "gross_profit": None,
}


def candidates_validate(*, actor, rows: list) -> tuple[list, list, dict]:
    """Check a batch: returns (updates, inserts, errors)."""
    errors: dict = {}
    clean = _parse(CandidateRowSerializer, rows, errors)
    ext_ids = {row.get("external_id") for row in clean} - {None, ""}
    codes = {row.get("credit_code") for row in clean} - {None, ""}
    existing = list(
        Candidate.objects.filter(Q(external_id__in=ext_ids) | Q(credit_code__in=codes)).values(
            "pk", *[name for name, _kind in COLUMNS]
        )
    )
    by_ext = {row["external_id"]: row for row in existing if row["external_id"]}
    by_code = {row["credit_code"]: row for row in existing if row["credit_code"]}
    names = {row["team"] for row in clean if row.get("team")}
    teams = dict(Team.objects.filter(name__in=names).values_list("name", "pk"))
    updates, inserts = [], []
    seen_ext, seen_code, seen_pk = {}, {}, {}
    for index, row in enumerate(clean):
        if not row:
            continue
        ext, code = row.get("external_id") or "", row.get("credit_code") or ""
        if not ext and not code:
            _error(errors, index, "external_id", _("Give an external id or a credit code."))
            continue
        duplicate = False
        for value, seen, field in (
            (ext, seen_ext, "external_id"),
            (code, seen_code, "credit_code"),
        ):
            if value and value in seen:
                message = _("Row %(row)s has the same value.") % {"row": seen[value] + 1}
                _error(errors, index, field, message)
                duplicate = True
            elif value:
                seen[value] = index
        if duplicate:
            continue
        match = by_ext.get(ext) if ext else None
        if match is None and code and code in by_code:
            match = by_code[code]
            if ext and match["external_id"] and match["external_id"] != ext:
                message = _("Another candidate already has this credit code.")
                _error(errors, index, "credit_code", message)
                continue
        if match is not None:
            if match["pk"] in seen_pk:
                message = _("Row %(row)s updates the same candidate.") % {
                    "row": seen_pk[match["pk"]] + 1
                }
                _error(errors, index, "external_id", message)
                continue
            seen_pk[match["pk"]] = index
        team_id = None
        if row.get("team"):
            team_id = teams.get(row["team"])
            if team_id is None:
                _error(errors, index, "team", _("No team has this name."))
                continue
        fields = {k: v for k, v in row.items() if k in dict(COLUMNS)}
        if match is not None:
            values = {name: match[name] for name, _kind in COLUMNS}
            values.update(fields)
            values["external_id"] = values["external_id"] or ext or None
            if team_id is not None:
                values["team_id"] = team_id
            values["id"] = match["pk"]
            updates.append(values)
        else:
            if not row.get("name"):
                _error(errors, index, "name", _("This field is required."))
                continue
            if team_id is None:
                _error(errors, index, "team", _("This field is required."))
                continue
            values = {**DEFAULTS, **fields, "external_id": ext or None, "team_id": team_id}
            inserts.append(values)
    return updates, inserts, errors


@transaction.atomic
def candidates_upsert(*, actor, rows: list, limit: int = MAX_BATCH) -> dict:
    """Insert or update a batch of candidates, all or nothing (``BatchRejectedError``
    names the wrong rows). Holders of "candidates.import" only."""
    if not may(actor, "candidates.import"):
        raise PermissionDenied(_("Only an admin imports candidates."))
    if len(rows) > limit:
        message = _("At most %(count)s rows per batch.") % {"count": limit}
        raise BatchRejectedError({0: {"non_field_errors": [message]}})
    plan_for_whole_tables()
    return once_more_after_a_lost_race(lambda: _write(actor, rows))


def _write(actor, rows: list) -> dict:
    updates, inserts, errors = candidates_validate(actor=actor, rows=rows)
    if errors:
        raise BatchRejectedError(errors)
    table = Candidate._meta.db_table
    updated = _update_from_arrays(table, COLUMNS, updates)
    created = _insert_from_arrays(
        table,
        COLUMNS,
        inserts,
        extra_sql=(
            "status, proposed_because, created_at, updated_at",
            f"'{CandidateStatus.OPEN.value}', '', now(), now()",
        ),
        order=("external_id", "credit_code"),
    )
    return {
        "rows": len(rows),
        "created": created,
        "updated": updated,
        "unchanged": len(updates) - updated,
    }
