"""Timeline entries rendered once and kept: an event is written once and never changed, so the HTML of its
entry for one kind of reader, in one language and time zone, is rendered the first time a page shows it and
read from the "timeline" cache afterwards (a ticket page spent 0.6-0.9 ms per event rendering its timeline).

A fragment's key holds everything its rendering reads, so no fragment is ever served for inputs it was not
rendered from and none needs invalidating:

- the event row: id, kind, visibility, text, details and moment. Rows are append-only (`TicketEvent` refuses
  updates and deletes), but a digest of them is in the key all the same: an id that SQLite hands out again
  after a rolled-back transaction, or a row changed behind the ORM's back, is rendered afresh;
- the actor's name (an administrator may rename a person) and the entry's files (id, name, size);
- the ticket's key (in the files' and the e-mail's links) and, on the portal's "created" entry, the form's
  answers shown under it;
- whose page it is: the desk's (`staff`: internal entries, internal files, teams, the e-mail link) or the
  portal's. The portal's timeline holds public events and public files only (`public_timeline`), and a
  fragment rendered for the desk is never read for the portal, nor the other way round;
- the active language and time zone (labels, dates).

Nothing else of the request reaches the partial: no user, no CSRF token, no session.

The cache lives in each process's memory (Django's locmem backend, `CACHES["timeline"]` in the settings). As
fragments never go stale, processes need not share them: each gunicorn worker (`picocore serve`, and the two
of `make run`) fills its own, which costs one rendering per event and worker, and a hit costs a dictionary
lookup and unpickling a string, not a query (a database cache would add a query per page and a table that
grows). The least recently used fragments are dropped beyond `MAX_ENTRIES`. A template edited under
`runserver`'s autoreloader empties the cache (`_forget_on_template_change`), as a restart does.
"""

import hashlib
import json
from typing import Any

from django.core.cache import caches
from django.template.loader import get_template
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from picocore.tickets.choices import EventKind
from picocore.tickets.models import Ticket, TicketEvent

TIMELINE_CACHE = "timeline"
EVENT_TEMPLATE = "tickets/events/event.html"
VERSION = 1  # raise when the fragment's inputs change shape


def fragment_key(event: TicketEvent, *, ticket: Ticket, staff: bool) -> str:
    """The cache key of the event's entry as `staff` (or the customer) reads it in the active language and
    time zone: the event's id and a digest of everything the partial reads."""
    actor = event.actor
    inputs: list[Any] = [
        event.kind,
        event.public,
        event.body,
        event.data,
        event.created_at.isoformat(),
        event.actor_id,
        actor.full_name if actor is not None else None,
        [(file.pk, file.filename, file.size) for file in event.attachments.all()],
        ticket.key,
        staff,
        get_language(),
        get_current_timezone_name(),
    ]
    if not staff and event.kind == EventKind.CREATED:
        inputs.append(ticket.answers)
    digest = hashlib.blake2b(json.dumps(inputs, default=str).encode(), digest_size=16).hexdigest()
    return f"timeline:{VERSION}:{event.pk}:{digest}"


def render_event(event: TicketEvent, *, ticket: Ticket, staff: bool) -> SafeString:
    """The entry's HTML, rendered afresh (what `event_html` keeps)."""
    html = get_template(EVENT_TEMPLATE).render({"event": event, "ticket": ticket, "staff": staff})
    return mark_safe(html)  # noqa: S308 - the template language escaped it


def event_html(event: TicketEvent, *, ticket: Ticket, staff: bool) -> SafeString:
    """The entry's HTML for the desk (`staff`) or the portal, from the cache or rendered and kept."""
    fragments = caches[TIMELINE_CACHE]
    key = fragment_key(event, ticket=ticket, staff=staff)
    html: str | None = fragments.get(key)
    if html is None:
        html = render_event(event, ticket=ticket, staff=staff)
        fragments.set(key, str(html))
    return mark_safe(html)  # noqa: S308 - what render_event wrote


def _forget_on_template_change(sender: Any, file_path: Any, **kwargs: Any) -> None:
    if str(file_path).endswith(".html"):
        caches[TIMELINE_CACHE].clear()


file_changed.connect(_forget_on_template_change, dispatch_uid="picocore-timeline-fragments")
