"""The lifecycle stages split "active" in two: an account stored as active becomes mature
when it has 12 months of ERP actuals (the default ``mature_months`` of the rules), else
developing. Backwards: both become active again."""

from django.db import migrations

MATURE_MONTHS = 12


def split_active(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    Actual = apps.get_model("plans", "Actual")
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    months = (
        Actual.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    active = Account.objects.filter(status="active").annotate(months=Coalesce(Subquery(months), 0))
    active.filter(months__gte=MATURE_MONTHS).update(status="mature")
    Account.objects.filter(status="active").update(status="developing")


def join_active(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    Account.objects.filter(status__in=["developing", "mature"]).update(status="active")


class Migration(migrations.Migration):
    dependencies = [
        ("lifecycle", "0001_initial"),
        ("accounts", "0016_alter_account_status"),
        ("plans", "0001_initial"),
    ]

    operations = [migrations.RunPython(split_active, join_active)]
