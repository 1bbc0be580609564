"""Hostile input on every URL of the project, as every role: never a 500, never an exception.

Every URL pattern (the admin's and static files' aside) is walked from the root URL configuration; its path
parameters are filled with real objects' values and with hostile strings; GET requests carry hostile query
strings (the page's own filter fields, random keys, duplicates, NUL, huge numbers, inf/nan, broken
percent-encodings, bad dates, over-long text) and POST requests hostile form fields (the fields of the forms
the project's pages send to that URL, found in their HTML, plus random keys), as multipart or urlencoded.

The budget is fixed and the examples derandomized, so CI runs the same requests every time; set
PICOCORE_FUZZ_EXAMPLES to run more. A view's exception propagates out of the test client, with its traceback.
"""

import os
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.desk.conftest import body
from tests.fuzz.conftest import ROLES, FuzzWorld
from tests.fuzz.strategies import RAW_ESCAPES, encoded, form_data, hostile_text, query_string
from tests.fuzz.urls import EXCLUDED_PREFIXES, project_routes

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("PICOCORE_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# Keys of links rather than forms (the next page's cursor, the portal's page number), tried on every URL.
QUERY_KEYS = ("after", "page", "show", "next")


def test_every_url_is_walked_and_has_values_for_its_parameters(world: FuzzWorld):
    names = {route.name for route in world.routes}
    assert {"home", "healthz", "accounts:login", "portal:new_request", "desk:bulk", "reports:sla_csv"} <= names
    assert "mail:message" in names and "notifications:settings" in names
    assert not any(route.route.startswith(EXCLUDED_PREFIXES) for route in world.routes)
    assert len(names) == len(world.routes) == len(project_routes())
    missing = {name for route in world.routes for _, name in route.parameters if name not in world.real_values}
    assert missing == set(), "give the fuzz world real values for these path parameters"


def test_forms_are_found_for_the_pages_that_take_posts(world: FuzzWorld):
    """The POST fuzzing is not blind: the forms of the pages are found, with the values they offer."""
    fields = world.form_fields
    assert {"body", "attachments"} <= set(fields["desk:reply"])
    assert {"team", "assignee"} <= set(fields["desk:assign"])
    assert {"action", "keys", "to", "team"} <= set(fields["desk:bulk"])
    assert {"title", "description", "impact", "urgency"} <= set(fields["portal:new_request"])
    assert {"q", "organisation", "sort", "status"} <= set(fields["desk:queue"])
    assert {"from", "to", "group", "organisation"} <= set(fields["reports:sla"])
    assert {"username", "password"} <= set(fields["accounts:login"])
    assert str(world.desk.operations.pk) in fields["desk:assign"]["team"]


def _path(world: FuzzWorld, route, data) -> str:
    values = {}
    for _converter, name in route.parameters:
        real = st.sampled_from(world.real_values[name]).map(lambda value: quote(value, safe=""))
        values[name] = data.draw(st.one_of(real, real, encoded(hostile_text)), label=name)
    return route.path(values)


def _client(world: FuzzWorld, role: str) -> Client:
    client = Client()
    person = world.people[role]
    if person is not None:
        client.force_login(person)
    return client


def _check(response, method: str, path: str) -> None:
    content = body(response)  # a download streams: read it to the end so the file is closed
    assert response.status_code < 500, (method, path, response.status_code, content[:500])


@given(data=st.data())
@FUZZ
def test_no_get_answers_500(world: FuzzWorld, data):
    role = data.draw(st.sampled_from(ROLES), label="role")
    route = data.draw(st.sampled_from(world.routes), label="route")
    path = _path(world, route, data)
    fields = world.form_fields.get(route.name, {})
    query = data.draw(query_string(sorted(set(fields) | set(QUERY_KEYS)), fields), label="query")
    with transaction.atomic():
        client = _client(world, role)
        url = f"{path}?{query}" if query else path
        _check(client.get(url), "GET", url)
        transaction.set_rollback(True)


def _urlencoded(data: dict[str, list[str]], raw: list[str]) -> str:
    pairs = [f"{quote(key, safe='')}={quote(value, safe='')}" for key, values in data.items() for value in values]
    return "&".join(pairs + raw)


@given(data=st.data())
@FUZZ
def test_no_post_answers_500(world: FuzzWorld, data):
    role = data.draw(st.sampled_from(ROLES), label="role")
    route = data.draw(st.sampled_from(world.routes), label="route")
    path = _path(world, route, data)
    fields = world.form_fields.get(route.name, {})
    sent = data.draw(form_data(fields), label="form")
    with transaction.atomic():
        client = _client(world, role)
        if data.draw(st.booleans(), label="multipart"):
            response = client.post(path, sent)
        else:
            raw = data.draw(st.lists(st.sampled_from(RAW_ESCAPES).map(lambda e: f"{e}={e}"), max_size=2))
            payload = _urlencoded(sent, raw)
            response = client.post(path, payload, content_type="application/x-www-form-urlencoded")
        _check(response, "POST", path)
        transaction.set_rollback(True)
