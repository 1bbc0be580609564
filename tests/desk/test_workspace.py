"""The ticket page as a workspace: timeline order per person, the stale-page guard, presence."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from picocore.core.clock import now
from picocore.desk.models import DeskPreference, TicketPresence, TimelineOrder
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.services import ticket_add_note, ticket_reply, ticket_transition
from tests.desk.conftest import DeskWorld, action_error, page, state
from tests.desk.test_query_counts import TICKET_QUERIES, add_events, grow, queries

pytestmark = pytest.mark.django_db


def _events_in_page_order(response) -> list[int]:
    return [event.pk for event in response.context["timeline"]]


def _newest_id(world: DeskWorld) -> int:
    return world.ticket.events.order_by("-id").values_list("id", flat=True)[0]


# --- Timeline order -------------------------------------------------------------------------------------------


def test_newest_first_by_default_with_the_composer_above_the_newest_event(client, world):
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]))
    ids = list(world.ticket.events.order_by("-created_at", "-id").values_list("id", flat=True))
    assert _events_in_page_order(response) == ids
    html = page(response)
    assert html.index('id="compose-h"') < html.index('<ol class="timeline">')
    assert f'name="seen" value="{ids[0]}"' in html


def test_oldest_first_is_remembered_per_person_and_set_only_by_post(client, world):
    client.force_login(world.consultant)
    path = reverse("desk:timeline_order")
    assert client.get(path, {"order": "oldest", "key": world.ticket.key}).status_code == 405
    assert not DeskPreference.objects.exists()
    response = client.post(path, {"order": "oldest", "key": world.ticket.key})
    assert (response.status_code, response["Location"]) == (302, f"/desk/tickets/{world.ticket.key}/")
    assert DeskPreference.objects.get(user=world.consultant).timeline_order == TimelineOrder.OLDEST_FIRST

    # Every ticket, for Carla only: the manager still reads newest first.
    response = client.get(reverse("desk:ticket", args=[world.change.key]))
    ids = list(world.change.events.order_by("created_at", "id").values_list("id", flat=True))
    assert _events_in_page_order(response) == ids
    html = page(response)
    assert html.index('<ol class="timeline">') < html.index('id="compose-h"')
    client.force_login(world.manager)
    newest = list(world.change.events.order_by("-created_at", "-id").values_list("id", flat=True))
    assert _events_in_page_order(client.get(reverse("desk:ticket", args=[world.change.key]))) == newest


def test_an_unknown_order_is_refused_and_saves_nothing(client, world):
    client.force_login(world.consultant)
    response = client.post(reverse("desk:timeline_order"), {"order": "sideways", "key": world.ticket.key})
    assert response.status_code == 400
    assert not DeskPreference.objects.exists()


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_ticket_page_queries_are_the_same_for_10_and_1000_events_and_tickets(client, world, order):
    client.force_login(world.consultant)
    client.post(reverse("desk:timeline_order"), {"order": order, "key": world.ticket.key})
    path = reverse("desk:ticket", args=[world.ticket.key])
    add_events(world.ticket, world, 10 - world.ticket.events.count())
    grow(world, acme=10, nord=10)
    small = queries(client, path)
    add_events(world.ticket, world, 990)
    grow(world, acme=990, nord=10)
    assert world.ticket.events.count() == 1000
    large = queries(client, path)
    # An incident: the same queries as any ticket page (tests/desk/test_query_counts.py counts them).
    assert len(small) == len(large) == TICKET_QUERIES


# --- The stale-page guard -------------------------------------------------------------------------------------


def test_a_reply_on_a_stale_page_is_not_sent_and_says_what_changed(client, world):
    seen = _newest_id(world)
    ticket_reply(actor=world.acme.requester, ticket=world.ticket, body="Still broken here.")
    ticket_transition(actor=world.manager, ticket=world.ticket, to=Status.TRIAGED)
    client.force_login(world.consultant)
    before = state()
    draft = "We restarted the import; please check again."
    response = client.post(reverse("desk:reply", args=[world.ticket.key]), {"body": draft, "seen": seen})
    assert response.status_code == 409
    assert state() == before
    assert "changed while you were writing; nothing was sent" in action_error(response)
    assert response.context["changes"] == [
        "ACME Requester replied 0\xa0minutes ago",
        f"Status changed to Triaged by {world.manager.full_name} 0\xa0minutes ago",
    ]
    html = page(response)
    assert draft in html  # the draft is kept
    assert "Send anyway" in html
    newest = _newest_id(world)
    assert f'name="seen" value="{newest}"' in html

    # Sending anyway from the page that now shows everything sends it.
    response = client.post(reverse("desk:reply", args=[world.ticket.key]), {"body": draft, "seen": newest})
    assert response.status_code == 302
    assert world.ticket.events.order_by("-id").first().body == draft


def test_a_note_on_a_stale_page_is_not_added_either(client, world):
    seen = _newest_id(world)
    ticket_add_note(actor=world.manager, ticket=world.ticket, body="Called the hosting partner.")
    client.force_login(world.consultant)
    before = state()
    response = client.post(reverse("desk:note", args=[world.ticket.key]), {"body": "Checking logs.", "seen": seen})
    assert response.status_code == 409
    assert state() == before
    assert response.context["changes"] == [f"{world.manager.full_name} added an internal note 0\xa0minutes ago"]
    assert response.context["active_tab"] == "note"
    assert "Checking logs." in page(response)


def test_ones_own_events_do_not_make_a_page_stale(client, world):
    seen = _newest_id(world)
    ticket_add_note(actor=world.consultant, ticket=world.ticket, body="Noted in another tab.")
    client.force_login(world.consultant)
    response = client.post(reverse("desk:reply", args=[world.ticket.key]), {"body": "On it.", "seen": seen})
    assert response.status_code == 302
    assert world.ticket.events.order_by("-id").first().kind == EventKind.PUBLIC_REPLY


# --- Presence -------------------------------------------------------------------------------------------------


def _poll(client, key: str, typing: bool = False):
    return client.post(reverse("desk:presence", args=[key]), {"typing": "1" if typing else "0"})


def test_presence_shows_who_else_is_on_the_ticket_and_who_is_typing(client, world):
    client.force_login(world.consultant)
    assert _poll(client, world.ticket.key).json() == {"others": []}
    client.force_login(world.manager)
    assert _poll(client, world.ticket.key, typing=True).json() == {
        "others": [{"name": "Carla Consultant", "typing": False}]
    }
    client.force_login(world.consultant)
    assert _poll(client, world.ticket.key).json() == {"others": [{"name": world.manager.full_name, "typing": True}]}
    # Nothing about other tickets: the manager is on ACME-1, not ACME-2.
    assert _poll(client, world.change.key).json() == {"others": []}
    assert TicketPresence.objects.count() == 3  # one row per person and ticket, polled again or not


def test_presence_forgets_people_after_30_seconds_and_typing_after_15(client, world):
    client.force_login(world.manager)
    _poll(client, world.ticket.key, typing=True)
    TicketPresence.objects.update(seen_at=now() - dt.timedelta(seconds=20), typing_at=now() - dt.timedelta(seconds=20))
    client.force_login(world.consultant)
    assert _poll(client, world.ticket.key).json() == {"others": [{"name": world.manager.full_name, "typing": False}]}
    TicketPresence.objects.filter(user=world.manager).update(seen_at=now() - dt.timedelta(seconds=31))
    assert _poll(client, world.ticket.key).json() == {"others": []}


def test_presence_get_changes_nothing_and_strangers_get_404(client, world):
    client.force_login(world.consultant)
    assert client.get(reverse("desk:presence", args=[world.ticket.key])).status_code == 405
    assert not TicketPresence.objects.exists()
    for stranger in (world.outsider, world.acme.requester, world.developer):
        client.force_login(stranger)
        assert _poll(client, world.ticket.key).status_code == 404
    assert not TicketPresence.objects.exists()


def test_the_page_offers_the_presence_line_to_its_script(client, world):
    client.force_login(world.consultant)
    html = page(client.get(reverse("desk:ticket", args=[world.ticket.key])))
    assert re.search(r'data-presence-url="/desk/tickets/ACME-1/presence/"', html)
    assert 'src="/static/desk/workspace.js"' in html
