"""The incentive preview: the current rule applied to a scorecard, with its reasons in
words. A preview for the supervisor, never a payroll: nothing here is stored or paid.

The rule (``performance.models.IncentiveRule``): the attainment band sets a multiplier of
the target bonus; the gate holds attainment at a ceiling while the collection rate is
under its minimum; the cap bounds what a period pays.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from performance.models import IncentiveRule

ZERO = Decimal("0")
CENT = Decimal("0.01")


def parse_bands(text: str) -> list:
    """ "0:0, 80:0.5, 100:1" -> [[0, 0], [80, 0.5], [100, 1]] (strings of decimals), or
    a ValidationError naming what is wrong."""
    bands = []
    for part in (piece.strip() for piece in text.replace("\n", ",").split(",")):
        if not part:
            continue
        try:
            start, multiplier = (Decimal(value.strip()) for value in part.split(":"))
        except (ValueError, ArithmeticError):
            raise ValidationError(
                _("Write each band as “attainment from %: multiplier”, e.g. 100:1.")
            ) from None
        if start < 0 or multiplier < 0 or not start.is_finite() or not multiplier.is_finite():
            raise ValidationError(_("Bands take no negative numbers."))
        bands.append([str(start), str(multiplier)])
    if not bands:
        raise ValidationError(_("Give at least one band."))
    starts = [Decimal(start) for start, _multiplier in bands]
    if len(set(starts)) != len(starts):
        raise ValidationError(_("Two bands start at the same attainment."))
    return sorted(bands, key=lambda band: Decimal(band[0]))


def bands_text(bands) -> str:
    return ", ".join(f"{start}:{multiplier}" for start, multiplier in bands)


def band_for(bands, attainment: Decimal):
    """The band that applies: the highest start at or under ``attainment`` (an edge
    belongs to the band it starts); None under the first."""
    found = None
    for start, multiplier in sorted(bands, key=lambda band: Decimal(band[0])):
        if Decimal(start) <= attainment:
            found = (Decimal(start), Decimal(multiplier))
    return found


@transaction.atomic
def incentive_rule_change(
    *, actor, target_bonus, bands, gate_collection_rate, gate_attainment_ceiling, cap, note=""
) -> IncentiveRule:
    """A new version of the rule; the previous ones stay (and so does their history).
    Versions are numbered under a lock, so two changes at once get two numbers."""
    last = IncentiveRule.objects.select_for_update().order_by("-version").first()
    return IncentiveRule.objects.create(
        version=(last.version + 1) if last else 1, target_bonus=target_bonus, bands=bands,
        gate_collection_rate=gate_collection_rate,
        gate_attainment_ceiling=gate_attainment_ceiling, cap=cap, note=note, created_by=actor,
    )  # fmt: skip


@dataclass
class Preview:
    card: object  # performance.selectors.Scorecard
    bonus: Decimal = ZERO
    multiplier: Decimal = ZERO
    counted_attainment: Decimal | None = None
    reasons: list = field(default_factory=list)


def _pct(value) -> str:
    return f"{value:.1f}"


def preview(rule: IncentiveRule, card, period) -> Preview:
    """What ``rule`` would pay on ``card`` for ``period`` (a quarter pays the target
    bonus once, a year four times), and why, in the reader's language."""
    result = Preview(card=card)
    attainment = card.attainment_rate
    if attainment is None:
        result.reasons.append(_("No attainment this period (no target or quota): no bonus."))
        return result
    counted = attainment
    gate = rule.gate_collection_rate
    rate = card.collection_rate
    if gate is not None and rate is not None and rate < gate:
        ceiling = rule.gate_attainment_ceiling
        if attainment > ceiling:
            counted = ceiling
            result.reasons.append(
                _("Collection rate %(rate)s %% is under %(gate)s %%: attainment above "
                  "%(ceiling)s %% does not count.")
                % {"rate": _pct(rate), "gate": _pct(gate), "ceiling": _pct(ceiling)}
            )  # fmt: skip
        else:
            result.reasons.append(
                _("Collection rate %(rate)s %% is under %(gate)s %%, but attainment is not "
                  "above %(ceiling)s %%.")
                % {"rate": _pct(rate), "gate": _pct(gate), "ceiling": _pct(ceiling)}
            )  # fmt: skip
    elif gate is not None and rate is None:
        result.reasons.append(
            _("Nothing invoiced this period: the collection gate does not apply.")
        )
    result.counted_attainment = counted
    band = band_for(rule.bands, counted)
    if band is None:
        result.reasons.append(
            _("Attainment %(rate)s %% is under the first band: no bonus.") % {"rate": _pct(counted)}
        )
        return result
    start, multiplier = band
    result.multiplier = multiplier
    base = rule.target_bonus * period.quarters
    amount = (base * multiplier).quantize(CENT, ROUND_HALF_UP)
    result.reasons.append(
        _("Attainment %(rate)s %% is in the band from %(start)s %%: %(multiplier)s × the "
          "target bonus %(base)s = %(amount)s.")
        % {"rate": _pct(counted), "start": _pct(start), "multiplier": multiplier,
           "base": f"{base:,.2f}", "amount": f"{amount:,.2f}"}
    )  # fmt: skip
    cap = rule.cap
    if cap is not None and amount > cap * period.quarters:
        limit = (cap * period.quarters).quantize(CENT, ROUND_HALF_UP)
        result.reasons.append(
            _("%(amount)s is above the cap: %(cap)s.")
            % {"amount": f"{amount:,.2f}", "cap": f"{limit:,.2f}"}
        )
        amount = limit
    result.bonus = amount
    return result
