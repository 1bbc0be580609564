"""The administrator's view of inbound mail: held messages with their reason, the raw message, retrying."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from picocore.mail.models import DomainMapping, InboundMessage, InboundStatus, MailPolicy, Outcome, UnknownSenders
from picocore.tenancy.choices import StaffRole
from tests import factories

pytestmark = pytest.mark.django_db

STRANGER = (
    b"From: Carol <carol@acme.example>\nTo: support@picocore.example\nSubject: Export broken\n"
    b"Message-ID: <carol-1@acme.example>\n\nThe export stopped at 03:00.\n"
)


@pytest.fixture
def held(world, deliver) -> InboundMessage:
    message = deliver(STRANGER)
    assert message.status == InboundStatus.HELD
    return message


def test_the_list_shows_held_messages_with_their_reason(client, root, held, deliver):
    deliver("outlook_out_of_office.eml")
    response = client.get(reverse("admin:mail_inboundmessage_changelist"), {"status__exact": "held"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Held: carol@acme.example is not a known contact." in page
    assert "Automatisk svar" not in page


def test_the_change_page_shows_the_raw_message_and_a_retry_button(client, root, held):
    response = client.get(reverse("admin:mail_inboundmessage_change", args=[held.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The export stopped at 03:00." in page and "Message-ID: &lt;carol-1@acme.example&gt;" in page
    assert reverse("admin:mail_inboundmessage_retry", args=[held.pk]) in page


def test_the_raw_message_downloads_as_it_arrived(client, root, held):
    response = client.get(reverse("admin:mail_inboundmessage_raw", args=[held.pk]))
    assert (response.status_code, response["Content-Type"], response.content) == (200, "message/rfc822", STRANGER)
    assert response["Content-Disposition"] == f'attachment; filename="inbound-{held.pk}.eml"'


def test_retry_after_the_administrator_fixed_the_cause_files_the_message(
    client, root, held, world, django_capture_on_commit_callbacks
):
    MailPolicy.objects.update_or_create(pk=1, defaults={"unknown_senders": UnknownSenders.CREATE_CONTACT})
    DomainMapping.objects.create(domain="acme.example", organisation=world.acme.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:mail_inboundmessage_retry", args=[held.pk]))
    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.outcome, held.ticket.key, held.attempts) == (
        InboundStatus.PROCESSED, Outcome.NEW_TICKET, "ACME-2", 2,
    )  # fmt: skip
    assert [(h["by"], h["status"], h["reason"]) for h in held.data["history"]] == [
        (root.pk, "held", "Held: carol@acme.example is not a known contact.")
    ]


def test_retry_from_the_list_action(client, root, held, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:mail_inboundmessage_changelist"),
            {"action": "retry", "_selected_action": [held.pk]},
        )
    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.attempts, len(held.data["history"])) == (InboundStatus.HELD, 2, 1)


def test_a_processed_message_is_not_retried(client, root, world, deliver):
    message = deliver("gmail_new_request.eml")
    client.post(reverse("admin:mail_inboundmessage_retry", args=[message.pk]))
    message.refresh_from_db()
    assert (message.status, message.attempts, "history" in message.data) == (InboundStatus.PROCESSED, 1, False)


def test_only_an_administrator_may_retry(client, held):
    consultant = factories.StaffFactory(is_staff=True, staff_role=StaffRole.CONSULTANT)
    consultant.user_permissions.add(*Permission.objects.filter(codename="view_inboundmessage"))
    client.force_login(consultant)
    response = client.post(reverse("admin:mail_inboundmessage_retry", args=[held.pk]))
    assert response.status_code == 403
    held.refresh_from_db()
    assert (held.status, held.attempts) == (InboundStatus.HELD, 1)


def test_a_get_never_retries(client, root, held):
    response = client.get(reverse("admin:mail_inboundmessage_retry", args=[held.pk]))
    assert response.status_code == 405
    held.refresh_from_db()
    assert held.attempts == 1


def test_the_policy_page_is_the_single_row(client, root):
    response = client.get(reverse("admin:mail_mailpolicy_changelist"))
    assert response.status_code == 302 and response["Location"].endswith("/admin/mail/mailpolicy/1/change/")


def test_the_list_runs_the_same_queries_for_3_or_30_messages(client, root, world, deliver):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("admin:mail_inboundmessage_changelist")).status_code == 200
        return len(queries)

    for number in range(3):
        deliver(STRANGER.replace(b"carol-1", f"carol-{number + 10}".encode()))
    few = count()
    for number in range(27):
        deliver(STRANGER.replace(b"carol-1", f"carol-{number + 100}".encode()))
    assert count() == few
