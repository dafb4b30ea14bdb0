from django.db import migrations

# name, name (Chinese), description
DEFAULT_COMPETENCES = [
    ("Industry knowledge", "行业知识",
     "Knows the customer's industry, market, regulation and competitors."),
    ("Negotiation", "谈判", "Prepares and leads negotiations; protects price and terms."),
    ("Relationship building", "关系建立",
     "Reaches the decision makers and keeps the relationship map current."),
    ("Business analysis", "商业分析",
     "Reads the customer's business and our figures; finds where value lies."),
    ("Account planning", "客户规划",
     "Writes a plan with clear objectives and targets and follows it through."),
    ("Solution selling", "方案销售",
     "Sells to the customer's needs with solutions rather than products."),
]


def seed(apps, schema_editor):
    Competence = apps.get_model("coaching", "Competence")
    for order, (name, name_zh, description) in enumerate(DEFAULT_COMPETENCES, start=1):
        Competence.objects.get_or_create(
            name=name,
            defaults={"name_zh": name_zh, "description": description, "order": order * 10},
        )


def unseed(apps, schema_editor):
    Competence = apps.get_model("coaching", "Competence")
    names = [name for name, _zh, _description in DEFAULT_COMPETENCES]
    Competence.objects.filter(name__in=names, tags__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("coaching", "0001_competences_tags_sessions")]

    operations = [migrations.RunPython(seed, unseed)]
