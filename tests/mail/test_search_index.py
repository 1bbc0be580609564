"""An e-mail reply is found by search as soon as it is filed: the index is kept by the database in the same
transaction, whatever path wrote the timeline entry."""

import zoneinfo

from picocore.mail.addresses import reply_address_for
from picocore.tickets.queues import Filters, desk_tickets
from picocore.tickets.selectors import PortalFilters, portal_ticket_list


def test_an_e_mail_reply_is_found_by_its_words_at_once(world, deliver, consultant):
    raw = (
        f"From: anna@acme.example\nTo: {reply_address_for(world.ticket)}\n"
        "Subject: Re: [ACME-1] Product images missing\n"
        "Message-ID: <search-1@acme.example>\n\nThe thumbnails in the Gartenmöbel category are grey.\n"
    ).encode()
    deliver(raw)
    assert [t.key for t in Filters(text="gartenmöbel thumbnails").apply(desk_tickets(actor=consultant))] == ["ACME-1"]
    visible = portal_ticket_list(actor=world.anna, organisation=world.acme.organisation, whole_organisation=False)
    zone = zoneinfo.ZoneInfo(world.acme.organisation.time_zone)
    assert [t.key for t in PortalFilters(text="thumbnails").apply(visible, time_zone=zone)] == ["ACME-1"]
    nils = portal_ticket_list(actor=world.nils, organisation=world.nord.organisation, whole_organisation=True)
    assert list(PortalFilters(text="thumbnails").apply(nils, time_zone=zone)) == []
