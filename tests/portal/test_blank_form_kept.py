"""A blank request form's fields are rendered once per request type, organisation and language and kept with the
reference data (`picocore.portal.views.blank_fields_html`): the kept HTML is exactly what rendering gives, each
organisation sees only its own landscape in it, and a change to the form's configuration or landscape shows on
the very next page. A form with typed values or errors is rendered afresh."""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from picocore.catalog.choices import FieldKind
from picocore.catalog.forms import RequestForm
from picocore.core import reference
from tests import factories
from tests.portal.support import incident_form

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="(submission|csrfmiddlewaretoken)" value="[^"]*"')


def form_page(client, customer) -> str:
    response = client.get(f"/portal/new/{customer.incident.slug}/")
    assert response.status_code == 200
    return TOKEN.sub(r'name="\1" value=""', response.content.decode())


def fields_html(customer) -> str:
    form = RequestForm(request_type=customer.incident, organisation=customer.organisation)
    return render_to_string("portal/request_form_fields.html", {"form": form})


def test_the_kept_fields_are_what_rendering_gives_and_are_reused(client, acme):
    client.force_login(acme.requester)
    first = form_page(client, acme)
    assert fields_html(acme) in first
    second = form_page(client, acme)
    assert second == first
    kept = [key for key in reference._entries if key[0] == "portal.request-form-fields"]
    assert kept == [("portal.request-form-fields", acme.incident.pk, acme.organisation.pk, "en")]


def test_every_showing_has_its_own_submission_token(client, acme):
    client.force_login(acme.requester)
    tokens = {
        re.search(r'name="submission" value="([^"]+)"', client.get(f"/portal/new/{acme.incident.slug}/").text)[1]
        for _ in range(3)
    }
    assert len(tokens) == 3


def test_each_organisation_sees_only_its_own_landscape(client, acme, nord):
    nord.incident = acme.incident  # the same request type, offered to both
    nord.organisation.contracts.get().tier.request_types.add(acme.incident)
    client.force_login(acme.requester)
    acme_page = form_page(client, acme)
    client.force_login(nord.requester)
    nord_page = client.get(f"/portal/new/{acme.incident.slug}/").text
    assert acme.solution.name in acme_page and nord.solution.name not in acme_page
    assert nord.solution.name in nord_page and acme.solution.name not in nord_page


def test_a_new_question_and_a_new_environment_show_on_the_next_page(client, acme):
    client.force_login(acme.requester)
    assert "Link to the page" not in form_page(client, acme)
    factories.FormFieldFactory(request_type=acme.incident, key="page_url", label="Link to the page", kind=FieldKind.URL)
    assert "Link to the page" in form_page(client, acme)
    factories.EnvironmentFactory(solution=acme.solution, kind="test")
    page = form_page(client, acme)
    assert page.count(f"{acme.solution.name} · Test") == 1
    assert fields_html(acme) in page


def test_the_page_in_another_language_keeps_its_own_fields(client, acme):
    client.force_login(acme.requester)
    english = form_page(client, acme)
    with translation.override("da"):
        danish_fields = fields_html(acme)
    response = client.get(f"/portal/new/{acme.incident.slug}/", headers={"accept-language": "da"})
    assert danish_fields in response.text
    assert danish_fields not in english


def test_a_form_with_errors_is_rendered_afresh_with_what_was_typed(client, acme):
    client.force_login(acme.requester)
    form_page(client, acme)
    response = client.post(f"/portal/new/{acme.incident.slug}/", incident_form(acme, title="Kept title", impact=""))
    assert response.status_code == 400
    assert 'value="Kept title"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert form_page(client, acme).count("Kept title") == 0
