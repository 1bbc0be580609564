"""Asking the customer to approve work beyond the hours left: "needs about 6 h, 2 h left — approve?"."""

import datetime as dt

import pytest

from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.hours import services
from picocore.hours.approvals import overage_ask, overage_decide
from picocore.hours.models import ApprovalDecision, OverageApproval
from picocore.outbox.models import OutboxEmail

pytestmark = pytest.mark.django_db


def with_two_hours_left(acme, consultant):
    ticket = acme.ticket()
    services.time_log(actor=consultant, ticket=ticket, minutes=480, work_date=dt.date(2027, 1, 11))
    return ticket


def test_work_beyond_the_balance_is_put_to_the_customer_admins_and_approved_in_the_portal(client, acme, consultant,
                                                                                          contract):  # fmt: skip
    ticket = with_two_hours_left(acme, consultant)
    client.force_login(consultant)
    ask = f"/desk/tickets/{ticket.key}/time/approval/"
    refused = client.post(ask, {"estimate_hours": "6", "estimate_minutes": "0", "note": "Rebuild\x00 it"}, follow=True)
    assert "Null characters are not allowed." in refused.content.decode()
    assert not OverageApproval.objects.exists()
    asked = client.post(ask, {"estimate_hours": "6", "estimate_minutes": "0", "note": "Rebuild the search index"})
    assert asked.status_code == 302
    approval = OverageApproval.objects.get()
    assert (approval.estimated_minutes, approval.remaining_minutes) == (360, 120)
    email = OutboxEmail.objects.get(kind="overage_approval")
    assert email.recipient == acme.admin and "6 h" in email.subject and "2 h left" in email.subject
    client.force_login(acme.admin)
    page = client.get("/portal/hours/")
    assert f"{ticket.key} needs about 6 h, 2 h left — approve?" in page.content.decode()
    done = client.post(f"/portal/hours/approvals/{approval.pk}/", {"decision": "approve", "note": "Go ahead"})
    assert done.status_code == 302
    approval.refresh_from_db()
    assert (approval.decision, approval.decided_by, approval.decision_note) == ("approved", acme.admin, "Go ahead")
    assert OutboxEmail.objects.filter(kind="overage_approval", recipient=consultant).exists()
    client.force_login(consultant)
    assert "Approved" in client.get(f"/desk/tickets/{ticket.key}/time/").content.decode()


def test_no_question_when_the_work_fits_and_one_open_question_per_ticket(acme, consultant, contract):
    ticket = with_two_hours_left(acme, consultant)
    with pytest.raises(ValidationError, match="fits"):
        overage_ask(actor=consultant, ticket=ticket, estimated_minutes=90, note="Small fix")
    first = overage_ask(actor=consultant, ticket=ticket, estimated_minutes=360, note="Rebuild")
    again = overage_ask(actor=consultant, ticket=ticket, estimated_minutes=400, note="Rebuild, again")
    assert first == again and OverageApproval.objects.count() == 1
    for minutes, note in ((0, "x"), (360, ""), (360, "\x00 ")):
        with pytest.raises(ValidationError):
            overage_ask(actor=consultant, ticket=acme.ticket(), estimated_minutes=minutes, note=note)


def test_only_the_team_asks_and_only_the_customer_admins_answer_once(acme, nord, consultant, contract):
    ticket = with_two_hours_left(acme, consultant)
    for outsider in (acme.requester, acme.admin):
        with pytest.raises((NotFound, PermissionDenied)):
            overage_ask(actor=outsider, ticket=ticket, estimated_minutes=360, note="Rebuild")
    approval = overage_ask(actor=consultant, ticket=ticket, estimated_minutes=360, note="Rebuild")
    for person in (acme.requester, nord.admin, consultant):
        with pytest.raises(NotFound):
            overage_decide(actor=person, approval_id=approval.pk, approve=True)
    assert overage_decide(actor=acme.admin, approval_id=approval.pk, approve=False).decision == "declined"
    assert overage_decide(actor=acme.admin, approval_id=approval.pk, approve=False).decision == "declined"
    with pytest.raises(ValidationError, match="already answered"):
        overage_decide(actor=acme.admin, approval_id=approval.pk, approve=True)
    assert OverageApproval.objects.get().decision == ApprovalDecision.DECLINED
    # Answered: the next piece of work may be asked about again.
    assert overage_ask(actor=consultant, ticket=ticket, estimated_minutes=300, note="Smaller rebuild") != approval


def test_another_organisations_admin_sees_no_question_and_gets_404(client, acme, nord, consultant, contract):
    ticket = with_two_hours_left(acme, consultant)
    approval = overage_ask(actor=consultant, ticket=ticket, estimated_minutes=360, note="Rebuild the ACME index")
    client.force_login(nord.admin)
    assert "Rebuild the ACME index" not in client.get("/portal/hours/").content.decode()
    assert client.post(f"/portal/hours/approvals/{approval.pk}/", {"decision": "approve"}).status_code == 404
    assert OverageApproval.objects.get().decision == ApprovalDecision.PENDING
