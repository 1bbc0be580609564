from django.db import migrations


def create_policy(apps, schema_editor):
    """The installation's one inbound mail policy row, with its defaults (unknown senders are held)."""
    apps.get_model("mail", "MailPolicy").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_initial")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
