"""The scorecard's measures with their default targets and weights, and the incentive
rule's first version: admins change both afterwards (a rule change is a new version)."""

from django.db import migrations

MEASURES = [
    # key, target, weight
    ("attainment", 100, 30),
    ("gross_margin", 25, 10),
    ("collection_rate", 90, 15),
    ("receivables_overdue", 0, 10),
    ("cadence", 90, 10),
    ("complaint_response", 95, 10),
    ("nps", 30, 5),
    ("plan_on_time", 100, 5),
    ("executive_meetings", 50, 5),
]


def seed(apps, schema_editor):
    ScorecardMeasure = apps.get_model("performance", "ScorecardMeasure")
    IncentiveRule = apps.get_model("performance", "IncentiveRule")
    for key, target, weight in MEASURES:
        ScorecardMeasure.objects.get_or_create(key=key, defaults={"target": target, "weight": weight})
    if not IncentiveRule.objects.exists():
        IncentiveRule.objects.create(
            version=1, target_bonus=10000,
            bands=[["0", "0"], ["80", "0.5"], ["100", "1"], ["120", "1.5"]],
            gate_collection_rate=80, gate_attainment_ceiling=100, cap=20000,
            note="",
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
