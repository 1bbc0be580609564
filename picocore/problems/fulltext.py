"""The full-text indexes of problems: what the service team finds (title, description, root cause and
workaround, title weighted first), and what a customer may find — the known issue's own title and text, a
second index of the same rows, so that a customer's search never reads a word of the problem behind it."""

from picocore.core.fulltext import FullTextIndex

PROBLEM_INDEX = FullTextIndex(table="problems_problem", columns=("title", "description", "root_cause", "workaround"))
KNOWN_ISSUE_INDEX = FullTextIndex(
    table="problems_problem", columns=("known_issue_title", "known_issue_text"), name="known_issue"
)
