"""`picocore search_rebuild`: every index filled again, the rows still found, bad arguments refused."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from picocore.tickets.queues import Filters, desk_tickets
from picocore.tickets.services import ticket_reply


def test_the_rebuild_indexes_every_row_and_they_are_found_after_it(consultant, acme):
    ticket = acme.ticket(title="Supplier import stopped")
    ticket_reply(actor=consultant, ticket=ticket, body="Restarted the wholesaler feed.")
    if connection.vendor == "sqlite":
        # An index emptied behind the database's back (a restored file without its FTS tables' content).
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO tickets_ticket_fts (tickets_ticket_fts) VALUES ('delete-all')")
            cursor.execute("INSERT INTO tickets_ticketevent_fts (tickets_ticketevent_fts) VALUES ('delete-all')")
        assert list(Filters(text="wholesaler").apply(desk_tickets(actor=consultant))) == []
    out = io.StringIO()
    call_command("search_rebuild", "--batch-size", "1", stdout=out)
    events = ticket.events.count()  # and no article or problem: their indexes are empty
    assert out.getvalue().strip().endswith(f"Indexed {1 + events} row(s) in 5 index(es).")
    assert [t.key for t in Filters(text="wholesaler").apply(desk_tickets(actor=consultant))] == ["ACME-1"]
    assert [t.key for t in Filters(text="supplier").apply(desk_tickets(actor=consultant))] == ["ACME-1"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--table", "tickets_nope"], "No full-text index on tickets_nope; there are: tickets_ticket, "),
        (["--batch-size", "0"], "--batch-size must be at least 1."),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(db, arguments, message):
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        call_command("search_rebuild", *arguments, stdout=io.StringIO())


def test_a_table_of_two_indexes_has_both_rebuilt(consultant, acme):
    """A problem's words and its known issue's are found again after the rebuild of their table."""
    from picocore.core.fulltext import TextMatch, TextQuery
    from picocore.problems.fulltext import KNOWN_ISSUE_INDEX, PROBLEM_INDEX
    from picocore.problems.models import Problem
    from picocore.problems.services import problem_create

    problem = problem_create(actor=consultant, title="Imports stall at night", root_cause="A lock on the queue.")
    Problem.objects.filter(pk=problem.pk).update(known_issue_title="Overnight price feeds may pause")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for fts in ("problems_problem_fts", "problems_problem_known_issue_fts"):
                cursor.execute(f"INSERT INTO {fts} ({fts}) VALUES ('delete-all')")  # noqa: S608 - the test's own
    out = io.StringIO()
    call_command("search_rebuild", "--table", "problems_problem", stdout=out)
    assert out.getvalue().strip().endswith("Indexed 2 row(s) in 2 index(es).")

    def found(index, text: str) -> list[int]:
        return list(Problem.objects.filter(TextMatch(index, TextQuery.parse(text))).values_list("pk", flat=True))

    assert (found(PROBLEM_INDEX, "lock"), found(KNOWN_ISSUE_INDEX, "pause")) == ([problem.pk], [problem.pk])
    assert (found(PROBLEM_INDEX, "pause"), found(KNOWN_ISSUE_INDEX, "lock")) == ([], [])
