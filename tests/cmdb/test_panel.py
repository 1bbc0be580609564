"""The landscape panel beside a desk ticket: what it shows, that nothing is attached until a person confirms,
who may confirm, and that it reads a constant number of queries as the landscape grows."""

import datetime as dt

import pytest
from django.urls import reverse

from picocore.audit.models import AuditEntry
from picocore.changes.choices import ChangeStatus, ChangeType
from picocore.changes.models import Change, ChangeComponent
from picocore.cmdb.models import RunbookVersion
from picocore.core.clock import now
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.tickets.models import Ticket, TicketEvent, TicketImpact
from picocore.tickets.services.impact import ticket_component_set, ticket_impact_confirm, ticket_impact_remove
from picocore.tickets.timeline import ComponentChanged, ImpactChanged, entry_of
from tests.cmdb.conftest import component, link
from tests.desk.test_query_counts import TICKET_QUERIES, grow, queries

pytestmark = pytest.mark.django_db

PANEL_WITH_COMPONENT = 5
PANEL_WITHOUT_COMPONENT = 2


def on_component(world, chain, title="PIM import fails") -> Ticket:
    ticket = world.acme.ticket(title=title)
    Ticket.objects.filter(pk=ticket.pk).update(component=chain.pim)
    return Ticket.objects.get(pk=ticket.pk)


def test_the_panel_shows_the_component_neighbours_and_suggestions_and_attaches_nothing(client, world, chain):
    ticket = on_component(world, chain)
    other = on_component(world, chain, title="PIM slow")
    RunbookVersion.objects.create(component=chain.pim, number=1, text="Restart the PIM.")
    change = Change.objects.create(
        organisation=world.acme.organisation, number=7, change_type=ChangeType.NORMAL, title="Upgrade Umbraco",
        reason="Security fixes", status=ChangeStatus.SCHEDULED, requested_by=world.consultant,
        planned_start=now() + dt.timedelta(days=2),
        planned_end=now() + dt.timedelta(days=2, hours=2),
    )  # fmt: skip
    ChangeComponent.objects.create(organisation=world.acme.organisation, change=change, component=chain.cms)
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[ticket.key]))
    panel = response.context["landscape"]
    assert panel.component == chain.pim
    assert panel.component.runbook_number == 1
    assert [(n.component.name, n.hop.name) for n in panel.upstream] == [("PIM database", "Storage"),
                                                                        ("Nightly import", "Import")]  # fmt: skip
    assert [(n.component.name, n.hop.name) for n in panel.downstream] == [("Umbraco CMS", "Product export"),
                                                                          ("PIM database", "Storage")]  # fmt: skip
    assert [(s.component.name, s.reason) for s in panel.suggestions] == [
        ("Umbraco CMS", "Product export → Umbraco CMS"),
        ("PIM database", "Storage → PIM database"),
        ("CDN", "Product export → Umbraco CMS → Publish → CDN"),
    ]
    assert [t.key for t in panel.open_tickets] == [other.key]
    assert [c.change.title for c in panel.planned_changes] == ["Upgrade Umbraco"]
    page = response.content.decode()
    assert "Confirm <span data-user-content>CDN</span> affected" in page and "Nothing is recorded as affected." in page
    assert TicketImpact.objects.count() == 0  # shown, never attached


def test_confirming_one_suggestion_attaches_only_it_with_its_reason(client, world, chain):
    ticket = on_component(world, chain)
    client.force_login(world.consultant)
    path = reverse("desk:ticket_impact", args=[ticket.key])
    response = client.post(path, {"component": chain.cdn.pk, "action": "confirm", "reason": "Akeneo PIM → … → CDN"})
    assert response.status_code == 302
    assert list(TicketImpact.objects.values_list("ticket_id", "component_id", "confirmed_by_id")) == [
        (ticket.pk, chain.cdn.pk, world.consultant.pk)
    ]
    event = TicketEvent.objects.filter(ticket=ticket).order_by("-id").first()
    assert (event.public, entry_of(event.kind, event.data)) == (
        False,
        ImpactChanged(component=chain.cdn.pk, component_name="CDN", reason="Akeneo PIM → … → CDN"),
    )
    # Again: nothing more.
    client.post(path, {"component": chain.cdn.pk, "action": "confirm"})
    assert TicketImpact.objects.count() == 1
    panel = client.get(reverse("desk:ticket", args=[ticket.key])).context["landscape"]
    assert [i.component.name for i in panel.confirmed] == ["CDN"]
    assert [s.confirmed for s in panel.suggestions] == [False, False, True]
    client.post(path, {"component": chain.cdn.pk, "action": "remove"})
    assert TicketImpact.objects.count() == 0
    kinds = [entry_of(e.kind, e.data) for e in TicketEvent.objects.filter(ticket=ticket).order_by("id")]
    assert [k.confirmed for k in kinds if isinstance(k, ImpactChanged)] == [True, False]


def test_a_foreign_or_missing_component_is_refused_alike_and_nothing_changes(client, world, chain):
    ticket = on_component(world, chain)
    before = (TicketImpact.objects.count(), TicketEvent.objects.count(), AuditEntry.objects.count())
    for component_id in (chain.nord_app.pk, 999_999):
        with pytest.raises(ValidationError) as raised:
            ticket_impact_confirm(actor=world.manager, ticket=ticket, component_id=component_id)
        assert raised.value.field_errors == {"component": ["There is no such component in this customer's landscape."]}
    client.force_login(world.consultant)
    for value in (chain.nord_app.pk, 999_999, "x", "1\x00"):
        response = client.post(
            reverse("desk:ticket_impact", args=[ticket.key]), {"component": value, "action": "confirm"}
        )
        assert response.status_code == 302
    assert (TicketImpact.objects.count(), TicketEvent.objects.count(), AuditEntry.objects.count()) == before


def test_only_the_team_working_on_the_ticket_confirms(client, world, chain):
    ticket = on_component(world, chain)
    with pytest.raises(NotFound):
        ticket_impact_confirm(actor=world.outsider, ticket=ticket, component_id=chain.cdn.pk)
    with pytest.raises(PermissionDenied):
        ticket_impact_confirm(actor=world.acme.requester, ticket=ticket, component_id=chain.cdn.pk)
    with pytest.raises(NotFound):
        ticket_impact_remove(actor=world.acme_developer, ticket=ticket, component_id=chain.cdn.pk)
    for person in (world.outsider, world.acme_developer, world.acme.requester):
        client.force_login(person)
        response = client.post(reverse("desk:ticket_impact", args=[ticket.key]), {"component": chain.cdn.pk,
                                                                                   "action": "confirm"})  # fmt: skip
        assert response.status_code == 404
    assert TicketImpact.objects.count() == 0


def test_a_ticket_without_a_component_offers_its_environments_components(client, world, chain):
    client.force_login(world.consultant)
    panel = client.get(reverse("desk:ticket", args=[world.ticket.key])).context["landscape"]
    assert panel.component is None
    assert [c.name for c in panel.candidates] == ["Akeneo PIM", "CDN", "Nightly import", "PIM database", "Umbraco CMS"]
    assert panel.suggestions == []


def test_the_ticket_page_reads_the_same_queries_as_the_landscape_grows(client, world, chain):
    ticket = on_component(world, chain)
    client.force_login(world.consultant)
    path = reverse("desk:ticket", args=[ticket.key])
    small = queries(client, path)
    previous = chain.cdn
    for n in range(60):
        new = component(world.acme.production, f"Edge {n}")
        link(previous, new, f"Edge link {n}")
        link(chain.pim, new, f"Direct {n}")
        previous = new
    for n in range(15):
        on_component(world, chain, title=f"More {n}")
    grow(world, acme=50, nord=10)
    large = queries(client, path)
    expected = TICKET_QUERIES - PANEL_WITHOUT_COMPONENT + PANEL_WITH_COMPONENT
    assert (len(small), len(large)) == (expected, expected), "\n".join(large)
    assert len(client.get(path).context["landscape"].suggestions) == 3 + 60


def test_the_team_sets_and_clears_the_tickets_component_with_a_timeline_entry(client, world, chain):
    ticket = world.ticket
    client.force_login(world.consultant)
    path = reverse("desk:ticket_component", args=[ticket.key])
    page = client.get(reverse("desk:ticket", args=[ticket.key])).content.decode()
    assert "Make <span data-user-content>CDN</span> the ticket's component" in page

    assert client.post(path, {"component": chain.cdn.pk}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.component_id, ticket.environment_id) == (chain.cdn.pk, chain.cdn.environment_id)
    assert ticket.solution_id == chain.cdn.environment.solution_id
    panel = client.get(reverse("desk:ticket", args=[ticket.key])).context["landscape"]
    assert panel.component == chain.cdn

    events = TicketEvent.objects.filter(ticket=ticket).count()
    assert not ticket_component_set(actor=world.consultant, ticket=ticket, component_id=chain.cdn.pk)
    assert TicketEvent.objects.filter(ticket=ticket).count() == events  # the same again writes nothing

    assert client.post(path, {"component": ""}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.component_id is None
    entries = [entry_of(e.kind, e.data) for e in TicketEvent.objects.filter(ticket=ticket).order_by("id")]
    changed = [(e.component_name, e.previous_name) for e in entries if isinstance(e, ComponentChanged)]
    assert changed == [("CDN", ""), ("", "CDN")]
    assert all(not e.public for e in entries if isinstance(e, ComponentChanged))


def test_a_foreign_or_missing_component_cannot_become_the_tickets_and_outsiders_get_404(client, world, chain):
    ticket = on_component(world, chain)
    before = (TicketEvent.objects.count(), AuditEntry.objects.count())
    for component_id in (chain.nord_app.pk, 999_999):
        with pytest.raises(ValidationError) as raised:
            ticket_component_set(actor=world.manager, ticket=ticket, component_id=component_id)
        assert raised.value.field_errors == {"component": ["There is no such component in this customer's landscape."]}
    with pytest.raises(PermissionDenied):
        ticket_component_set(actor=world.acme.requester, ticket=ticket, component_id=chain.cdn.pk)
    with pytest.raises(NotFound):
        ticket_component_set(actor=world.outsider, ticket=ticket, component_id=chain.cdn.pk)
    path = reverse("desk:ticket_component", args=[ticket.key])
    client.force_login(world.consultant)
    for value in (chain.nord_app.pk, 999_999, "x", "1\x00"):
        response = client.post(path, {"component": value}, follow=True)
        assert response.status_code == 200
        assert "this customer&#x27;s landscape." in response.content.decode()
    for person in (world.outsider, world.acme_developer, world.acme.requester):
        client.force_login(person)
        assert client.post(path, {"component": chain.cdn.pk}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.component_id == chain.pim.pk
    assert (TicketEvent.objects.count(), AuditEntry.objects.count()) == before
