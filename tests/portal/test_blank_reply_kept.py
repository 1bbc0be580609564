"""The request page's blank reply and reopen fields are rendered once per process and language
(`picocore.core.forms.blank_field_groups`): what is kept is exactly what rendering the fields gives, a reply
refused with an error shows its error and what was typed (rendered afresh), and another language gets its own."""

import pytest
from django.utils import translation

from picocore.core import forms as core_forms
from picocore.portal.forms import ReopenForm, ReplyForm
from tests.portal.support import page, resolve

pytestmark = pytest.mark.django_db


def groups(form, *names: str) -> str:
    return "\n".join(form[name].as_field_group() for name in names)


@pytest.fixture(autouse=True)
def nothing_kept():
    core_forms._blank_groups.clear()
    yield
    core_forms._blank_groups.clear()


def test_the_kept_reply_fields_are_what_rendering_gives(client, acme):
    acme.ticket()
    client.force_login(acme.requester)
    first = page(client.get("/portal/requests/ACME-1/"))
    assert groups(ReplyForm(), "body", "attachments") in first
    assert [key[0] for key in core_forms._blank_groups] == [ReplyForm, ReopenForm]
    second = page(client.get("/portal/requests/ACME-1/"))
    assert groups(ReplyForm(), "body", "attachments") in second


def test_a_resolved_request_shows_the_kept_reopen_field(client, acme, consultant):
    ticket = acme.ticket()
    resolve(ticket, consultant)
    client.force_login(acme.requester)
    client.get("/portal/requests/ACME-1/")
    shown = page(client.get("/portal/requests/ACME-1/"))
    assert groups(ReopenForm(), "reason") in shown
    assert 'name="reason"' in shown


def test_a_refused_reply_is_rendered_afresh_with_its_error_and_text(client, acme):
    acme.ticket()
    client.force_login(acme.requester)
    client.get("/portal/requests/ACME-1/")  # the blank fields are kept now
    response = client.post("/portal/requests/ACME-1/reply/", {"body": "  "})
    assert response.status_code == 400
    shown = page(response)
    assert "Write a reply or attach a file before sending." in shown
    blank = groups(ReplyForm(), "body", "attachments")
    assert blank not in shown
    # The next blank page is the kept one again.
    assert blank in page(client.get("/portal/requests/ACME-1/"))


def test_each_language_has_its_own_kept_fields(client, acme):
    acme.ticket()
    client.force_login(acme.requester)
    english = page(client.get("/portal/requests/ACME-1/"))
    with translation.override("da"):
        danish_fields = groups(ReplyForm(), "body", "attachments")
    assert danish_fields not in english
    danish = page(client.get("/portal/requests/ACME-1/", HTTP_ACCEPT_LANGUAGE="da"))
    assert danish_fields in danish
    assert {key[-1] for key in core_forms._blank_groups} == {"en", "da"}


def test_a_bound_form_is_never_kept():
    bound = ReplyForm({"body": "typed"})
    assert "typed" in core_forms.blank_field_groups(bound, "body")
    assert core_forms._blank_groups == {}
