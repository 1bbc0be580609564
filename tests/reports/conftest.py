"""A small SLA history for the reports, built through the services while the `clock` fixture moves time.

Acme ("Standard" tier) and Nord (on "Essential" until October, "Premium" from 1 November 2026) share the
Copenhagen office calendar (Monday to Friday 08:00–16:00) and the same targets, in business minutes:
P1 60 to respond and 480 to resolve, P2 120 and 960, P3 240 and 1920. Times below are Copenhagen's; the
tests run in America/Santiago, which puts ACME-5 (1 December, 01:00 in Copenhagen) in November.

    NORD-1  P2  Mon 26 Oct 09:00  reply 09:15 (15 min, met)     resolved 15:00 (6 h, met)        Essential
    ACME-1  P2  Mon 23 Nov 09:00  reply 10:00 (1 h, met)        resolved 12:00 (3 h, met)
    ACME-2  P2  Mon 23 Nov 09:00  reply 12:00 (3 h, missed)     unresolved, due Wed 25 09:00 (missed)
    ACME-3  P1  Mon 23 Nov 09:00  reply 09:30 (30 min, met)     resolved Tue 24 10:00 (9 h, missed)
    NORD-2  P2  Mon 23 Nov 10:00  reply 10:30 (30 min, met)     resolved 11:00 (1 h, met)        Premium
    ACME-4  P1  Mon 23 Nov 13:00  no reply, due 14:00 (missed)  unresolved, due Tue 24 13:00 (missed)
    ACME-5  P3  Tue 1 Dec 01:00   running, due 12:00            running                          (November)

The report is read on Tuesday 1 December 2026 at 09:00 in Copenhagen. Carla's Operations team serves both
customers; Otto's "Nord desk" serves Nord only; Mona is a service manager; Dana a developer.
"""

import datetime as dt
from dataclasses import dataclass

import pytest

from picocore.catalog.choices import Impact, Urgency
from picocore.contracts.models import Contract, Tier
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import Team, User
from picocore.tickets.choices import Status
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_reply, ticket_transition
from tests import factories
from tests.conftest import Customer
from tests.sla import conftest as sla
from tests.sla.conftest import CPH, Clock, set_targets

# The SLA tests' moving clock and office calendar, as fixtures of this directory too.
clock = sla.clock
office = sla.office

TARGETS = {
    "p1_first_response": 60, "p1_resolution": 480,
    "p2_first_response": 120, "p2_resolution": 960,
    "p3_first_response": 240, "p3_resolution": 1920,
}  # fmt: skip


def cph(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CPH)


REPORT_TIME = cph(12, 1, 9)


@dataclass
class ReportWorld:
    acme: Customer
    nord: Customer
    consultant: User  # Carla: serves ACME and Nord
    outsider: User  # Otto: serves Nord only
    manager: User
    developer: User
    standard: Tier
    essential: Tier
    premium: Tier
    tickets: dict[str, Ticket]


def _rename_tier(customer: Customer, name: str, rank: int) -> Tier:
    tier = customer.organisation.contracts.get().tier
    tier.name, tier.slug, tier.rank = name, name.lower(), rank
    tier.save()
    return tier


def _resolve(ticket: Ticket, by: User) -> None:
    ticket_transition(actor=by, ticket=ticket, to=Status.IN_PROGRESS)
    ticket_transition(actor=by, ticket=ticket, to=Status.RESOLVED, note="Fixed.")


@pytest.fixture
def report_world(acme, nord, consultant, operations_team, office, clock: Clock) -> ReportWorld:
    for customer in (acme, nord):
        Contract.objects.filter(organisation=customer.organisation).update(calendar=office)
    standard = _rename_tier(acme, "Standard", 2)
    essential = _rename_tier(nord, "Essential", 1)
    premium = Tier.objects.create(name="Premium", slug="premium", rank=3)
    premium.request_types.add(nord.incident)
    Contract.objects.create(
        organisation=nord.organisation, tier=premium, starts_on=dt.date(2026, 11, 1), calendar=office
    )
    for tier in (standard, essential, premium):
        set_targets(tier, **TARGETS)

    outsider = factories.StaffFactory(full_name="Otto Outsider", staff_role=StaffRole.CONSULTANT)
    nord_desk = factories.TeamFactory(name="Nord desk", kind=TeamKind.OPERATIONS)
    nord_desk.organisations.add(nord.organisation)
    nord_desk.members.add(outsider)
    manager = factories.StaffFactory(full_name="Mona Manager", staff_role=StaffRole.SERVICE_MANAGER)
    developer = factories.StaffFactory(full_name="Dana Developer", staff_role=StaffRole.DEVELOPER)
    Team.objects.create(name="Nord development", kind=TeamKind.DEVELOPMENT).members.add(developer)

    def reply(ticket: Ticket) -> None:
        ticket_reply(actor=consultant, ticket=ticket, body="Looking into it.")

    tickets = {}
    clock.set(cph(10, 26, 9))
    tickets["NORD-1"] = nord.ticket(title="Nord feed stalled")
    clock.set(cph(10, 26, 9, 15))
    reply(tickets["NORD-1"])
    clock.set(cph(10, 26, 15))
    _resolve(tickets["NORD-1"], consultant)

    clock.set(cph(11, 23, 9))
    tickets["ACME-1"] = acme.ticket(title="Acme images missing")
    tickets["ACME-2"] = acme.ticket(title="Acme slow search")
    tickets["ACME-3"] = acme.ticket(title="Acme checkout down", urgency=Urgency.HIGH)
    clock.set(cph(11, 23, 9, 30))
    reply(tickets["ACME-3"])
    clock.set(cph(11, 23, 10))
    reply(tickets["ACME-1"])
    tickets["NORD-2"] = nord.ticket(title="Nord export broken")
    clock.set(cph(11, 23, 10, 30))
    reply(tickets["NORD-2"])
    clock.set(cph(11, 23, 11))
    _resolve(tickets["NORD-2"], consultant)
    clock.set(cph(11, 23, 12))
    reply(tickets["ACME-2"])
    _resolve(tickets["ACME-1"], consultant)
    clock.set(cph(11, 23, 13))
    tickets["ACME-4"] = acme.ticket(title="Acme import failing", urgency=Urgency.HIGH)
    clock.set(cph(11, 24, 10))
    _resolve(tickets["ACME-3"], consultant)
    clock.set(cph(12, 1, 1))
    tickets["ACME-5"] = acme.ticket(title="Acme typo on a page", impact=Impact.MEDIUM)
    clock.set(REPORT_TIME)
    assert [tickets[key].key for key in tickets] == list(tickets)
    assert [tickets[key].priority for key in ("ACME-3", "ACME-4", "ACME-5")] == [1, 1, 3]
    return ReportWorld(
        acme=acme,
        nord=nord,
        consultant=consultant,
        outsider=outsider,
        manager=manager,
        developer=developer,
        standard=standard,
        essential=essential,
        premium=premium,
        tickets=tickets,
    )
