"""Full-text indexes of tickets (title, description) and of their timeline entries (`picocore.tickets.fulltext`):
on PostgreSQL a generated tsvector column with a GIN index on each table, on SQLite an FTS5 table kept by
triggers."""

from django.db import migrations

from picocore.core.fulltext.operations import CreateFullTextIndex


class Migration(migrations.Migration):
    dependencies = [("tickets", "0014_ticket_component_impact")]

    operations = [
        CreateFullTextIndex(table="tickets_ticket", columns=["title", "description"]),
        CreateFullTextIndex(table="tickets_ticketevent", columns=["body"]),
    ]
