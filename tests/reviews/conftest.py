"""A review world: Acme's January 2027 on its hour-bank contract (10 h a month, Copenhagen office calendar),
with a clock we move; a service manager and an operations consultant."""

import datetime as dt
from dataclasses import dataclass

import pytest

from picocore.catalog.choices import Impact, TicketType, Urgency
from picocore.contracts.models import Contract, SlaMetric
from picocore.development.services import development_hand_off
from picocore.hours.services import time_log
from picocore.reviews.making import review_make
from picocore.reviews.models import ServiceReview
from picocore.satisfaction.models import Rating
from picocore.sla.models import SlaClock
from picocore.tenancy.choices import TeamKind
from picocore.tickets.choices import EventKind, Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_transition
from tests import factories
from tests.conftest import Customer
from tests.hours.conftest import clock, contract, manager, office  # noqa: F401 (fixtures)
from tests.sla.conftest import CPH

JANUARY = dt.date(2027, 1, 1)


@dataclass
class January:
    """What Acme's January holds, as the review must show it."""

    incident: Ticket  # ACME-1: P2, first response met, resolution missed, resolved and rated 4 with a comment
    waiting: Ticket  # ACME-2: P2, first response still running past its target
    change: Ticket  # ACME-3: a change request handed to development
    major: Ticket  # ACME-4: P1


def clock_row(ticket: Ticket, metric: str, **values) -> SlaClock:
    return SlaClock.objects.create(
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        metric=metric,
        clock="business",
        started_at=ticket.created_at,
        **values,
    )


def build_january(acme: Customer, consultant, clock) -> January:  # noqa: F811
    started = clock()
    incident = acme.ticket(title="Prices missing in the shop")
    waiting = acme.ticket(title="Import stuck")
    change_type = factories.RequestTypeFactory(ticket_type=TicketType.CHANGE_REQUEST, name="Change to the solution")
    acme.organisation.contracts.get().tier.request_types.add(change_type)
    change = acme.ticket(title="New export channel", request_type=change_type, impact=Impact.LOW, urgency=Urgency.LOW)
    developers = factories.TeamFactory(name="Platform", kind=TeamKind.DEVELOPMENT, organisations=[acme.organisation])
    development_hand_off(actor=consultant, ticket=change, team=developers, brief="Add the channel.")
    major = acme.ticket(title="Shop down", impact=Impact.HIGH, urgency=Urgency.HIGH)
    time_log(actor=consultant, ticket=incident, minutes=90, work_date=dt.date(2027, 1, 11))
    ticket_transition(actor=consultant, ticket=incident, to=Status.IN_PROGRESS)
    ticket_transition(actor=consultant, ticket=incident, to=Status.RESOLVED, note="Prices re-imported.")
    resolution = incident.events.filter(kind=EventKind.STATUS_CHANGED).order_by("-id").first()
    Rating.objects.create(
        organisation=acme.organisation,
        ticket=incident,
        resolution=resolution,
        requester=acme.requester,
        score=4,
        comment="Quick and kind.",
    )
    # Clocks as the SLA engine would leave them (this tier has no targets, so the engine derives none: written
    # last, as every timeline change derives the clocks afresh).
    clock_row(
        incident,
        SlaMetric.FIRST_RESPONSE,
        target_seconds=3600,
        stopped_at=started + dt.timedelta(minutes=20),
        elapsed_seconds=1200,
    )
    clock_row(
        incident,
        SlaMetric.RESOLUTION,
        target_seconds=7200,
        stopped_at=started + dt.timedelta(hours=5),
        breached_at=started + dt.timedelta(hours=2),
        elapsed_seconds=18000,
    )
    clock_row(
        waiting,
        SlaMetric.FIRST_RESPONSE,
        target_seconds=3600,
        due_at=started + dt.timedelta(hours=1),
        elapsed_seconds=600,
    )
    for ticket in (incident, waiting, change, major):
        ticket.refresh_from_db()
    return January(incident=incident, waiting=waiting, change=change, major=major)


@pytest.fixture
def january(acme, consultant, contract, clock) -> January:  # noqa: F811
    return build_january(acme, consultant, clock)


@pytest.fixture
def review(contract, january, clock) -> ServiceReview:  # noqa: F811
    """January's review, made on the first business day of February (Monday 1 February 2027)."""
    clock.set(dt.datetime(2027, 2, 1, 7, 0, tzinfo=CPH))
    return review_make(contract=contract, month=JANUARY)[0]


def acme_contract(acme: Customer) -> Contract:
    return Contract.objects.get(organisation=acme.organisation)
