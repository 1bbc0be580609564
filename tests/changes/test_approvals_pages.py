"""The change pages: the portal's list, calendar and detail with the approver's form, the e-mail link page (GET
never decides), the desk's CAB vote; each as another organisation's person (404, nothing shown), with bad input,
and with constant query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from picocore.changes.approvals import approvals_request
from picocore.changes.choices import ChangeStatus, Decision
from picocore.changes.links import link_token
from picocore.changes.models import ApprovalRequest, CabVote, CustomerDecision
from tests.changes.approval_support import START, approver, make_change, portal_approver, service_manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return service_manager()


@pytest.fixture
def asked(acme, manager):
    ann, contact = portal_approver(acme.organisation, "Ann Approver")
    eve = approver(acme.organisation, "Eve Mail")
    change = make_change(acme.organisation, by=manager)
    requests = {r.contact_id: r for r in approvals_request(actor=manager, change=change)}
    return {"change": change, "ann": ann, "ann_request": requests[contact.pk], "eve_request": requests[eve.pk]}


def _month(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m}"


def test_portal_list_shows_the_organisations_changes_only(client, acme, nord, manager, asked):
    make_change(nord.organisation, by=manager, status=ChangeStatus.SCHEDULED, title="Nord secret upgrade")
    make_change(acme.organisation, by=manager, status=ChangeStatus.DRAFT, title="ACME draft idea")
    client.force_login(acme.requester)
    page = client.get(reverse("portal:changes"), {"month": _month(START)}).content.decode()
    assert asked["change"].key in page and "Upgrade Akeneo to 7.0" in page
    assert "Nord secret upgrade" not in page and "ACME draft idea" not in page
    assert "Make a new calendar address" not in page  # requesters make no feed
    client.force_login(nord.admin)
    page = client.get(reverse("portal:changes"), {"month": _month(START)}).content.decode()
    assert "Nord secret upgrade" in page and "Upgrade Akeneo" not in page
    assert client.get(reverse("portal:change", args=[asked["change"].pk])).status_code == 404


def test_portal_bad_month_is_named(client, acme, asked):
    client.force_login(acme.requester)
    for bad in ("2027-13", "x\x00", "2027-03-01", "9999-01"):
        response = client.get(reverse("portal:changes"), {"month": bad})
        assert response.status_code == 400
        assert "Give the month as year and month, e.g. 2027-03." in response.content.decode()


def test_portal_detail_and_the_approvers_decision(client, acme, asked):
    change = asked["change"]
    client.force_login(acme.requester)
    page = client.get(reverse("portal:change", args=[change.pk])).content.decode()
    assert "Security fixes." in page and "Your decision" not in page  # read-only for those not asked
    assert client.post(reverse("portal:change", args=[change.pk]), {"decision": "approved"}).status_code == 403
    client.force_login(asked["ann"])
    page = client.get(reverse("portal:change", args=[change.pk])).content.decode()
    assert "Your decision" in page and "0 of 1 approvals" in page
    response = client.post(reverse("portal:change", args=[change.pk]), {"decision": "rejected", "reason": ""})
    assert response.status_code == 400
    assert "Say why you reject the change" in response.content.decode()
    assert CustomerDecision.objects.count() == 0
    response = client.post(reverse("portal:change", args=[change.pk]), {"decision": "approved"})
    assert response.status_code == 302
    decision = CustomerDecision.objects.get()
    assert (decision.decision, decision.channel, decision.user) == ("approved", "portal", asked["ann"])
    page = client.get(reverse("portal:change", args=[change.pk])).content.decode()
    assert "You decided: Approved" in page and "Your decision" not in page


def test_portal_foreign_and_missing_changes_404(client, acme, nord, manager, asked):
    nords = make_change(nord.organisation, by=manager)
    client.force_login(asked["ann"])
    for change_id in (nords.pk, 999999):
        assert client.get(reverse("portal:change", args=[change_id])).status_code == 404
        assert client.post(reverse("portal:change", args=[change_id]), {"decision": "approved"}).status_code == 404
    assert CustomerDecision.objects.count() == 0


def test_portal_queries_constant(client, acme, manager, asked, django_assert_num_queries):
    client.force_login(asked["ann"])
    url = reverse("portal:changes")
    client.get(url, {"month": _month(START)})

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"month": _month(START)}).status_code == 200
        return len(queries)

    few = count()
    for day in range(25):
        make_change(acme.organisation, by=manager, status=ChangeStatus.SCHEDULED, start=START + dt.timedelta(days=day))
    assert count() == few


def test_link_page_get_never_decides_post_decides_once(client, asked):
    token = link_token(asked["eve_request"])
    url = reverse("changes_public:approval_link", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert "Eve Mail, Acme Ltd is asked to approve this change." in page.content.decode()
    assert CustomerDecision.objects.count() == 0
    assert ApprovalRequest.objects.get(pk=asked["eve_request"].pk).used_at is None
    response = client.post(url, {"decision": "rejected", "reason": ""})
    assert response.status_code == 400
    assert CustomerDecision.objects.count() == 0
    response = client.post(url, {"decision": Decision.APPROVED})
    assert response.status_code == 200
    assert "The link is now used up." in response.content.decode()
    again = client.post(url, {"decision": Decision.APPROVED})
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert client.get(url).status_code == 410
    assert CustomerDecision.objects.count() == 1


def test_link_page_tampered(client, asked):
    token = link_token(asked["eve_request"])
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 300, "plain"):
        response = client.post(reverse("changes_public:approval_link", args=[bad]), {"decision": "approved"})
        assert response.status_code == 410
        assert "This approval link is not valid." in response.content.decode()
    assert CustomerDecision.objects.count() == 0


def test_desk_cab_vote(client, acme, nord, consultant, manager, asked):
    change = asked["change"]
    client.force_login(consultant)
    refused = client.post(reverse("desk:change_cab_vote", args=[change.pk]), {"decision": "approved"})
    assert refused.status_code == 403 and refused.templates[0].name == "changes/desk_detail.html"  # the change's page
    assert refused.context["error"] == "Only service managers vote for the change advisory board."
    assert 'role="alert" id="action-error"' in refused.content.decode()
    assert CabVote.objects.count() == 0
    client.force_login(manager)
    url = reverse("desk:change_cab_vote", args=[change.pk])
    assert client.post(url, {"decision": "rejected"}).status_code == 302
    assert CabVote.objects.count() == 0
    assert client.post(url, {"decision": "approved"}).status_code == 302
    assert CabVote.objects.get().decision == "approved"
    assert client.get(url).status_code == 405
    assert client.post(reverse("desk:change_cab_vote", args=[999999]), {"decision": "approved"}).status_code == 404
    nord.organisation.teams.clear()
    nords = make_change(nord.organisation, by=manager)
    client.force_login(consultant)
    assert client.post(reverse("desk:change_cab_vote", args=[nords.pk]), {"decision": "approved"}).status_code == 404
    client.force_login(acme.admin)
    assert client.post(url, {"decision": "approved"}).status_code == 404
    assert CabVote.objects.count() == 1


def test_approval_panel_shows_the_round_and_offers_the_vote(rf, acme, manager, asked, django_assert_num_queries):
    from django.template.loader import render_to_string

    from picocore.changes.approvals import approval_panel, customer_decide
    from tests.conftest import signed_in

    change = asked["change"]
    customer_decide(actor=signed_in(asked["ann"]), change_id=change.pk, decision=Decision.APPROVED)
    actor = signed_in(manager)
    with django_assert_num_queries(6):  # the round's requests, decisions and votes; approvers, policy, CAB quorum
        panel = approval_panel(actor=actor, change=change)
    html = render_to_string("changes/partials/approval_panel.html", {"panel": panel, "change": change})
    assert "Ann Approver" in html and "Eve Mail" in html and "not decided" in html
    assert "1 of 1 approvals" in html and "Approve for the CAB" in html
    assert approval_panel(actor=signed_in(acme.admin), change=change).may_vote is False
    for n in range(5):
        approver(acme.organisation, f"More Approver {n}")
    approvals_request(actor=manager, change=change)
    with django_assert_num_queries(6):
        assert len(approval_panel(actor=actor, change=change).rows) == 7


def test_approval_panel_tag(rf, manager, asked):
    from django.template import Context, Template

    from tests.conftest import signed_in

    request = rf.get("/")
    request.user = signed_in(manager)
    html = Template("{% load change_approvals %}{% approval_panel change %}").render(
        Context({"request": request, "change": asked["change"], "csrf_token": "t"})
    )
    assert f'action="/desk/changes/{asked["change"].pk}/cab/"' in html
    assert "Ann Approver" in html and "Approve for the CAB" in html
