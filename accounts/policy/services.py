"""Writes of the tier service policy: a new version, the visit cadence with it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.choices import ContactLevel
from accounts.policy.models import FIELDS, TIERS, ServicePolicy, TierPolicy
from accounts.tiering.models import ScoringModel
from accounts.tiering.services import scoring_model_update
from kam.capabilities import require
from kam.models import User


@transaction.atomic
def service_policy_change(*, actor: User, tiers: dict, note: str, cadences=None) -> ServicePolicy:
    """A new version of the tier service policy (admins): ``tiers`` {tier: {field: value}}
    for every tier A–D; the earlier versions stay. ``cadences`` ({"a": days, …}), the
    policy's visit cadence, is saved where the cadence rule reads it (the scoring model,
    with its own history) when it changed. Versions are numbered under a lock."""
    require(actor, "policy.configure")
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the policy changes.")})
    if set(tiers) != set(TIERS):
        raise ValidationError({"tiers": _("Give the policy of each tier A, B, C and D.")})
    rows, errors = [], {}
    for tier in TIERS:
        given = tiers[tier]
        if not isinstance(given, dict) or set(given) != set(FIELDS):
            errors[f"tiers.{tier}"] = _("Give %(fields)s.") % {"fields": ", ".join(FIELDS)}
            continue
        levels = given["contact_levels"] or []
        if not set(levels) <= set(ContactLevel.values):
            errors[f"tiers.{tier}.contact_levels"] = _("Unknown contact level.")
            continue
        row = TierPolicy(tier=tier, **{**given, "contact_levels": sorted(set(levels))})
        try:
            row.full_clean(exclude=["policy"])
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                errors[f"tiers.{tier}.{name}"] = problems
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    if cadences is not None:
        model = ScoringModel.objects.filter(pk=1).first() or ScoringModel()
        if {key: int(value) for key, value in cadences.items()} != model.cadences:
            scoring_model_update(actor=actor, cadences=cadences)
    last = ServicePolicy.objects.select_for_update().order_by("-version").first()
    policy = ServicePolicy.objects.create(
        version=(last.version + 1) if last else 1, note=note.strip(), created_by=actor
    )
    for row in rows:
        row.policy = policy
    TierPolicy.objects.bulk_create(rows)
    return policy
