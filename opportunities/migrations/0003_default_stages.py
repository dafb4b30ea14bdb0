"""The default pipeline: qualify 10%, needs analysis 25%, proposal 50%, negotiation 75%,
won 100%, lost 0%. Ops change it afterwards on the pipeline settings page."""

from django.db import migrations

DEFAULT_STAGES = (
    ("Qualify", 10, 10, "open"),
    ("Needs analysis", 20, 25, "open"),
    ("Proposal", 30, 50, "open"),
    ("Negotiation", 40, 75, "open"),
    ("Won", 50, 100, "won"),
    ("Lost", 60, 0, "lost"),
)


def create_stages(apps, schema_editor):
    Stage = apps.get_model("opportunities", "Stage")
    if Stage.objects.exists():
        return
    Stage.objects.bulk_create(
        Stage(name=name, order=order, probability=probability, kind=kind)
        for name, order, probability, kind in DEFAULT_STAGES
    )


def remove_stages(apps, schema_editor):
    Stage = apps.get_model("opportunities", "Stage")
    Stage.objects.filter(name__in=[row[0] for row in DEFAULT_STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0002_pipeline")]

    operations = [migrations.RunPython(create_stages, remove_stages)]
