"""The full-text indexes of problems (`picocore.problems.fulltext`): the staff's, and the known issues'."""

from django.db import migrations

from picocore.core.fulltext.operations import CreateFullTextIndex


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial")]

    operations = [
        CreateFullTextIndex(table="problems_problem", columns=["title", "description", "root_cause", "workaround"]),
        CreateFullTextIndex(
            table="problems_problem", columns=["known_issue_title", "known_issue_text"], name="known_issue"
        ),
    ]
