"""Shared fixtures: a small customer world built fresh for each test.

Tests that need real transactions (concurrency, subprocesses, live servers) are marked `transactional` and
use `serialized_rollback=True`: each ends with a flush that also removes what migrations install (the
priority matrix, the mail policy, content types), so `make test` runs them after the parallel part, where
no ordinary test can follow one.
"""

import socket
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache, caches

from picocore.catalog.choices import FieldKind, Impact, TicketType, Urgency
from picocore.catalog.models import RequestType
from picocore.cmdb.models import Environment, Solution
from picocore.core import reference
from picocore.tenancy.backends import ReachBackend
from picocore.tenancy.choices import MembershipRole, StaffRole, TeamKind
from picocore.tenancy.models import Organisation, Team, User
from picocore.tickets.models import Ticket
from picocore.tickets.services import ticket_create
from tests import factories


@dataclass
class Customer:
    """One customer organisation with a contract, a landscape, a requester and a customer admin."""

    organisation: Organisation
    requester: User
    admin: User
    incident: RequestType
    solution: Solution
    production: Environment
    staging: Environment

    def ticket(self, *, by: User | None = None, title: str = "Images missing", **overrides) -> Ticket:
        arguments = {
            "actor": by or self.requester,
            "organisation": self.organisation,
            "request_type": self.incident,
            "title": title,
            "description": "Since this morning.",
            "impact": Impact.HIGH,
            "urgency": Urgency.MEDIUM,
            "solution": self.solution,
            "environment": self.production,
        }
        arguments.update(overrides)
        return ticket_create(**arguments)


def make_customer(prefix: str, team: Team | None = None) -> Customer:
    organisation = factories.OrganisationFactory(key_prefix=prefix, name=f"{prefix.title()} Ltd")
    incident = factories.RequestTypeFactory(ticket_type=TicketType.INCIDENT, name=f"Incident {prefix}")
    factories.FormFieldFactory(request_type=incident, key="solution", label="Solution", kind=FieldKind.SOLUTION,
                               required=True, position=1)  # fmt: skip
    factories.FormFieldFactory(request_type=incident, key="environment", label="Environment",
                               kind=FieldKind.ENVIRONMENT, required=True, position=2)  # fmt: skip
    factories.FormFieldFactory(request_type=incident, key="steps", label="Steps to reproduce",
                               kind=FieldKind.LONG_TEXT, required=True, position=3)  # fmt: skip
    tier = factories.TierFactory()
    tier.request_types.add(incident)
    factories.ContractFactory(organisation=organisation, tier=tier)
    solution = factories.SolutionFactory(organisation=organisation, name=f"{prefix} PIM")
    production = factories.EnvironmentFactory(solution=solution, kind="production")
    staging = factories.EnvironmentFactory(solution=solution, kind="staging")
    requester = factories.UserFactory(full_name=f"{prefix} Requester")
    admin = factories.UserFactory(full_name=f"{prefix} Admin")
    factories.MembershipFactory(user=requester, organisation=organisation, role=MembershipRole.REQUESTER)
    factories.MembershipFactory(user=admin, organisation=organisation, role=MembershipRole.CUSTOMER_ADMIN)
    if team is not None:
        team.organisations.add(organisation)
    return Customer(organisation, requester, admin, incident, solution, production, staging)


def prove_recently(client) -> None:
    """Record in the client's session that its person has just proved themselves (`picocore.accounts.stepup`),
    as the step-up page does: for the pages that ask for a fresh proof, such as the admin's contracts."""
    from picocore.accounts.stepup import PROOF_KEY
    from picocore.core.clock import now

    session = client.session
    session[PROOF_KEY] = {"at": now().isoformat(), "factor": "password"}
    session.save()


@pytest.fixture
def root(client, db) -> User:
    """An administrator with Django admin rights, signed in on `client` and recently proved (no second factor
    set up yet, within the grace period). Ask for it after a fixture that sets the clock, or the proof is from
    the future."""
    user = factories.UserFactory(full_name="Rune Root", staff_role=StaffRole.ADMINISTRATOR, is_staff=True,
                                 is_superuser=True)  # fmt: skip
    client.force_login(user)
    prove_recently(client)
    return user


def signed_in(user: User) -> User:
    """The person as their next request gets them: read afresh, with their reach, by the session's backend
    (what the tenancy scope decides is read once per user object, so once per request)."""
    fresh = ReachBackend().get_user(user.pk)
    assert fresh is not None
    return fresh


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: ids repeat between tests, so counts cached per person in one
    test must not be read in the next (nor timeline entries kept in one, though their keys hold what they show,
    nor reference data loaded in one: a test's rolled-back data may reach a value without moving the token)."""
    for kept in (cache, caches["timeline"]):
        kept.clear()
    reference.forget()
    yield
    for kept in (cache, caches["timeline"]):
        kept.clear()
    reference.forget()


@pytest.fixture
def operations_team(db) -> Team:
    return factories.TeamFactory(name="Operations", kind=TeamKind.OPERATIONS)


@pytest.fixture
def consultant(operations_team) -> User:
    user = factories.StaffFactory(full_name="Carla Consultant", staff_role=StaffRole.CONSULTANT)
    operations_team.members.add(user)
    return user


@pytest.fixture
def acme(operations_team) -> Customer:
    return make_customer("ACME", operations_team)


@pytest.fixture
def nord(operations_team) -> Customer:
    return make_customer("NORD", operations_team)


class SmtpSink:
    """A real SMTP server on loopback that keeps the raw messages it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_sink(settings) -> SmtpSink:
    """Outgoing mail goes over SMTP to a local server; its `messages` are what arrived."""
    sink = SmtpSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    yield sink
    controller.stop()
