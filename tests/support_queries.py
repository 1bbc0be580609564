"""Counting the statements a page sends that read or write rows."""

import re

from django.test.utils import CaptureQueriesContext

# A savepoint, its release and a setting of the transaction (the full-text search's `from_the_indexes` sets
# one on PostgreSQL) read no row: counted, they would make one page's count differ between the databases.
TRANSACTION_CONTROL = re.compile(
    r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|SET LOCAL|BEGIN|COMMIT)\b", re.IGNORECASE
)


def data_statements(captured: CaptureQueriesContext) -> list[str]:
    """The SQL of the captured statements that read or write rows, in order."""
    return [q["sql"] for q in captured.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])]
