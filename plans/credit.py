"""An account's credit exposure (信用敞口): the one definition, in the app that owns the
receivables (the ERP actuals).

open receivables (应收账款)
    what the account owes us: the larger of
    - the balance: every month's invoiced minus every month's collected (the whole
      history of actuals; it holds the part not yet due as well as the overdue one), and
    - the receivables overdue of the latest month the ERP reported (1–30 + 31–60 +
      61–90 + over 90 days): what is overdue is certainly still open, so the figure is
      never under it even when the history of actuals starts late;
    never under 0 (more collected than invoiced is a prepayment, not a debt).
overdue over 90 days
    the latest month's ``overdue_over_90`` (0 without actuals).
exposure
    the open receivables. Contract value not yet invoiced is left out: the ERP reports
    invoicing per account and month, not per contract, so the part of a contract still
    to invoice is not known, and adding the contracts' amounts would count what is
    already invoiced twice.
share of the limit
    exposure ÷ credit limit × 100, one decimal; none when the account has no credit
    limit (empty or 0): the percentage levels do not apply to it, the 90-day one does.

``with_exposure`` annotates any queryset of accounts (a page's one account, a report's
list, the whole book), so the account page, the report, the API, the credit check and
the health check read the same figures; the set-based engines select from its SQL.
"""

from decimal import Decimal

from django.db.models import Case, DecimalField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Round

from plans.models import Actual

MONEY = DecimalField(max_digits=18, decimal_places=2)
SHARE = DecimalField(max_digits=12, decimal_places=1)
ZERO = Decimal("0")

#: the columns ``with_exposure`` adds
COLUMNS = ("credit_receivables", "credit_overdue_90", "credit_exposure", "credit_share")


def with_exposure(accounts):
    """``accounts`` (a queryset of ``accounts.Account``) annotated with
    ``credit_receivables``, ``credit_overdue_90``, ``credit_exposure`` and
    ``credit_share`` (see the module): three correlated subqueries over the account's
    actuals, read in the accounts' one query."""
    here = OuterRef("pk")
    balance = (
        Actual.objects.filter(account=here)
        .order_by()
        .values("account_id")
        .annotate(balance=Sum("invoiced") - Sum("collected"))
        .values("balance")
    )
    latest = Actual.objects.filter(account=here).order_by("-year", "-month")
    zero = Value(ZERO, output_field=MONEY)
    receivables = Greatest(
        Coalesce(Subquery(balance, output_field=MONEY), zero),
        Coalesce(Subquery(latest.values("receivables_overdue")[:1], output_field=MONEY), zero),
        zero,
        output_field=MONEY,
    )
    overdue_90 = Coalesce(Subquery(latest.values("overdue_over_90")[:1], output_field=MONEY), zero)
    return accounts.annotate(
        credit_receivables=receivables,
        credit_overdue_90=overdue_90,
    ).annotate(
        credit_exposure=Greatest("credit_receivables", zero, output_field=MONEY),
        credit_share=Case(
            When(
                credit_limit__gt=0,
                then=Round(
                    Greatest("credit_receivables", zero, output_field=MONEY)
                    * Value(Decimal(100))
                    / Coalesce("credit_limit", zero),
                    1,
                    output_field=SHARE,
                ),
            ),
            default=None,
            output_field=SHARE,
        ),
    )
