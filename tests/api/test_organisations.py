"""Organisations, their contracts and the request types they are offered: the directory a client reads before
filing, scoped exactly as the pages scope it."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.catalog.choices import FieldKind
from picocore.contracts.models import SlaTarget
from picocore.core import reference
from picocore.tickets.models import Ticket
from tests import factories
from tests.api.conftest import ApiWorld, error_of, new_ticket_body
from tests.support_queries import data_statements

pytestmark = pytest.mark.django_db

LIST = "/api/v1/organisations/"


def detail(slug: str, part: str = "") -> str:
    return f"/api/v1/organisations/{slug}/" + (f"{part}/" if part else "")


def statements(api, path: str) -> int:
    """The statements of one read of `path`, after a first read (which also records the token's first use)."""
    api.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(data_statements(captured))


def test_staff_list_the_organisations_they_serve_and_customers_their_own(world: ApiWorld):
    acme, nord = world.acme.organisation, world.nord.organisation
    assert [o["slug"] for o in world.api(world.consultant).get(LIST).json()["results"]] == [acme.slug, nord.slug]
    assert [o["slug"] for o in world.api(world.nord_consultant).get(LIST).json()["results"]] == [nord.slug]
    assert [o["slug"] for o in world.api(world.acme.requester).get(LIST).json()["results"]] == [acme.slug]
    body = world.api(world.acme.requester).get(detail(acme.slug)).json()
    assert body["name"] == acme.name and body["key_prefix"] == "ACME"
    assert body["contracts"] == detail(acme.slug, "contracts")


def test_another_organisations_detail_and_parts_are_404(world: ApiWorld):
    nord_customer = world.api(world.nord.requester)
    nord_consultant = world.api(world.nord_consultant)
    acme = world.acme.organisation.slug
    for api in (nord_customer, nord_consultant):
        for path in (detail(acme), detail(acme, "contracts"), detail(acme, "request-types")):
            response = api.get(path)
            assert response.status_code == 404, path
            assert error_of(response)["code"] == "not_found"
    assert nord_customer.get(detail("no-such-organisation")).status_code == 404


def test_a_token_without_the_directory_scope_is_refused(world: ApiWorld):
    api = world.api(world.consultant, {"tickets:read"})
    for path in (LIST, detail(world.acme.organisation.slug), detail(world.acme.organisation.slug, "contracts")):
        response = api.get(path)
        assert response.status_code == 403 and error_of(response)["code"] == "permission_denied", path
    assert world.api(world.consultant, {"directory:read"}).get(LIST).status_code == 200


def test_the_detail_carries_an_etag(world: ApiWorld):
    api = world.api(world.acme.admin)
    path = detail(world.acme.organisation.slug)
    etag = api.get(path)["ETag"]
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 304
    world.acme.organisation.name = "Acme Group"
    world.acme.organisation.save()
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_the_list_is_paged_by_a_cursor_and_a_bad_one_is_400(world: ApiWorld):
    for n in range(3):
        world.consultant.teams.first().organisations.add(factories.OrganisationFactory(name=f"Zeta {n}"))
    api = world.api(world.consultant)
    first = api.get(LIST, page_size=2).json()
    assert len(first["results"]) == 2 and first["next"]
    seen = [o["slug"] for o in first["results"]]
    following = first["next"]
    while following:
        page = api.client.get(following, headers=api._headers(None)).json()
        seen += [o["slug"] for o in page["results"]]
        following = page["next"]
    assert len(seen) == len(set(seen)) == 5
    for bad in ("nonsense", "\x00", "x" * 5000):
        response = api.get(LIST, cursor=bad)
        assert response.status_code == 400 and "cursor" in error_of(response)["fields"]
    for bad in ("0", "-1", "abc", "201", "9" * 40):
        assert api.get(LIST, page_size=bad).status_code == 400


def test_the_list_costs_the_same_for_more_organisations(world: ApiWorld):
    api = world.api(world.consultant)
    before = statements(api, LIST)
    team = world.consultant.teams.first()
    for n in range(5):
        team.organisations.add(factories.OrganisationFactory(name=f"More {n}"))
    assert statements(api, LIST) == before


def test_contracts_carry_tier_term_hotline_and_the_response_times_in_force(world: ApiWorld):
    contract = world.acme.organisation.contracts.get()
    contract.hotline_number = "+49 30 1234"
    contract.ends_on = dt.date(2099, 12, 31)
    contract.save()
    SlaTarget.objects.create(tier=contract.tier, priority=1, metric="first_response", minutes=60)
    SlaTarget.objects.create(tier=contract.tier, priority=1, metric="resolution", minutes=480)
    SlaTarget.objects.create(contract=contract, priority=1, metric="first_response", minutes=30, clock="calendar")
    factories.ContractFactory(organisation=world.acme.organisation, tier=contract.tier,
                              starts_on=dt.date(2018, 1, 1), ends_on=dt.date(2019, 12, 31))  # fmt: skip
    for user in (world.acme.requester, world.consultant):
        body = world.api(user).get(detail(world.acme.organisation.slug, "contracts")).json()
        by_id = {c["id"]: c for c in body["results"]}
        current, old = by_id.pop(contract.pk), by_id.popitem()[1]
        assert current["id"] == contract.pk and current["in_force"] and not old["in_force"]
        assert current["hotline_number"] == "+49 30 1234" and current["ends_on"] == "2099-12-31"
        assert current["tier"]["slug"] == contract.tier.slug
        assert current["response_times"] == [
            {"priority": 1, "metric": "first_response", "minutes": 30, "clock": "calendar"},
            {"priority": 1, "metric": "resolution", "minutes": 480, "clock": "business"},
        ]
        assert old["response_times"] == [
            {"priority": 1, "metric": "first_response", "minutes": 60, "clock": "business"},
            {"priority": 1, "metric": "resolution", "minutes": 480, "clock": "business"},
        ]


def test_the_contract_list_costs_the_same_for_more_contracts_and_targets(world: ApiWorld):
    api = world.api(world.consultant)
    path = detail(world.acme.organisation.slug, "contracts")
    before = statements(api, path)
    for year in range(2010, 2015):
        old = factories.ContractFactory(organisation=world.acme.organisation, starts_on=dt.date(year, 1, 1),
                                        ends_on=dt.date(year, 12, 31))  # fmt: skip
        SlaTarget.objects.create(contract=old, priority=2, metric="resolution", minutes=600)
        SlaTarget.objects.create(tier=old.tier, priority=2, metric="first_response", minutes=60)
    assert statements(api, path) == before


def test_request_types_list_the_questions_and_the_answers_they_accept(world: ApiWorld):
    api = world.api(world.acme.requester)
    body = api.get(detail(world.acme.organisation.slug, "request-types")).json()
    (incident,) = body["results"]
    assert incident["slug"] == world.acme.incident.slug and incident["type"] == "incident"
    questions = {q["key"]: q for q in incident["questions"]}
    assert [q["key"] for q in incident["questions"]] == ["solution", "environment", "steps"]
    assert questions["steps"]["kind"] == "long_text" and questions["steps"]["required"]
    assert questions["solution"]["choices"] == [{"value": str(world.acme.solution.pk), "label": "ACME PIM"}]
    environments = {c["value"] for c in questions["environment"]["choices"]}
    assert environments == {str(world.acme.production.pk), str(world.acme.staging.pk)}
    # The answers built from what the resource lists are what POST /api/v1/tickets/ accepts.
    answers = {
        "solution": questions["solution"]["choices"][0]["value"],
        "environment": str(world.acme.production.pk),
        "steps": "Run it.",
    }
    created = api.post("/api/v1/tickets/", new_ticket_body(world.acme, answers=answers))
    assert created.status_code == 201, created.content
    assert Ticket.objects.get().environment == world.acme.production


def test_a_choice_question_lists_its_options_and_an_unoffered_type_is_absent(world: ApiWorld):
    factories.FormFieldFactory(request_type=world.acme.incident, key="browser", label="Browser",
                               kind=FieldKind.CHOICE, choices="Firefox\nChrome\n", position=9)  # fmt: skip
    factories.RequestTypeFactory(name="Not offered")
    body = world.api(world.consultant).get(detail(world.acme.organisation.slug, "request-types")).json()
    assert [rt["slug"] for rt in body["results"]] == [world.acme.incident.slug]
    browser = body["results"][0]["questions"][-1]
    assert browser["choices"] == [{"value": "Firefox", "label": "Firefox"}, {"value": "Chrome", "label": "Chrome"}]
    # NORD's own solutions are never among ACME's choices, for the consultant serving both either.
    offered = {q["key"]: {c["value"] for c in q["choices"]} for q in body["results"][0]["questions"]}
    assert offered["solution"] == {str(world.acme.solution.pk)}
    assert str(world.nord.production.pk) not in offered["environment"]


def test_the_request_type_list_costs_the_same_for_more_types_and_questions(world: ApiWorld):
    api = world.api(world.consultant)
    path = detail(world.acme.organisation.slug, "request-types")
    before = statements(api, path)
    tier = world.acme.organisation.contracts.get().tier
    for n in range(4):
        offered = factories.RequestTypeFactory(name=f"Service {n}")
        tier.request_types.add(offered)
        factories.FormFieldFactory(request_type=offered, key="when", label="When", kind=FieldKind.DATE)
        factories.FormFieldFactory(request_type=offered, key="env", label="Env", kind=FieldKind.ENVIRONMENT)
    reference.forget()  # as a change of reference data does: the kept lists are read again (`statements` warms)
    assert statements(api, path) == before
