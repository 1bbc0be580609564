"""Status-page webhook secrets are kept sealed at rest (as the webhooks' own): the column is renamed and
widened, and every secret stored in the clear is sealed in place."""

from django.db import migrations, models

from picocore.webhooks.sealing import PREFIX, seal


def seal_plain_secrets(apps, schema_editor):
    Subscriber = apps.get_model("statuspages", "Subscriber")
    for subscriber in Subscriber.objects.exclude(secret_sealed="").exclude(secret_sealed__startswith=PREFIX):
        subscriber.secret_sealed = seal(subscriber.secret_sealed)
        subscriber.save(update_fields=["secret_sealed"])


class Migration(migrations.Migration):
    dependencies = [("statuspages", "0001_initial")]

    operations = [
        migrations.RenameField("subscriber", "secret", "secret_sealed"),
        migrations.AlterField(
            model_name="subscriber",
            name="secret_sealed",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="signing secret (sealed)"),
        ),
        migrations.RunPython(seal_plain_secrets, migrations.RunPython.noop),
    ]
