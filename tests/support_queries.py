"""Counting the statements a page sends that read or write rows."""

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from unittest import mock

from django.test.utils import CaptureQueriesContext

# A savepoint, its release and a setting of the transaction (the full-text search's `from_the_indexes` sets
# one on PostgreSQL) read no row: counted, they would make one page's count differ between the databases.
TRANSACTION_CONTROL = re.compile(
    r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|SET LOCAL|BEGIN|COMMIT)\b", re.IGNORECASE
)


def data_statements(captured: CaptureQueriesContext) -> list[str]:
    """The SQL of the captured statements that read or write rows, in order."""
    return [q["sql"] for q in captured.captured_queries if not TRANSACTION_CONTROL.match(q["sql"])]


@contextlib.contextmanager
def session_state_kept() -> Iterator[None]:
    """Within the block, the session's security state (`picocore.accounts.state`), once read, is not read again:
    it is refreshed once a minute, so a warm-up request and the measured one a moment later could fall on either
    side of that minute on a slow machine, and the measured page then counts the refresh's statements."""
    with mock.patch("picocore.accounts.state.TOUCH_INTERVAL", dt.timedelta(days=1)):
        yield
