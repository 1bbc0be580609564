"""Form answers keep their line breaks on both sides, and a chosen file is never dropped silently when a form
comes back with an error: the page names it and asks for it again."""

import pytest
from django.urls import reverse

from picocore.tickets.models import Attachment
from picocore.tickets.services import ticket_reply
from tests.portal.support import field_errors, incident_form, upload

pytestmark = pytest.mark.django_db

STEPS = "1. Open a product\n2. Look at <the> images\n\n3. None show"
STEPS_HTML = "1. Open a product<br>2. Look at &lt;the&gt; images<br><br>3. None show"


def test_answers_description_and_replies_keep_their_line_breaks_in_portal_and_desk(client, acme, consultant):
    client.force_login(acme.requester)
    response = client.post(
        reverse("portal:new_request", args=[acme.incident.slug]),
        incident_form(acme, q_steps=STEPS, description="First line\nSecond <b>line</b>"),
    )
    assert response.status_code == 302, response.content.decode()[:500]
    ticket = acme.organisation.tickets.get()
    ticket_reply(actor=consultant, ticket=ticket, body="We looked:\nall fine")
    portal = client.get(reverse("portal:request", args=[ticket.key])).content.decode()
    client.force_login(consultant)
    desk = client.get(reverse("desk:ticket", args=[ticket.key])).content.decode()
    for page in (portal, desk):
        assert STEPS_HTML in page
        assert "First line<br>Second &lt;b&gt;line&lt;/b&gt;" in page
        assert "We looked:<br>all fine" in page
        assert "<the>" not in page and "<b>line</b>" not in page


DROPPED = (
    "You chose report.pdf, screen.png, but they were not attached because the form has an error: choose them again."
)


def test_a_new_request_with_an_error_names_the_files_to_attach_again(client, acme):
    client.force_login(acme.requester)
    response = client.post(
        reverse("portal:new_request", args=[acme.incident.slug]),
        {**incident_form(acme, title=""), "attachments": [upload("report.pdf"), upload("screen.png")]},
    )
    assert response.status_code == 400
    assert field_errors(response, "attachments") == [DROPPED]
    assert field_errors(response, "title") == ["This field is required."]
    assert acme.organisation.tickets.count() == 0 and Attachment.objects.count() == 0


def test_a_new_request_without_files_says_nothing_about_files(client, acme):
    client.force_login(acme.requester)
    response = client.post(reverse("portal:new_request", args=[acme.incident.slug]), incident_form(acme, title=""))
    assert response.status_code == 400
    assert field_errors(response, "attachments") == []
    assert "not attached" not in response.content.decode()


def test_a_refused_portal_reply_names_its_file(client, acme):
    ticket = acme.ticket()
    client.force_login(acme.requester)
    response = client.post(
        reverse("portal:reply", args=[ticket.key]), {"body": "x" * 50_001, "attachments": [upload("log\x00.txt")]}
    )
    assert response.status_code == 400
    assert field_errors(response, "attachments") == [
        "You chose log.txt, but it was not attached because the form has an error: choose it again."
    ]
    assert ticket.events.count() == 1 and Attachment.objects.count() == 0


@pytest.mark.parametrize("composer", ["reply", "note"])
def test_a_refused_desk_message_names_its_file_next_to_the_right_file_input(client, acme, consultant, composer):
    ticket = acme.ticket()
    client.force_login(consultant)
    response = client.post(
        reverse(f"desk:{composer}", args=[ticket.key]), {"body": "x" * 50_001, "attachments": [upload("dump.sql")]}
    )
    assert response.status_code == 400
    content = response.content.decode()
    other = "note" if composer == "reply" else "reply"
    assert (
        f'<p class="errorlist" role="alert" id="{composer}-files-dropped">You chose dump.sql, but it was not attached'
        in content
    )
    assert f'aria-describedby="{composer}-files-dropped"' in content
    assert f"{other}-files-dropped" not in content
    assert ticket.events.count() == 1 and Attachment.objects.count() == 0
