"""Answers are checked by their kind: an e-mail address, a web address, a whole number, a date in the future."""

import datetime as dt

import pytest
from django.utils import timezone

from picocore.catalog.admin import FormFieldInline
from picocore.catalog.choices import FieldKind
from picocore.catalog.forms import ANSWER_PREFIX, RequestForm
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def form_for(acme, kind: str, value: str, *, required: bool = True) -> RequestForm:
    request_type = factories.RequestTypeFactory(name=f"Typed {kind}", slug=f"typed-{kind}".replace("_", "-"))
    factories.FormFieldFactory(request_type=request_type, key="answer", label="Answer", kind=kind, required=required)
    data = {"title": "A question", "description": "Details.", "impact": "low", "urgency": "low"}
    data[ANSWER_PREFIX + "answer"] = value
    return RequestForm(data, request_type=request_type, organisation=acme.organisation)


GOOD = [
    (FieldKind.EMAIL, " Anna@Example.com ", "Anna@Example.com"),
    (FieldKind.URL, "https://shop.example.com/p/1?x=2", "https://shop.example.com/p/1?x=2"),
    (FieldKind.URL, "shop.example.com/p/1", "https://shop.example.com/p/1"),
    (FieldKind.WHOLE_NUMBER, "42", 42),
    (FieldKind.WHOLE_NUMBER, "-3", -3),
    (FieldKind.FUTURE_DATE, (TODAY + dt.timedelta(days=1)).isoformat(), (TODAY + dt.timedelta(days=1)).isoformat()),
]
BAD = [
    (FieldKind.EMAIL, "anna.example.com", "Enter an e-mail address, e.g. name@example.com."),
    (FieldKind.EMAIL, "anna@", "Enter an e-mail address, e.g. name@example.com."),
    (FieldKind.EMAIL, "a" * 250 + "@example.com", "Ensure this value has at most 254 characters (it has 262)."),
    (FieldKind.URL, "not a web address", "Enter a web address, e.g. https://example.com/page."),
    (FieldKind.URL, "ftp//broken", "Enter a web address, e.g. https://example.com/page."),
    (FieldKind.WHOLE_NUMBER, "4.5", "Enter a whole number, e.g. 12, without decimals or units."),
    (FieldKind.WHOLE_NUMBER, "12 users", "Enter a whole number, e.g. 12, without decimals or units."),
    (FieldKind.WHOLE_NUMBER, str(10**16), "Ensure this value is less than or equal to 1000000000000000."),
    (FieldKind.FUTURE_DATE, TODAY.isoformat(), "Choose a date after today."),
    (FieldKind.FUTURE_DATE, (TODAY - dt.timedelta(days=30)).isoformat(), "Choose a date after today."),
    (FieldKind.FUTURE_DATE, "next week", "Enter a date, e.g. 2030-12-31."),
]


@pytest.mark.parametrize(("kind", "value", "stored"), GOOD)
def test_a_good_answer_is_accepted_and_stored(acme, kind, value, stored):
    form = form_for(acme, kind, value)
    assert form.is_valid(), form.errors
    (answer,) = form.ticket_arguments()["answers"]
    assert answer == {"key": "answer", "label": "Answer", "kind": kind, "value": stored}


@pytest.mark.parametrize(("kind", "value", "message"), BAD)
def test_a_bad_answer_is_refused_with_a_clear_message(acme, kind, value, message):
    form = form_for(acme, kind, value)
    assert not form.is_valid()
    assert form.errors == {ANSWER_PREFIX + "answer": [message]}


@pytest.mark.parametrize("kind", [FieldKind.EMAIL, FieldKind.URL, FieldKind.WHOLE_NUMBER, FieldKind.FUTURE_DATE])
def test_an_optional_typed_answer_may_be_left_empty(acme, kind):
    form = form_for(acme, kind, "", required=False)
    assert form.is_valid(), form.errors
    assert form.ticket_arguments()["answers"][0]["value"] in (None, "")


def test_a_nul_byte_in_an_address_is_refused_not_stored(acme):
    form = form_for(acme, FieldKind.EMAIL, "an\x00na@example.com")
    assert not form.is_valid()
    assert "Null characters are not allowed." in form.errors[ANSWER_PREFIX + "answer"]


def test_the_portal_shows_the_message_next_to_the_field_and_saves_nothing(client, acme):
    request_type = factories.RequestTypeFactory(name="Access", slug="access", asks_impact_and_urgency=False)
    acme.organisation.contracts.get().tier.request_types.add(request_type)
    factories.FormFieldFactory(request_type=request_type, key="contact", label="Contact address", kind=FieldKind.EMAIL)
    client.force_login(acme.requester)
    response = client.post(
        "/portal/new/access/", {"title": "Access please", "description": "For Bo.", "q_contact": "bo at acme"}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter an e-mail address, e.g. name@example.com." in content
    assert 'type="email"' in content
    assert acme.organisation.tickets.count() == 0


def test_the_admin_offers_every_kind():
    field = FormFieldInline.model._meta.get_field("kind")
    assert {FieldKind.EMAIL, FieldKind.URL, FieldKind.WHOLE_NUMBER, FieldKind.FUTURE_DATE} <= {
        value for value, _ in field.choices
    }
    assert "kind" in FormFieldInline.fields
    assert field.help_text
