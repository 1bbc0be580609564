"""A requester may share their request with their organisation (`Ticket.shared`).

On SQLite, Django adds a NOT NULL column with a default by rebuilding the table, which would drop the triggers
on it (the title index of 0011, the full-text index of 0015, the tallies of 0012). A plain ALTER TABLE … ADD
COLUMN adds it in place, triggers kept; PostgreSQL adds columns in place anyway.
"""

from django.db import migrations, models

HELP = "Where the organisation shows requesters their own and shared requests, its members see this one."


def _field() -> models.BooleanField:
    field = models.BooleanField(default=False, help_text=HELP, verbose_name="shared with the organisation")
    field.set_attributes_from_name("shared")
    return field


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute('ALTER TABLE "tickets_ticket" ADD COLUMN "shared" bool NOT NULL DEFAULT 0')
    else:
        schema_editor.add_field(apps.get_model("tickets", "Ticket"), _field())


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute('ALTER TABLE "tickets_ticket" DROP COLUMN "shared"')
    else:
        schema_editor.remove_field(apps.get_model("tickets", "Ticket"), _field())


class Migration(migrations.Migration):
    dependencies = [("tickets", "0016_ticket_recent")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(model_name="ticket", name="shared", field=_field())],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
