"""The solution and environment questions offer the organisation's own landscape, kept per process, and read a
posted choice as a query of the organisation's rows would: by its id, anything else refused with one message."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from picocore.catalog.choices import FieldKind
from picocore.catalog.forms import ANSWER_PREFIX, RequestForm
from picocore.catalog.models import RequestType
from picocore.core import reference
from tests import factories

pytestmark = pytest.mark.django_db

INVALID = "Select a valid choice. That choice is not one of the available choices."
NUL = "Null characters are not allowed."


@pytest.fixture
def landscape_type(acme):
    request_type = factories.RequestTypeFactory(name="Landscape", slug="landscape")
    for kind in (FieldKind.SOLUTION, FieldKind.ENVIRONMENT):
        factories.FormFieldFactory(request_type=request_type, key=kind, label=kind, kind=kind, required=True)
    return RequestType.objects.prefetch_related("fields").get(pk=request_type.pk)  # as the catalogue keeps it


def form(acme, request_type, **answers) -> RequestForm:
    data = {"title": "A question", "description": "Details.", "impact": "low", "urgency": "low"}
    data.update({ANSWER_PREFIX + key: value for key, value in answers.items()})
    return RequestForm(data, request_type=request_type, organisation=acme.organisation)


def test_a_chosen_solution_and_environment_are_the_organisations_rows(acme, landscape_type):
    with reference.scope():
        answered = form(acme, landscape_type, solution=f" {acme.solution.pk} ", environment=str(acme.staging.pk))
        assert answered.is_valid(), answered.errors
        with CaptureQueriesContext(connection) as captured:  # what the process keeps answers a second form
            again = form(acme, landscape_type, solution=str(acme.solution.pk), environment=str(acme.production.pk))
            assert again.is_valid(), again.errors
    assert [q["sql"] for q in captured.captured_queries] == []
    assert (answered.cleaned_data["q_solution"], answered.cleaned_data["q_environment"]) == (
        acme.solution,
        acme.staging,
    )
    assert (again.cleaned_data["q_solution"], again.cleaned_data["q_environment"]) == (acme.solution, acme.production)


@pytest.mark.parametrize("value", ["foreign", "7.0", "x", "-1", "9" * 30, "1e3"])
def test_anything_but_one_of_the_organisations_ids_is_refused_with_one_message(acme, nord, landscape_type, value):
    if value == "foreign":
        solution, environment = str(nord.solution.pk), str(nord.production.pk)
    else:
        solution = environment = value
    refused = form(acme, landscape_type, solution=solution, environment=environment)
    assert not refused.is_valid()
    assert refused.errors["q_solution"] == [INVALID]
    assert refused.errors["q_environment"] == [INVALID]


def test_a_nul_in_a_choice_is_named(acme, landscape_type):
    refused = form(acme, landscape_type, solution="1\x00", environment=str(acme.production.pk))
    assert not refused.is_valid()
    assert refused.errors["q_solution"] == [NUL]


def test_the_options_are_the_organisations_landscape_in_order(acme, nord, landscape_type):
    factories.SolutionFactory(organisation=acme.organisation, name="ACME Assets")
    shown = RequestForm(request_type=landscape_type, organisation=acme.organisation)
    assert [label for _value, label in shown.fields["q_solution"].choices] == [
        "Choose a solution…",
        "ACME Assets",
        "ACME PIM",
    ]
    assert [label for _value, label in shown.fields["q_environment"].choices] == [
        "Choose an environment…",
        "ACME PIM · Production",
        "ACME PIM · Staging",
    ]
    assert len(shown.fields["q_solution"].choices) == 3 and bool(shown.fields["q_environment"].choices)
