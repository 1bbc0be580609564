"""Installs the default ITIL 3×3 priority matrix (editable afterwards in the admin)."""

from django.db import migrations

DEFAULT = [
    ("high", "high", 1), ("high", "medium", 2), ("medium", "high", 2),
    ("high", "low", 3), ("medium", "medium", 3), ("low", "high", 3),
    ("medium", "low", 4), ("low", "medium", 4), ("low", "low", 5),
]  # fmt: skip


def install(apps, schema_editor):
    PriorityRule = apps.get_model("catalog", "PriorityRule")
    for impact, urgency, priority in DEFAULT:
        PriorityRule.objects.get_or_create(impact=impact, urgency=urgency, defaults={"priority": priority})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
