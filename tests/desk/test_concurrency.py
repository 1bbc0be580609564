"""Two consultants change one ticket at the same moment: the row lock and `expected_status` let exactly one win,
and the other is told what happened instead of silently overwriting it."""

import threading

import pytest
from django.db import connection

from picocore.core.errors import InvalidTransition
from picocore.tenancy.choices import StaffRole
from picocore.tickets.choices import Audience, EventKind, Status, status_label
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_transition
from tests import factories

ROUNDS = 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database")
@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_of_two_simultaneous_changes_exactly_one_wins(acme, consultant, operations_team):
    colleague = factories.StaffFactory(full_name="Cem Colleague", staff_role=StaffRole.CONSULTANT)
    operations_team.members.add(colleague)
    changes = {
        "resolve": (consultant, Status.RESOLVED, "Cleared the CDN cache."),
        "ask": (colleague, Status.WAITING_ON_CUSTOMER, "Which browser do you use?"),
    }
    winners = []
    for _ in range(ROUNDS):  # the thread that wins may differ from round to round; each round must be clean
        ticket = acme.ticket()
        ticket_transition(actor=consultant, ticket=ticket, to=Status.IN_PROGRESS)
        start = threading.Barrier(len(changes))
        outcomes: dict[str, BaseException | None] = {}

        def change(name: str, ticket_id: int = ticket.pk, start: threading.Barrier = start, outcomes=outcomes):
            actor, to, note = changes[name]
            try:
                mine = Ticket.objects.get(pk=ticket_id)  # read on this thread's own connection
                start.wait()
                ticket_transition(actor=actor, ticket=mine, to=to, note=note, expected_status=Status.IN_PROGRESS)
                outcomes[name] = None
            except BaseException as error:  # reported to the main thread below
                outcomes[name] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=change, args=(name,)) for name in changes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        succeeded = [name for name, failure in outcomes.items() if failure is None]
        assert len(succeeded) == 1, outcomes
        winner = succeeded[0]
        loser = next(name for name in changes if name != winner)
        refusal = outcomes[loser]
        assert isinstance(refusal, InvalidTransition), repr(refusal)
        winning_status = changes[winner][1]
        in_desk_words = status_label(winning_status, Audience.STAFF).lower()
        assert refusal.message == (
            f"{ticket.key} changed while you were looking at it: it is now {in_desk_words}. Nothing was changed."
        )
        ticket.refresh_from_db()
        assert ticket.status == winning_status
        from_in_progress = ticket.events.filter(kind=EventKind.STATUS_CHANGED, data__before=Status.IN_PROGRESS)
        assert [(e.actor_id, e.data["after"], e.body) for e in from_in_progress] == [
            (changes[winner][0].pk, winning_status, changes[winner][2])
        ]
        winners.append(winner)
    assert len(winners) == ROUNDS
