"""Every role × every service a customer can reach: who succeeds, who is refused how, and that a refusal changes
nothing at all (no row of any table, no field of the objects concerned, no e-mail).

The services are called directly, as the portal's pages and the API call them. The expected outcome of each is
written out below per person; `test_the_table_agrees_with_the_roles_table` then holds the rows governed by one
capability to the roles `picocore.tenancy.roles.ROLES` gives it, so a change to the roles table that the services do
not follow (or the other way round) fails here.

The world: ACME's requester filed ACME-1 and the team resolved it; ACME also has a second requester (a colleague),
an approver, a billing contact and a viewer; a question about work beyond the hours left, a change awaiting
approval (asked of the approver, who becomes an approver contact by role) and a draft service review are open.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core import mail
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.utils import timezone

from picocore.changes.approvals import approvals_request, customer_decide
from picocore.changes.choices import ChangeStatus, Decision
from picocore.changes.feeds import organisation_feed_make
from picocore.changes.models import Change
from picocore.changes.services import change_transition, change_update
from picocore.cmdb.models import Contact
from picocore.core import reference
from picocore.core.errors import NotFound, PermissionDenied
from picocore.hours.approvals import overage_ask, overage_decide
from picocore.hours.models import HourTerms, OverageApproval
from picocore.hours.services import ledger_adjust, time_log
from picocore.reviews.models import ServiceReview
from picocore.reviews.services import review_send, review_update
from picocore.satisfaction.models import Rating
from picocore.satisfaction.services import latest_resolution_id, rating_record
from picocore.tenancy.choices import MembershipRole, RequestVisibility
from picocore.tenancy.models import Membership, Organisation, User
from picocore.tenancy.roles import Capability, roles_with
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import (
    ticket_add_note,
    ticket_confirm_resolution,
    ticket_reopen,
    ticket_reply,
    ticket_share,
)
from tests import factories
from tests.changes.approval_support import make_change
from tests.conftest import Customer, signed_in
from tests.portal.support import resolve
from tests.reviews.support import past_review

pytestmark = pytest.mark.django_db

OK, DENIED, MISSING = "ok", "denied", "missing"
REFUSALS = {DENIED: PermissionDenied, MISSING: NotFound}

# Who acts, and their role in ACME (None: no member of ACME).
PEOPLE: dict[str, str | None] = {
    "requester": MembershipRole.REQUESTER,  # ACME-1's requester
    "colleague": MembershipRole.REQUESTER,  # another requester of ACME
    "approver": MembershipRole.APPROVER,
    "billing contact": MembershipRole.BILLING_CONTACT,
    "viewer": MembershipRole.VIEWER,
    "customer admin": MembershipRole.CUSTOMER_ADMIN,
    "foreign admin": None,  # Nord's customer admin
    "consultant": None,  # serves ACME
}
NAMES = tuple(PEOPLE)


@dataclass
class Scene:
    acme: Customer
    people: dict[str, User]
    ticket: Ticket  # ACME-1, the requester's, resolved
    approval: OverageApproval
    change: Change
    review: ServiceReview


def _scene(acme: Customer, nord: Customer, consultant: User, manager: User, visibility: str) -> Scene:
    Organisation.objects.filter(pk=acme.organisation.pk).update(request_visibility=visibility)
    acme.organisation.refresh_from_db()
    people: dict[str, User] = {
        "requester": acme.requester,
        "customer admin": acme.admin,
        "foreign admin": nord.admin,
        "consultant": consultant,
    }
    for name in ("colleague", "approver", "billing contact", "viewer"):
        people[name] = factories.UserFactory(full_name=f"ACME {name}")
        factories.MembershipFactory(user=people[name], organisation=acme.organisation, role=PEOPLE[name])
    ticket = acme.ticket(title="ACME export stalls")
    resolve(ticket, consultant)
    ticket.refresh_from_db()
    contract = acme.organisation.contracts.get()
    HourTerms.objects.create(contract=contract, included_minutes=600)
    approval = OverageApproval.objects.create(
        organisation=acme.organisation, ticket=ticket, contract=contract,
        estimated_minutes=360, remaining_minutes=120, note="Rebuild the index", asked_by=consultant,
    )  # fmt: skip
    change = make_change(acme.organisation, by=manager, title="ACME PIM upgrade")
    approvals_request(actor=manager, change=change)
    review = past_review(acme.organisation, sent=False)
    mail.outbox.clear()
    return Scene(acme, {name: signed_in(user) for name, user in people.items()}, ticket, approval, change, review)


# The rows whose every field a refusal must leave as it was (beyond every table's row count).
WATCHED = (
    "tickets.Ticket",
    "tenancy.Membership",
    "tenancy.Organisation",
    "hours.OverageApproval",
    "satisfaction.Rating",
    "changes.Change",
    "changes.ApprovalRequest",
    "changes.CalendarFeed",
    "cmdb.Contact",
    "reviews.ServiceReview",
)


def everything() -> dict[str, object]:
    """The row count of every table, every field of the watched rows, and the e-mails sent."""
    tables = sorted({model._meta.db_table for model in apps.get_models() if model._meta.managed})
    # One query for every table's count: a refusal is checked against the whole database, and fast.
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        # The names come from the models, not from input.
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {quote(t)}" for t in tables))  # noqa: S608
        counts = dict(cursor.fetchall())
    rows = {label: list(apps.get_model(label)._default_manager.order_by("pk").values()) for label in WATCHED}
    return {"counts": counts, "rows": rows, "mail": len(mail.outbox)}


@dataclass(frozen=True)
class Service:
    """One service call as `person`, in a world whose ACME shows requests by `visibility`; `done` tells that an
    allowed call did what it says."""

    call: Callable[[Scene, User], object]
    done: Callable[[Scene, User], bool]
    visibility: str = RequestVisibility.ORGANISATION


def _fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("organisation").get(pk=ticket.pk)


def _create(scene: Scene, person: User) -> object:
    return scene.acme.ticket(by=person, title="Prices wrong after import")


def _rate(scene: Scene, person: User) -> object:
    return rating_record(
        actor=person, ticket=_fresh(scene.ticket), resolution_id=latest_resolution_id(scene.ticket), score=4
    )


def _decide(scene: Scene, person: User) -> object:
    return customer_decide(actor=person, change_id=scene.change.pk, decision=Decision.REJECTED, reason="Black Friday")


SERVICES: dict[str, Service] = {
    # Tickets.
    "ticket_create": Service(
        _create, lambda s, p: Ticket.objects.filter(requester=p, title="Prices wrong after import").exists()
    ),
    "ticket_reply": Service(
        lambda s, p: ticket_reply(actor=p, ticket=_fresh(s.ticket), body="Still slow here."),
        lambda s, p: s.ticket.events.filter(actor=p, body="Still slow here.").exists(),
    ),
    "ticket_confirm_resolution": Service(
        lambda s, p: ticket_confirm_resolution(actor=p, ticket=_fresh(s.ticket)),
        lambda s, p: _fresh(s.ticket).status == Status.CLOSED,
    ),
    "ticket_reopen": Service(
        lambda s, p: ticket_reopen(actor=p, ticket=_fresh(s.ticket), reason="The export stalls again."),
        lambda s, p: _fresh(s.ticket).status == Status.IN_PROGRESS,
    ),
    "rating_record": Service(_rate, lambda s, p: Rating.objects.filter(ticket=s.ticket, requester=p).exists()),
    "ticket_share (own and shared)": Service(
        lambda s, p: ticket_share(actor=p, ticket=_fresh(s.ticket), shared=True),
        lambda s, p: _fresh(s.ticket).shared,
        visibility=RequestVisibility.OWN_AND_SHARED,
    ),
    # Where the organisation shows everyone everything there is nothing to share.
    "ticket_share (organisation)": Service(
        lambda s, p: ticket_share(actor=p, ticket=_fresh(s.ticket), shared=True), lambda s, p: False
    ),
    "ticket_add_note": Service(
        lambda s, p: ticket_add_note(actor=p, ticket=_fresh(s.ticket), body="Internal: index rebuilt."),
        lambda s, p: s.ticket.events.filter(actor=p, public=False, body="Internal: index rebuilt.").exists(),
    ),
    # Hours.
    "overage_decide": Service(
        lambda s, p: overage_decide(actor=p, approval_id=s.approval.pk, approve=True),
        lambda s, p: OverageApproval.objects.filter(pk=s.approval.pk, decided_by=p).exists(),
    ),
    "overage_ask": Service(
        lambda s, p: overage_ask(actor=p, ticket=_fresh(s.ticket), estimated_minutes=900, note="More work"),
        lambda s, p: True,  # the open question stands: asking again returns it
    ),
    "time_log": Service(
        lambda s, p: time_log(actor=p, ticket=_fresh(s.ticket), minutes=30, description="Checked the export"),
        lambda s, p: s.ticket.time_entries.filter(author=p).exists(),
    ),
    "ledger_adjust": Service(
        lambda s, p: ledger_adjust(
            actor=p,
            contract=s.acme.organisation.contracts.get(),
            month=timezone.localdate().replace(day=1),
            minutes=60,
            reason="Goodwill",
        ),
        lambda s, p: False,
    ),
    # Reviews.
    "review_update": Service(
        lambda s, p: review_update(actor=p, review_id=s.review.pk, summary="A calm month.", proposals=""),
        lambda s, p: False,
    ),
    "review_send": Service(lambda s, p: review_send(actor=p, review_id=s.review.pk), lambda s, p: False),
    # Changes.
    "customer_decide": Service(
        _decide, lambda s, p: Change.objects.get(pk=s.change.pk).status == ChangeStatus.REJECTED
    ),
    "organisation_feed_make": Service(
        lambda s, p: organisation_feed_make(actor=p, organisation_id=s.acme.organisation.pk),
        lambda s, p: s.acme.organisation.change_feeds.exists(),
    ),
    "change_update": Service(
        lambda s, p: change_update(
            actor=p, change_id=s.change.pk, title="ACME PIM upgrade, second try", reason="Security fixes."
        ),
        lambda s, p: Change.objects.get(pk=s.change.pk).title == "ACME PIM upgrade, second try",
    ),
    "change_transition": Service(
        lambda s, p: change_transition(actor=p, change_id=s.change.pk, target=ChangeStatus.CANCELLED, reason="No"),
        lambda s, p: Change.objects.get(pk=s.change.pk).status == ChangeStatus.CANCELLED,
    ),
}

# Service → the outcome for each person, in `PEOPLE` order:
# requester, colleague, approver, billing contact, viewer, customer admin, foreign admin, consultant.
EXPECTED: dict[str, tuple[str, ...]] = {
    # Everyone of ACME sees ACME-1 here (the organisation shows all requests): whose role takes part acts on it.
    "ticket_create": (OK, OK, OK, OK, DENIED, OK, MISSING, MISSING),
    "ticket_reply": (OK, OK, OK, OK, DENIED, OK, MISSING, OK),
    "ticket_confirm_resolution": (OK, OK, OK, OK, DENIED, OK, MISSING, OK),
    "ticket_reopen": (OK, OK, OK, OK, DENIED, OK, MISSING, OK),
    # Only its requester rates a resolution: not a colleague, not the admin, not the team.
    "rating_record": (OK, DENIED, DENIED, DENIED, DENIED, DENIED, MISSING, DENIED),
    # Own and shared: an unshared request is its requester's (and those who see all by role); its requester or a
    # customer admin shares it, never a viewer or the team.
    "ticket_share (own and shared)": (OK, MISSING, MISSING, MISSING, DENIED, OK, MISSING, DENIED),
    "ticket_share (organisation)": (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, MISSING, DENIED),
    "ticket_add_note": (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, MISSING, OK),
    # The question about the hours is answered by the customer admins and billing contacts; to everyone else it
    # does not exist.
    "overage_decide": (MISSING, MISSING, MISSING, OK, MISSING, OK, MISSING, MISSING),
    "overage_ask": (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, OK),
    "time_log": (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, OK),
    "ledger_adjust": (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),
    # A draft review is the service managers' to write and send: a customer does not see it.
    "review_update": (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, DENIED),
    "review_send": (MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, MISSING, DENIED),
    # The approver (an approver contact by role) decides; the customer admin is no approver contact here.
    "customer_decide": (DENIED, DENIED, OK, DENIED, DENIED, DENIED, MISSING, MISSING),
    "organisation_feed_make": (DENIED, DENIED, DENIED, DENIED, DENIED, OK, MISSING, DENIED),
    # Every member reads the change; only the team plans and moves it.
    "change_update": (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, MISSING, OK),
    "change_transition": (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, MISSING, OK),
}

# Rows where ACME's members who may act are exactly the roles with one capability (everyone of ACME sees what the
# service acts on): checked against `ROLES`, so the table above and the roles table cannot drift apart.
GOVERNED_BY: dict[str, Capability] = {
    "ticket_create": Capability.SUBMIT,
    "ticket_reply": Capability.TAKE_PART,
    "ticket_confirm_resolution": Capability.TAKE_PART,
    "ticket_reopen": Capability.TAKE_PART,
    "overage_decide": Capability.DECIDE_OVERAGE,
    "customer_decide": Capability.APPROVE_CHANGES,
    "organisation_feed_make": Capability.CHANGE_FEED,
}


@pytest.fixture
def manager(db) -> User:
    from tests.changes.approval_support import service_manager

    return service_manager()


@pytest.mark.parametrize("service", list(SERVICES))
def test_each_person_gets_what_their_role_allows_and_a_refusal_changes_nothing(
    acme, nord, consultant, manager, service, subtests
):
    case = SERVICES[service]
    scene = _scene(acme, nord, consultant, manager, case.visibility)
    for person, expected in zip(NAMES, EXPECTED[service], strict=True):
        with subtests.test(person=person):
            actor = scene.people[person]
            # Each person meets the same world: what an allowed call wrote is rolled back after it.
            undo = transaction.savepoint_create()
            try:
                before = everything()
                if expected == OK:
                    case.call(scene, actor)
                    assert case.done(scene, actor), (service, person)
                else:
                    with pytest.raises(REFUSALS[expected]):
                        case.call(scene, actor)
                    assert everything() == before, (service, person)
            finally:
                transaction.savepoint_rollback(undo)
                mail.outbox.clear()
                for kept in (cache, caches["timeline"]):
                    kept.clear()
                reference.forget()


def test_every_service_has_its_row():
    assert sorted(EXPECTED) == sorted(SERVICES)
    assert all(len(row) == len(PEOPLE) for row in EXPECTED.values())


@pytest.mark.parametrize("service", list(GOVERNED_BY))
def test_the_table_agrees_with_the_roles_table(service):
    row = EXPECTED[service]
    acting = {PEOPLE[name] for name, outcome in zip(NAMES, row, strict=True) if PEOPLE[name] and outcome == OK}
    refused = {PEOPLE[name] for name, outcome in zip(NAMES, row, strict=True) if PEOPLE[name] and outcome != OK}
    assert sorted(acting) == roles_with(GOVERNED_BY[service])
    assert not acting & refused, service


def test_every_role_is_in_the_matrix():
    assert {role for role in PEOPLE.values() if role} == set(MembershipRole.values)


def test_the_approver_decides_through_the_contact_their_role_made(acme, nord, consultant, manager):
    scene = _scene(acme, nord, consultant, manager, RequestVisibility.ORGANISATION)
    contact = Contact.objects.get(user=scene.people["approver"])
    assert contact.role == "approver"
    assert not Contact.objects.filter(user=scene.people["customer admin"]).exists()
    assert set(Membership.objects.filter(organisation=acme.organisation).values_list("role", flat=True)) == set(
        MembershipRole.values
    )
