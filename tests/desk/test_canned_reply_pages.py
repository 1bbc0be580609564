"""Canned replies on the desk's pages: the chooser beside the composer (filled for the ticket, with and
without JavaScript), sending one with its status and next step, and the page where they are kept."""

import datetime as dt
import html
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from picocore.tickets.choices import CannedReplyKind, EventKind, Status
from picocore.tickets.models import CannedReply
from picocore.tickets.services import ticket_transition
from picocore.tickets.services.canned_replies import CannedReplyFields, canned_reply_create
from tests.desk.conftest import DeskWorld, action_error, form_errors, messages_shown, page, state
from tests.desk.test_query_counts import queries

pytestmark = pytest.mark.django_db

WAITING = CannedReplyFields(
    name="Ask for the log",
    body="Hi {requester_first_name}, please send the log for {ticket_key}. Next: {next_step}",
    status=Status.WAITING_ON_CUSTOMER,
    next_step="We analyse the log of {ticket_key}",
    next_step_due_days=2,
)


def embedded(response) -> list[dict]:
    match = re.search(r'<script id="canned-replies" type="application/json">(.*?)</script>', page(response), re.S)
    assert match is not None, "the page embeds no canned replies"
    return json.loads(match.group(1))


def chooser_names(response) -> list[str]:
    select = re.search(r'<select id="canned-choice" name="canned">(.*?)</select>', page(response), re.S)
    return (
        []
        if select is None
        else [html.unescape(n) for n in re.findall(r'<option value="\d+"[^>]*>(.*?)</option>', select.group(1))]
    )


def in_progress(world: DeskWorld) -> None:
    ticket_transition(actor=world.consultant, ticket=world.ticket, to=Status.IN_PROGRESS)


# --- The chooser on the ticket page ------------------------------------------------------------------------------


def test_the_chooser_offers_ones_replies_filled_in_for_this_ticket(client, world):
    in_progress(world)
    reply = canned_reply_create(actor=world.consultant, fields=WAITING)
    canned_reply_create(actor=world.outsider, fields=CannedReplyFields(name="Otto's own", body="x"))
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]))
    assert chooser_names(response) == ["Ask for the log"]
    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert embedded(response) == [{
        "id": reply.pk, "tab": "reply",
        "body": "Hi ACME, please send the log for ACME-1. Next: We analyse the log of ACME-1",
        "status": "waiting_on_customer", "status_refused": "", "next_step": "We analyse the log of ACME-1",
        "next_step_due": due,
    }]  # fmt: skip


def test_the_chooser_groups_ones_own_then_the_teams_then_everyones(client, world):
    canned_reply_create(actor=world.manager, fields=CannedReplyFields(name="Alpha all", body="x"), shared=True)
    canned_reply_create(actor=world.manager, fields=CannedReplyFields(name="Beta team", body="x"), shared=True,
                        team=world.operations)  # fmt: skip
    canned_reply_create(actor=world.consultant, fields=CannedReplyFields(name="Zed mine", body="x"))
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]))
    assert chooser_names(response) == ["Zed mine", "Beta team", "Alpha all"]
    labels = re.findall(r'<optgroup label="([^"]+)"[^>]*>', page(response))
    assert [html.unescape(label) for label in labels] == ["Yours", "Your team's", "Everyone's"]


def test_without_replies_the_page_points_to_where_they_are_written(client, world):
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]))
    assert chooser_names(response) == []
    assert 'href="/desk/canned-replies/">Write a canned reply</a>' in page(response)


def test_without_javascript_the_chosen_reply_refills_the_composer(client, world):
    in_progress(world)
    reply = canned_reply_create(actor=world.consultant, fields=WAITING)
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]), {"canned": reply.pk})
    assert response.status_code == 200
    assert response.context["active_tab"] == "reply"
    text = page(response)
    assert ">Hi ACME, please send the log for ACME-1. Next: We analyse the log of ACME-1</textarea>" in text
    assert '<option value="waiting_on_customer" selected>Waiting on customer</option>' in text
    assert 'name="next_step" maxlength="300" value="We analyse the log of ACME-1"' in text
    assert f'<option value="{reply.pk}" selected>' in text


def test_a_note_reply_opens_the_note_tab(client, world):
    fields = CannedReplyFields(name="Logs checked", body="Checked {ticket_key}.", kind=CannedReplyKind.NOTE)
    note = canned_reply_create(actor=world.consultant, fields=fields)
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]), {"canned": note.pk})
    assert response.context["active_tab"] == "note"
    assert ">Checked ACME-1.</textarea>" in page(response)
    assert chooser_names(response) == ["Logs checked (internal note)"]


def test_a_status_the_ticket_cannot_move_to_is_not_preset_and_the_page_says_so(client, world):
    reply = canned_reply_create(actor=world.consultant, fields=WAITING)  # ACME-1 is new: not to waiting
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]), {"canned": reply.pk})
    text = page(response)
    assert "would set the status to waiting on customer, but ACME-1 cannot move there from new" in html.unescape(text)
    assert "selected>Waiting on customer" not in text


@pytest.mark.parametrize("value", ["999999", "abc", " ", "1 OR 1=1"])
def test_an_unknown_reply_is_404_with_the_page_and_nothing_filled(client, world, value):
    client.force_login(world.consultant)
    before = state()
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]), {"canned": value})
    assert response.status_code == 404
    assert action_error(response) == "Not done: There is no such canned reply among yours."
    assert response.context["draft"] == {}
    assert state() == before


def test_the_chooser_sent_without_a_choice_shows_the_page_as_it_is(client, world):
    canned_reply_create(actor=world.consultant, fields=WAITING)
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]), {"canned": ""})
    assert (response.status_code, response.context["draft"], response.context["error"]) == (200, {}, "")


def test_a_finished_ticket_offers_only_the_note_replies(client, world):
    canned_reply_create(actor=world.consultant, fields=WAITING)
    note = CannedReplyFields(name="Logs checked", body="Checked.", kind=CannedReplyKind.NOTE)
    canned_reply_create(actor=world.consultant, fields=note)
    ticket_transition(actor=world.consultant, ticket=world.ticket, to=Status.CANCELLED)
    client.force_login(world.consultant)
    response = client.get(reverse("desk:ticket", args=[world.ticket.key]))
    assert chooser_names(response) == ["Logs checked (internal note)"]


def test_another_consultants_personal_reply_cannot_be_chosen(client, world):
    ottos = canned_reply_create(
        actor=world.outsider, fields=CannedReplyFields(name="Otto's", body="Secret {ticket_key}")
    )
    team = canned_reply_create(actor=world.manager, fields=CannedReplyFields(name="Nord desk only", body="x"),
                               shared=True, team=world.nord_desk)  # fmt: skip
    client.force_login(world.consultant)
    for reply in (ottos, team):
        response = client.get(reverse("desk:ticket", args=[world.ticket.key]), {"canned": reply.pk})
        assert response.status_code == 404
        assert "Secret" not in page(response) and "Nord desk only" not in page(response)


def test_the_ticket_page_runs_the_same_queries_for_1_and_20_canned_replies(client, world):
    canned_reply_create(actor=world.consultant, fields=WAITING)
    client.force_login(world.consultant)
    path = reverse("desk:ticket", args=[world.ticket.key])
    one = queries(client, path)
    for n in range(10):
        canned_reply_create(actor=world.consultant, fields=CannedReplyFields(name=f"Mine {n}", body="{ticket_key}"))
        ours = CannedReplyFields(name=f"Ours {n}", body="{title}", status="resolved")
        canned_reply_create(actor=world.manager, fields=ours, shared=True, team=world.operations if n % 2 else None)
    twenty_one = queries(client, path)
    assert len(one) == len(twenty_one), "\n".join(twenty_one)
    assert len(chooser_names(client.get(path))) == 21
    assert len(queries(client, path, {"canned": CannedReply.objects.order_by("pk").first().pk})) == len(one)


# --- Sending ---------------------------------------------------------------------------------------------------


def test_one_send_applies_reply_status_and_next_step(client, world):
    in_progress(world)
    client.force_login(world.consultant)
    response = client.post(reverse("desk:reply", args=[world.ticket.key]), {
        "body": "Hi ACME, please send the log.", "status": "waiting_on_customer",
        "next_step": "We analyse the log", "next_step_due": "2030-01-15",
    })  # fmt: skip
    assert response.status_code == 302
    ticket = world.ticket
    ticket.refresh_from_db()
    assert (ticket.status, ticket.next_step, ticket.next_step_due) == (
        Status.WAITING_ON_CUSTOMER, "We analyse the log", dt.date(2030, 1, 15))  # fmt: skip
    assert ticket.events.order_by("-id").values_list("kind", flat=True)[2] == EventKind.PUBLIC_REPLY
    assert messages_shown(client.get(response["Location"])) == [
        "Reply sent to the customer. Status changed and next step updated."
    ]


def test_a_status_that_became_impossible_is_409_and_changes_nothing(client, world):
    client.force_login(world.consultant)
    before = state()
    response = client.post(reverse("desk:reply", args=[world.ticket.key]), {
        "body": "Done, please confirm.", "status": "resolved", "next_step": "Confirm",
    })  # fmt: skip
    assert response.status_code == 409
    assert action_error(response) == (
        "Not done: ACME-1 is new and cannot become resolved. Allowed next: triaged, in progress, cancelled."
    )
    assert state() == before
    assert "Done, please confirm.</textarea>" in page(response)  # the draft is kept
    assert 'name="next_step" maxlength="300" value="Confirm"' in page(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"status": "sleeping"},
            "Then set status: Select a valid choice. sleeping is not one of the available choices.",
        ),
        ({"next_step_due": "2030-02-30"}, "Date of the new next step: Enter a valid date."),
        ({"next_step_due": "2030-01-15"}, "Say what the next step is, not only when."),
    ],
)
def test_bad_status_or_next_step_sends_nothing(client, world, data, message):
    client.force_login(world.consultant)
    before = state()
    response = client.post(reverse("desk:note", args=[world.ticket.key]), {"body": "Checked.", **data})
    assert response.status_code == 400
    assert action_error(response) == f"Not done: {message}"
    assert state() == before


# --- The page where they are kept ----------------------------------------------------------------------------------


def _form(**overrides) -> dict:
    data = {"name": "Thanks", "kind": "reply", "body": "Thanks {requester_first_name}!", "scope": "personal",
            "status": "", "next_step": "", "next_step_due_days": "", "active": "on"}  # fmt: skip
    return {**data, **overrides}


def test_a_consultant_writes_a_personal_reply(client, world):
    client.force_login(world.consultant)
    response = client.post(reverse("desk:canned_replies"), _form())
    assert response.status_code == 302
    reply = CannedReply.objects.get()
    assert (reply.owner, reply.team, reply.name, reply.body, reply.active) == (
        world.consultant, None, "Thanks", "Thanks {requester_first_name}!", True)  # fmt: skip
    listing = client.get(reverse("desk:canned_replies"))
    assert messages_shown(listing) == ["Saved the canned reply “Thanks”."]
    assert listing.context["personal"] == [reply]


def test_an_unknown_placeholder_is_shown_on_the_form_and_nothing_saved(client, world):
    client.force_login(world.consultant)
    response = client.post(reverse("desk:canned_replies"), _form(body="Hi {firstname}"))
    assert response.status_code == 400
    [error] = form_errors(response)
    assert error.startswith("Unknown placeholder {firstname}. Use one of: {requester_first_name}, ")
    assert "Hi {firstname}</textarea>" in page(response)  # the text is kept to be corrected
    assert not CannedReply.objects.exists()


def test_a_consultant_is_not_offered_shared_scopes_and_cannot_post_one(client, world):
    client.force_login(world.consultant)
    form = client.get(reverse("desk:canned_replies")).context["form"]
    assert [value for value, _label in form.fields["scope"].choices] == ["personal"]
    response = client.post(reverse("desk:canned_replies"), _form(scope="everyone"))
    assert response.status_code == 400
    assert not CannedReply.objects.exists()


def test_a_service_manager_shares_with_everyone_or_a_team(client, world):
    client.force_login(world.manager)
    form = client.get(reverse("desk:canned_replies")).context["form"]
    assert [value for value, _label in form.fields["scope"].choices] == [
        "personal", "everyone", f"team-{world.nord_desk.pk}", f"team-{world.operations.pk}"]  # fmt: skip
    assert client.post(reverse("desk:canned_replies"), _form(name="All", scope="everyone")).status_code == 302
    team = _form(name="Ops", scope=f"team-{world.operations.pk}", status="waiting_on_customer",
                 next_step="Send the log", next_step_due_days="3")  # fmt: skip
    assert client.post(reverse("desk:canned_replies"), team).status_code == 302
    rows = list(
        CannedReply.objects.order_by("name").values_list("name", "owner", "team", "status", "next_step_due_days")
    )
    assert rows == [("All", None, None, "", None), ("Ops", None, world.operations.pk, "waiting_on_customer", 3)]


def test_the_owner_edits_and_deletes_a_personal_reply(client, world):
    reply = canned_reply_create(actor=world.consultant, fields=WAITING)
    client.force_login(world.consultant)
    path = reverse("desk:canned_reply", args=[reply.pk])
    assert client.get(path).context["form"]["body"].value() == WAITING.body
    assert client.post(path, _form(name="Log please", body="Log for {ticket_key}?", active="")).status_code == 302
    reply.refresh_from_db()
    assert (reply.name, reply.body, reply.active, reply.owner) == (
        "Log please",
        "Log for {ticket_key}?",
        False,
        world.consultant,
    )
    assert client.post(reverse("desk:canned_reply_delete", args=[reply.pk])).status_code == 302
    assert not CannedReply.objects.exists()


def test_a_team_member_reads_a_shared_reply_but_does_not_change_it(client, world):
    reply = canned_reply_create(actor=world.manager, fields=WAITING, shared=True, team=world.operations)
    client.force_login(world.consultant)
    path = reverse("desk:canned_reply", args=[reply.pk])
    response = client.get(path)
    assert response.status_code == 200 and not response.context["may_change"]
    before = state()
    assert client.post(path, _form(name="Mine now")).status_code == 403
    response = client.post(reverse("desk:canned_reply_delete", args=[reply.pk]))
    assert messages_shown(client.get(response["Location"])) == ["Only its owner deletes this canned reply."]
    assert state() == before
    assert CannedReply.objects.get(pk=reply.pk).name == "Ask for the log"
