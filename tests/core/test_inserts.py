"""`picocore.core.inserts.insert` writes exactly the row `save(force_insert=True)` writes, with the key the
database chose, in one statement; it leaves to `save()` what its kept text cannot hold."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Now
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from picocore.core import inserts
from picocore.tenancy.models import Organisation
from picocore.tickets.models import Submission, TicketEvent

pytestmark = pytest.mark.django_db


def stored(model, pk) -> dict:
    """The row as the database gives it back, without its key."""
    row = model_to_dict(model.objects.get(pk=pk))
    row.pop("id")
    return row


def an_event(ticket, body: str) -> TicketEvent:
    return TicketEvent(
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        kind="reply",
        public=True,
        actor=ticket.requester,
        body=body,
        data={"nested": ["ä", 1, None], "text": "quote \" and ' and \\"},
        created_at=ticket.created_at,
    )


def test_the_row_is_what_save_writes(acme):
    ticket = acme.ticket()
    by_save, by_insert = an_event(ticket, "Same text ✓"), an_event(ticket, "Same text ✓")
    by_save.save(force_insert=True)
    with CaptureQueriesContext(connection) as queries:
        inserts.insert(by_insert)
    assert len(queries) == 1
    assert by_insert.pk is not None and by_insert.pk != by_save.pk
    assert not by_insert._state.adding and by_insert._state.db == "default"
    assert stored(TicketEvent, by_insert.pk) == stored(TicketEvent, by_save.pk)


def test_a_given_key_is_written_as_given(acme):
    ticket = acme.ticket()
    event = an_event(ticket, "With its own key")
    event.pk = 987_654
    inserts.insert(event)
    assert TicketEvent.objects.get(pk=987_654).body == "With its own key"


def test_a_duplicate_fails_like_save_and_rolls_back_with_its_transaction(acme):
    ticket = acme.ticket()
    inserts.insert(Submission(actor=acme.requester, token="t" * 32, ticket=ticket))
    with pytest.raises(IntegrityError), transaction.atomic():
        inserts.insert(Submission(actor=acme.requester, token="t" * 32, ticket=ticket))
    assert Submission.objects.filter(token="t" * 32).count() == 1


def test_a_model_with_save_receivers_goes_through_save(operations_team, monkeypatch):
    # Organisations are tracked reference data: saving one must still tell every process.
    tokens = []
    monkeypatch.setattr("picocore.core.reference.changed", lambda: tokens.append(1))
    organisation = Organisation(name="Quarry", slug="quarry", key_prefix="QUA")
    inserts.insert(organisation)
    assert organisation.pk is not None and tokens


def test_an_expression_value_goes_through_save(acme):
    ticket = acme.ticket()
    event = an_event(ticket, "Stamped by the database")
    event.created_at = Now()
    inserts.insert(event)
    event.refresh_from_db()
    assert event.created_at is not None


def test_an_unsaved_related_object_is_refused_as_save_refuses_it(acme):
    ticket = acme.ticket()
    event = an_event(ticket, "x")
    event.ticket = type(ticket)(organisation=ticket.organisation)
    with pytest.raises(ValueError, match="unsaved related object"):
        inserts.insert(event)
