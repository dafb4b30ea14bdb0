from django.db import migrations

# name, name (Chinese)
DEFAULT_DEPARTMENTS = [
    ("After-sales", "售后服务"),
    ("Product", "产品"),
    ("Quality", "质量"),
    ("Legal", "法务"),
    ("Finance", "财务"),
]


def seed(apps, schema_editor):
    Department = apps.get_model("taskforce", "Department")
    for order, (name, name_zh) in enumerate(DEFAULT_DEPARTMENTS, start=1):
        Department.objects.get_or_create(
            name=name, defaults={"name_zh": name_zh, "order": order * 10}
        )


def unseed(apps, schema_editor):
    Department = apps.get_model("taskforce", "Department")
    Task = apps.get_model("taskforce", "Task")
    names = [name for name, _zh in DEFAULT_DEPARTMENTS]
    used = Task.objects.values("department_id")
    Department.objects.filter(name__in=names).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("taskforce", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
