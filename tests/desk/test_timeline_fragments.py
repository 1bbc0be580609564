"""Timeline entries kept once rendered (`picocore.tickets.fragments`): a kept entry is the HTML a fresh rendering
writes, in each language and time zone, and what the desk kept is never what the portal shows."""

import re

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone, translation

from picocore.tickets.fragments import TIMELINE_CACHE, event_html, fragment_key, render_event
from picocore.tickets.models import TicketEvent
from picocore.tickets.queues import desk_timeline
from picocore.tickets.selectors import public_timeline
from picocore.tickets.services import ticket_reply
from tests.desk.conftest import ACME_NOTE, ACME_NOTE_FILE, body

pytestmark = pytest.mark.django_db

TIMELINE = re.compile(r'<ol class="timeline">.*?</ol>', re.S)


def timeline_of(response) -> str:
    assert response.status_code == 200
    return TIMELINE.search(body(response).decode()).group(0)


@pytest.mark.parametrize("language", ["en", "da"])
@pytest.mark.parametrize("zone", ["Europe/Copenhagen", "Pacific/Auckland"])
@pytest.mark.parametrize("staff", [True, False])
def test_a_kept_entry_is_what_rendering_writes(world, language, zone, staff):
    ticket_reply(actor=world.consultant, ticket=world.change, body="We <will> look & tell you.")
    for ticket in (world.ticket, world.change):
        events = list(desk_timeline(ticket) if staff else public_timeline(ticket))
        assert events
        with translation.override(language), timezone.override(zone):
            for event in events:
                fresh = render_event(event, ticket=ticket, staff=staff)
                assert caches[TIMELINE_CACHE].get(fragment_key(event, ticket=ticket, staff=staff)) is None
                assert event_html(event, ticket=ticket, staff=staff) == fresh  # rendered and kept
                assert caches[TIMELINE_CACHE].get(fragment_key(event, ticket=ticket, staff=staff)) == fresh
                assert event_html(event, ticket=ticket, staff=staff) == fresh  # read back


def test_each_language_zone_and_reader_has_its_own_entry(world):
    event = desk_timeline(world.ticket).filter(public=True).first()
    keys = set()
    for language in ("en", "da"):
        for zone in ("Europe/Copenhagen", "America/Santiago"):
            for staff in (True, False):
                with translation.override(language), timezone.override(zone):
                    keys.add(fragment_key(event, ticket=world.ticket, staff=staff))
    assert len(keys) == 8


def test_the_portal_never_shows_what_the_desk_kept(client, world):
    """The desk's pages fill the cache first (internal notes and files, team names); the customer's pages of
    the same tickets are then exactly what they are with an empty cache, without anything internal."""
    client.force_login(world.consultant)
    tickets = (world.ticket, world.change)
    desk = {t.key: timeline_of(client.get(reverse("desk:ticket", args=[t.key]))) for t in tickets}
    assert ACME_NOTE in desk[world.ticket.key] and ACME_NOTE_FILE in desk[world.ticket.key]
    assert "ACME development" in desk[world.change.key]
    client.force_login(world.acme.requester)
    portal = {
        t.key: timeline_of(client.get(reverse("portal:request", args=[t.key]))) for t in (world.ticket, world.change)
    }
    for shown in portal.values():
        assert ACME_NOTE not in shown and ACME_NOTE_FILE not in shown and "ACME development" not in shown
        assert "internal" not in shown.lower()
    caches[TIMELINE_CACHE].clear()
    for key, shown in portal.items():
        assert timeline_of(client.get(reverse("portal:request", args=[key]))) == shown
    client.force_login(world.consultant)
    for key, shown in desk.items():  # the portal's entries, now kept, are not read for the desk either
        assert timeline_of(client.get(reverse("desk:ticket", args=[key]))) == shown


def test_a_renamed_person_reads_renamed(client, world):
    client.force_login(world.consultant)
    path = reverse("desk:ticket", args=[world.ticket.key])
    assert "Carla Consultant" in timeline_of(client.get(path))
    world.consultant.full_name = "Carla Renamed"
    world.consultant.save()
    shown = timeline_of(client.get(path))
    assert "Carla Renamed" in shown and "Carla Consultant" not in shown


def test_the_key_follows_the_row_not_only_its_id(world):
    """An id SQLite hands out again after a rolled-back transaction is another event: another key."""
    event = desk_timeline(world.ticket).first()
    other = TicketEvent(pk=event.pk, ticket=event.ticket, organisation_id=event.organisation_id, kind=event.kind,
                        public=event.public, actor=event.actor, body=event.body + "!", data=event.data,
                        created_at=event.created_at)  # fmt: skip
    assert fragment_key(other, ticket=world.ticket, staff=True) != fragment_key(event, ticket=world.ticket, staff=True)
