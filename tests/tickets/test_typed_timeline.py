"""The typed timeline: every kind is a class that round-trips through its stored row (old rows missing keys
read with defaults), one writer records them, one partial per kind renders them for the desk and the portal,
and no code outside the timeline module reads an event's `data` by key."""

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from picocore.tickets.choices import EventKind
from picocore.tickets.models import TicketEvent
from picocore.tickets.timeline import (
    REGISTRY,
    AttachmentAdded,
    ComponentChanged,
    Created,
    DevelopmentMilestone,
    Entry,
    FieldChanged,
    ImpactChanged,
    InternalNote,
    Linked,
    Merged,
    NextStepChanged,
    OwnerChanged,
    PriorityChanged,
    PublicReply,
    SharingChanged,
    SlaBreach,
    SlaWarning,
    StatusChanged,
    Unknown,
    deadline_kinds,
    entry_of,
)

AT = dt.datetime(2026, 3, 4, 8, 15, tzinfo=dt.UTC)

# One fully filled example per registered class: what the services write.
EXAMPLES: list[Entry] = [
    Created(channel="email", inbound=7, priority=2, priority_reason="High impact × Medium urgency → P2"),
    PublicReply(channel="email", inbound=8),
    AttachmentAdded(),
    InternalNote(),
    StatusChanged(before="new", after="in_progress", automatic=True, merged_into="ACME-2"),
    FieldChanged(changed="colour", before="red", after="blue"),
    SharingChanged(shared=True),
    OwnerChanged(
        before_team=1, before_assignee=None, after_team=1, after_assignee=5, before_label="Op", after_label="Carla, Op"
    ),
    NextStepChanged(before_text="", before_due=None, after_text="Re-run the export", after_due=dt.date(2026, 3, 6)),
    PriorityChanged(before=3, after=1),
    ImpactChanged(component=3, component_name="CDN", reason="Umbraco CMS → Publish → CDN"),
    ComponentChanged(component=4, component_name="Umbraco CMS", previous_name="CDN"),
    Linked(link="related", direction="out", other="ACME-3"),
    Merged(merged="ACME-4", requester=9),
    DevelopmentMilestone(item=3, team="Builders", before="handed_over", after="in_progress"),
    SlaWarning(metric="first_response", due_at=AT),
    SlaBreach(metric="resolution", due_at=AT, breached_at=AT),
]


def test_every_registered_class_has_an_example_and_a_partial():
    assert sorted(type(e).__name__ for e in EXAMPLES) == sorted(cls.__name__ for cls in REGISTRY.values())
    root = Path(__file__).resolve().parents[2] / "picocore" / "tickets" / "templates"
    for cls in [*REGISTRY.values(), Unknown]:
        assert (root / cls().template).is_file(), cls


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: type(e).__name__)
def test_each_kind_round_trips_through_its_stored_row(example):
    assert entry_of(example.kind, example.to_data()) == example


@pytest.mark.parametrize("cls", list(REGISTRY.values()), ids=lambda c: c.__name__)
def test_an_old_row_missing_every_key_reads_with_defaults(cls):
    data = {"field": cls.field} if cls.field else {}
    entry = entry_of(cls.kind, data)
    assert type(entry) is cls
    assert entry == cls()


@pytest.mark.parametrize("cls", list(REGISTRY.values()), ids=lambda c: c.__name__)
def test_values_of_the_wrong_type_read_as_missing(cls):
    garbage = {f.name: {"x": [1]} for f in dataclasses.fields(cls)}
    for key in ("before", "after", "priority", "due_at", "breached_at", "item", "inbound", "next_step"):
        garbage.setdefault(key, {"x": [1]})
    if cls.field:
        garbage["field"] = cls.field
    assert type(entry_of(cls.kind, garbage)) is cls
    # Without its details a field change cannot say which field: it reads as the generic one.
    without = FieldChanged if cls.field else cls
    assert type(entry_of(cls.kind, None)) is without and type(entry_of(cls.kind, "text")) is without


def test_the_stored_format_is_the_one_rows_already_hold():
    assert Created(channel="web", priority=2, priority_reason="r").to_data() == {
        "channel": "web", "priority": 2, "priority_reason": "r"
    }  # fmt: skip
    assert PublicReply().to_data() == {}
    assert StatusChanged(before="new", after="resolved").to_data() == {
        "field": "status", "before": "new", "after": "resolved"
    }  # fmt: skip
    assert DevelopmentMilestone(item=1, team="B", after="handed_over").to_data() == {
        "item": 1, "team": "B", "before": None, "after": "handed_over"
    }  # fmt: skip
    assert NextStepChanged(after_text="Call", after_due=dt.date(2026, 3, 6)).to_data() == {
        "field": "next_step",
        "before": {"next_step": "", "next_step_due": None},
        "after": {"next_step": "Call", "next_step_due": "2026-03-06"},
    }
    assert SlaBreach(metric="resolution", due_at=AT, breached_at=AT).to_data() == {
        "metric": "resolution", "due_at": "2026-03-04T08:15:00+00:00", "breached_at": "2026-03-04T08:15:00+00:00"
    }  # fmt: skip


def test_field_changes_are_told_apart_by_their_field_and_unknown_fields_or_kinds_still_read():
    assert type(entry_of(EventKind.FIELD_CHANGED, {"field": "priority", "after": 1})) is PriorityChanged
    assert entry_of(EventKind.FIELD_CHANGED, {"field": "colour", "before": "a", "after": "b"}) == FieldChanged(
        changed="colour", before="a", after="b"
    )
    assert entry_of("retired_kind", {"x": 1}) == Unknown(stored_kind="retired_kind")


def test_what_each_kind_says_about_deadlines_and_visibility():
    assert deadline_kinds() == {EventKind.CREATED, EventKind.PUBLIC_REPLY, EventKind.STATUS_CHANGED,
                                EventKind.FIELD_CHANGED}  # fmt: skip
    assert PublicReply().moves_deadline(by_staff=True) and not PublicReply().moves_deadline(by_staff=False)
    assert not AttachmentAdded().moves_deadline(by_staff=True)
    assert PriorityChanged().moves_deadline(by_staff=True) and not OwnerChanged().moves_deadline(by_staff=True)
    assert [cls.__name__ for cls in REGISTRY.values() if not cls.public] == [
        "InternalNote", "Linked", "ImpactChanged", "ComponentChanged", "SlaWarning", "SlaBreach"
    ]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("staff", [True, False], ids=["desk", "portal"])
def test_desk_and_portal_render_every_kind_through_its_one_partial(example, staff, acme):
    ticket = acme.ticket()
    event = TicketEvent(ticket=ticket, organisation=ticket.organisation, kind=example.kind, public=example.public,
                        data=example.to_data(), created_at=AT, body="Body text")  # fmt: skip
    event.save()
    html = render_to_string("tickets/events/event.html", {"event": event, "ticket": ticket, "staff": staff})
    assert f'class="event event-{example.kind}' in html
    assert str(example.label if staff else example.verb) in html
    assert "Body text" in html
    partial = render_to_string(example.template, {"entry": example, "event": event, "ticket": ticket, "staff": staff})
    assert partial.strip() in html
    # The details each kind reads show on both sides.
    shown = {
        StatusChanged: "In progress", PriorityChanged: "P3 → <strong>P1", Linked: "ACME-3", Merged: "ACME-4",
        DevelopmentMilestone: "In development", NextStepChanged: "Re-run the export", FieldChanged: "blue",
        SlaWarning: "First response", SlaBreach: "Resolution", ImpactChanged: "Affects: <strong data-user-content>CDN",
        ComponentChanged: "About the component <strong data-user-content>Umbraco CMS</strong>",
    }  # fmt: skip
    if type(example) in shown:
        assert shown[type(example)] in html
    if isinstance(example, OwnerChanged):
        assert ("Carla, Op" in html) and (("Op</span> →" in html) == staff)
    if isinstance(example, Created | PublicReply) and example.inbound:
        assert ("full e-mail" in html) == staff and "by e-mail" in html


# `.data[` or `data.get(` on something that is an event (or its row) — the forms' `cleaned_data`, a mail
# message's own `data` and the like are not events and are not matched.
EVENT_DATA_READ = re.compile(
    r"\b(?:event|e|ev|row|earlier|created|first|self\.event)\.data(?:\[|\.get\(|\.items\(|\.keys\(|\.values\()"
)
TEMPLATE_DATA_READ = re.compile(r"\bevent\.data\.")


def test_no_code_reads_an_event_s_data_by_key_outside_the_timeline_module():
    root = Path(__file__).resolve().parents[2] / "picocore"
    found = []
    for path in root.rglob("*.py"):
        if path.name == "timeline.py" or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if EVENT_DATA_READ.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    for path in root.rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if TEMPLATE_DATA_READ.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert found == []


def test_the_check_catches_what_it_is_for():
    assert EVENT_DATA_READ.search('if event.data.get("field") == "priority":')
    assert EVENT_DATA_READ.search('item = event.data["item"]')
    assert TEMPLATE_DATA_READ.search("{{ event.data.after }}")
    assert not EVENT_DATA_READ.search('text = form.cleaned_data["text"]')
    assert not EVENT_DATA_READ.search('message.data.get("history")')
