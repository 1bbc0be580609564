"""The contract test: schemathesis generates requests from the committed OpenAPI document for every operation
(valid and invalid input) and sends them to the application, signed in with a consultant's token. No answer
may be a 5xx, and every answer must match what the document says of its status, content type and body."""

from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

import picocore.api
from picocore.api.scopes import ALL_SCOPES
from picocore.api.tokens import api_token_create
from picocore.changes.models import Change, ChangeComponent
from picocore.changes.services import change_create
from picocore.cmdb.models import Component
from picocore.development.models import DevelopmentItem
from picocore.hours.services import time_log
from picocore.knowledge.services import ArticleFields, article_create, article_publish
from picocore.problems.services import problem_create, problem_link_incident, problem_publish_known_issue
from picocore.tenancy.choices import TeamKind
from picocore.tickets.models import Ticket
from tests.api.conftest import ApiWorld
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_path(Path(picocore.api.__file__).parent / "openapi.yaml")
schema.app = get_wsgi_application()

# Every scope but the alert intake's (a consultant's token sends no alerts): each operation is answered for real.
CONTRACT_SCOPES = sorted(ALL_SCOPES - {"alerts:ingest"})

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.content_type_conformance,
]


def the_other_capabilities(world: ApiWorld, ticket: Ticket) -> None:
    """A row of each of the other capabilities' resources, so that their lists and bodies are checked too (once:
    every example of the test runs in the same world)."""
    if Component.objects.exists():
        return
    component = Component.objects.create(environment=world.acme.production, name="Akeneo PIM", kind="application")
    change = change_create(actor=world.consultant, organisation_id=world.acme.organisation.pk, change_type="normal",
                           title="Upgrade", reason="Fix")  # fmt: skip
    Change.objects.filter(pk=change.pk).update(status="scheduled")
    ChangeComponent.objects.create(organisation_id=change.organisation_id, change=change, component=component)
    problem = problem_create(actor=world.consultant, title="Imports stall", workaround="Restart")
    problem_link_incident(actor=world.consultant, problem_id=problem.pk, ticket_key=ticket.key)
    problem_publish_known_issue(actor=world.consultant, problem_id=problem.pk, title="Stalls", text="Restart")
    article = article_create(actor=world.consultant, fields=ArticleFields(title="Cache", audience="customers"))
    article_publish(actor=world.consultant, article_id=article.pk)
    team = TeamFactory(name="Web development", kind=TeamKind.DEVELOPMENT)
    team.members.add(world.consultant)  # the token's holder reads the board too
    item = DevelopmentItem.objects.create(organisation=ticket.organisation, ticket=ticket, team=team, title="Layout",
                                          brief="Build it.", handed_over_by=world.consultant)  # fmt: skip
    time_log(actor=world.consultant, ticket=ticket, minutes=30, description="Read the logs", development_item=item)


@pytest.fixture(autouse=True)
def _connection_kept_between_requests():
    """Schemathesis calls the WSGI application itself, not through Django's test client, so Django's
    `close_old_connections` would run at each request's start and end and, inside the test's transaction,
    close the connection the next request needs (on PostgreSQL). The test client keeps it open the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def contract_token(world: ApiWorld) -> str:
    """One token for every generated example of an operation (Hypothesis runs them in one test's world)."""
    return api_token_create(
        actor=world.consultant, name="contract", scopes=CONTRACT_SCOPES, expires_in_days=7
    ).plaintext


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(case, world: ApiWorld, contract_token: str):
    the_other_capabilities(world, world.acme.ticket())
    case.call_and_validate(headers={"Authorization": f"Bearer {contract_token}"}, checks=CHECKS)
