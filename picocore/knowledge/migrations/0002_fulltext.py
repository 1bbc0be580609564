"""The full-text index of articles (`picocore.knowledge.fulltext`): title and plain text."""

from django.db import migrations

from picocore.core.fulltext.operations import CreateFullTextIndex


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [CreateFullTextIndex(table="knowledge_article", columns=["title", "body_text"])]
