"""The API's test world: ACME and NORD (served by one operations team), a consultant of another team serving
NORD only, a developer, and tokens for any of them."""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from picocore.api.scopes import ALL_SCOPES
from picocore.api.tokens import api_token_create
from picocore.tenancy.choices import StaffRole, TeamKind
from picocore.tenancy.models import User
from tests import factories
from tests.conftest import Customer, make_customer


class Api:
    """A client speaking JSON with one person's token."""

    def __init__(self, user: User, scopes: frozenset[str] | set[str] = ALL_SCOPES) -> None:
        self.user = user
        self.token = api_token_create(actor=user, name="tests", scopes=sorted(scopes), expires_in_days=30).plaintext
        self.client = Client()

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any):
        return self.client.get(path, params, headers=self._headers(headers))

    def post(self, path: str, data: Any = None, headers: dict[str, str] | None = None):
        return self.client.post(
            path, json.dumps(data or {}), content_type="application/json", headers=self._headers(headers)
        )


@dataclass
class ApiWorld:
    acme: Customer
    nord: Customer
    consultant: User  # serves ACME and NORD
    nord_consultant: User  # serves NORD only
    developer: User

    def api(self, user: User, scopes: frozenset[str] | set[str] = ALL_SCOPES) -> Api:
        return Api(user, scopes)


@pytest.fixture
def world(db, operations_team, consultant) -> ApiWorld:
    acme = make_customer("ACME", operations_team)
    nord = make_customer("NORD", operations_team)
    nord_team = factories.TeamFactory(name="Nord desk", kind=TeamKind.OPERATIONS)
    nord_team.organisations.add(nord.organisation)
    nord_consultant = factories.StaffFactory(full_name="Nina Nord", staff_role=StaffRole.CONSULTANT)
    nord_team.members.add(nord_consultant)
    developer = factories.StaffFactory(full_name="Dev Eloper", staff_role=StaffRole.DEVELOPER)
    return ApiWorld(acme, nord, consultant, nord_consultant, developer)


def error_of(response) -> dict[str, Any]:
    """The envelope's error body, checking its shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]


def new_ticket_body(customer: Customer, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": customer.organisation.slug,
        "request_type": customer.incident.slug,
        "title": "Import fails for DE",
        "description": "Since the 02:00 run.",
        "impact": "high",
        "urgency": "medium",
        "answers": {
            "solution": customer.solution.pk,
            "environment": customer.production.pk,
            "steps": "Run the import.",
        },
    }
    body.update(overrides)
    return body


def read_statements(api: Api, path: str, **params: Any) -> int:
    """The statements of one read of `path`, after a first read (which also records the token's first use)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.support_queries import data_statements

    api.get(path, **params)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, **params)
    assert response.status_code == 200, response.content
    return len(data_statements(captured))
