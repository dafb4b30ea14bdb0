from django.db.models import Case, F, IntegerField, Q, Value, When

from candidates.models import IN_POOL, Candidate, CandidateStatus


def pool(*, user, q="", status="pool", team=None, region="", industry=""):
    """The candidates ``user`` sees, filtered (status "pool", the default: still in the
    pool or proposed; "all": every status): proposed first, then by score (best
    first), then by name. One query (the team and the score joined)."""
    rows = Candidate.objects.visible_to(user).select_related("team", "scoring")
    if status in ("pool", ""):
        rows = rows.filter(status__in=IN_POOL)
    elif status != "all":
        rows = rows.filter(status=status)
    if team is not None:
        rows = rows.filter(team=team)
    if region:
        rows = rows.filter(region=region)
    if industry:
        rows = rows.filter(industry=industry)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(credit_code__iexact=q))
    proposed_first = Case(
        When(status=CandidateStatus.PROPOSED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    best = F("scoring__total").desc(nulls_last=True)
    return rows.order_by(proposed_first, best, "name", "pk")
