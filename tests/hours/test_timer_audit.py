"""Starting, stopping and discarding a timer are on the audit trail, as logging and changing time entries are: who
started which timer when, and when it was thrown away or became an entry. Refusals record nothing."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from picocore.audit.models import AuditEntry
from picocore.hours.models import RunningTimer, TimeEntry
from picocore.hours.services import timer_discard, timer_start, timer_stop
from picocore.tenancy.choices import StaffRole
from tests import factories
from tests.sla.conftest import CPH

pytestmark = pytest.mark.django_db

STARTED = "2027-01-11T08:00:00Z"  # 09:00 in Copenhagen, the clock's start


def trail(model) -> list[tuple[str, str, int | None, dict]]:
    """The audit entries about `model`'s rows, oldest first: action, object id, actor, changes."""
    kind = ContentType.objects.get_for_model(model)
    return [(a.action, a.object_id, a.actor_id, a.changes)
            for a in AuditEntry.objects.filter(content_type=kind).order_by("id")]  # fmt: skip


def test_starting_and_discarding_a_timer_are_audited(client, acme, consultant, contract, clock):
    ticket = acme.ticket()
    client.force_login(consultant)
    client.post(f"/desk/tickets/{ticket.key}/time/timer/", {"action": "start"})
    timer = RunningTimer.objects.get()
    [(action, object_id, actor, changes)] = trail(RunningTimer)
    assert (action, object_id, actor) == ("created", str(timer.pk), consultant.pk)
    assert changes["ticket"] == {"before": None, "after": ticket.pk}
    assert changes["user"] == {"before": None, "after": consultant.pk}
    assert changes["started_at"] == {"before": None, "after": STARTED}
    assert "development_item" not in changes  # none: not a change
    clock.advance(minutes=25)
    client.post(f"/desk/tickets/{ticket.key}/time/timer/", {"action": "discard"})
    (_created, *_), (action, object_id, actor, changes) = trail(RunningTimer)
    assert (action, object_id, actor) == ("deleted", str(timer.pk), consultant.pk)
    assert changes["started_at"] == {"before": STARTED, "after": None}
    assert changes["ticket"] == {"before": ticket.pk, "after": None}
    assert not TimeEntry.objects.exists() and trail(TimeEntry) == []


def test_stopping_audits_the_timer_gone_and_the_entry_made(acme, consultant, contract, clock):
    ticket = acme.ticket()
    timer = timer_start(actor=consultant, ticket=ticket)
    clock.advance(minutes=40)
    entry = timer_stop(actor=consultant, ticket=ticket, description="Reindexed")
    assert [(action, object_id) for action, object_id, _actor, _changes in trail(RunningTimer)] == [
        ("created", str(timer.pk)), ("deleted", str(timer.pk)),
    ]  # fmt: skip
    [(action, object_id, actor, changes)] = trail(TimeEntry)
    assert (action, object_id, actor) == ("created", str(entry.pk), consultant.pk)
    assert changes["minutes"] == {"before": None, "after": 40}
    assert changes["started_at"] == {"before": None, "after": STARTED}


def test_a_development_items_timer_is_audited_with_its_item(acme, consultant, contract, clock):
    from picocore.development.services import development_hand_off
    from picocore.tenancy.choices import TeamKind
    from tests.desk.conftest import change_request_type

    developer = factories.StaffFactory(staff_role=StaffRole.DEVELOPER)
    team = factories.TeamFactory(kind=TeamKind.DEVELOPMENT, organisations=[acme.organisation], members=[developer])
    item = development_hand_off(actor=consultant, ticket=acme.ticket(request_type=change_request_type(acme)),
                                team=team, brief="A new layout.")  # fmt: skip
    timer_start(actor=developer, ticket=item.ticket, development_item=item)
    assert timer_discard(actor=developer, ticket=item.ticket, development_item=item)
    (created, _id, who, added), (deleted, _id2, who2, removed) = trail(RunningTimer)
    assert (created, deleted, who, who2) == ("created", "deleted", developer.pk, developer.pk)
    assert added["development_item"] == {"before": None, "after": item.pk}
    assert removed["development_item"] == {"before": item.pk, "after": None}


def test_refused_and_repeated_timer_actions_record_nothing(client, acme, consultant, contract, clock):
    ticket, other = acme.ticket(), acme.ticket(title="Other")
    client.force_login(consultant)
    url = f"/desk/tickets/{ticket.key}/time/timer/"
    client.post(url, {"action": "start"})
    before = AuditEntry.objects.count()
    client.post(url, {"action": "start"})  # already running here
    client.post(f"/desk/tickets/{other.key}/time/timer/", {"action": "start"})  # running elsewhere
    client.post(f"/desk/tickets/{other.key}/time/timer/", {"action": "discard"})  # none runs there
    client.post(url, {"action": "explode"})
    stranger = factories.StaffFactory(staff_role=StaffRole.CONSULTANT)
    client.force_login(stranger)
    assert client.post(url, {"action": "discard"}).status_code == 404
    assert AuditEntry.objects.count() == before
    assert RunningTimer.objects.get().started_at == dt.datetime(2027, 1, 11, 9, 0, tzinfo=CPH)
