"""The contacts services: invitations (signed, expiring, single use, revocable, throttled, through the outbox, no
enumeration), role changes and removals (the last customer admin kept), each audited; refusals change nothing."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from picocore.audit.models import AuditAction, AuditEntry
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.members import services
from picocore.members.models import Invitation
from picocore.members.services import (
    INVITATIONS_PER_HOUR,
    InvitationRefused,
    invitation_accept_existing,
    invitation_accept_new,
    invitation_create,
    invitation_revoke,
    member_remove,
    member_role_set,
)
from picocore.outbox.models import OutboxEmail
from picocore.security.models import SignedInSession
from picocore.sso.models import IdentityProvider, ProviderDomain
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, User
from picocore.tickets.models import Ticket
from tests import factories
from tests.members.support import invite, state

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"


def test_an_invitation_is_written_to_the_outbox_with_a_link_and_audited(acme):
    invitation, token = invite(acme.admin, acme.organisation, "  New.Colleague@Example.COM ", "customer_admin")
    assert invitation.email == "new.colleague@example.com"
    assert invitation.role == MembershipRole.CUSTOMER_ADMIN
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    assert invitation.token_digest != token and len(invitation.token_digest) == 64
    email = OutboxEmail.objects.get(kind="invitation")
    assert (email.to_address, email.recipient, email.organisation_id, email.status) == (
        "new.colleague@example.com", None, acme.organisation.pk, "pending")  # fmt: skip
    assert email.subject == "You are invited to Acme Ltd on PicoCore"
    assert f"{acme.admin.full_name} invites you to join Acme Ltd" in email.body_text
    assert "as Customer admin." in email.body_text
    assert f"/portal/invitations/{token}/" in email.body_text
    entry = AuditEntry.objects.filter(action=AuditAction.CREATED, object_id=str(invitation.pk)).get()
    assert entry.actor == acme.admin
    assert entry.changes["email"] == {"before": None, "after": "new.colleague@example.com"}
    assert entry.changes["role"] == {"before": None, "after": "customer_admin"}


def test_the_email_is_queued_on_commit_and_never_sent_by_the_request(
    acme, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite(acme.admin, acme.organisation, "someone@example.com")
    assert len(callbacks) == 1  # the send task, enqueued after commit
    assert mailoutbox == []


def test_the_email_is_in_the_language_of_the_account_else_the_chosen_one(acme, nord):
    factories.UserFactory(email="dane@example.com", language="da")
    invite(acme.admin, acme.organisation, "dane@example.com", language="en")
    invite(acme.admin, acme.organisation, "stranger@example.com", language="da")
    invite(acme.admin, acme.organisation, "plain@example.com")
    subjects = dict(OutboxEmail.objects.values_list("to_address", "subject"))
    with translation.override("da"):
        danish = translation.gettext("You are invited to %(organisation)s on PicoCore")
    assert subjects["plain@example.com"] == "You are invited to Acme Ltd on PicoCore"
    if danish != "You are invited to %(organisation)s on PicoCore":  # once the Danish catalogue has it
        assert subjects["dane@example.com"] == subjects["stranger@example.com"] != subjects["plain@example.com"]


def test_inviting_someone_of_another_organisation_looks_like_inviting_a_stranger(acme, nord):
    """No enumeration: the answer, the rows written and the statements run are the same."""
    invite(acme.admin, acme.organisation, "warm-up@example.com")  # content types and the like, read once
    with CaptureQueriesContext(connection) as known:
        a, _ = invite(acme.admin, acme.organisation, nord.requester.email)
    with CaptureQueriesContext(connection) as unknown:
        b, _ = invite(acme.admin, acme.organisation, "nobody-has-this@example.com")
    assert len(known.captured_queries) == len(unknown.captured_queries) > 0
    assert (a.role, a.accepted_at, a.revoked_at) == (b.role, b.accepted_at, b.revoked_at)
    emails = OutboxEmail.objects.filter(to_address__in=[a.email, b.email])
    assert [e.body_text.replace(a.email, "X").split("/portal/")[0] for e in emails] == [
        e.body_text.replace(b.email, "X").split("/portal/")[0] for e in emails.order_by("-id")
    ]


def test_a_member_or_an_open_invitation_is_not_invited_again(acme):
    invite(acme.admin, acme.organisation, "twice@example.com")
    before = state()
    with pytest.raises(ValidationError) as waiting:
        invite(acme.admin, acme.organisation, "TWICE@example.com")
    assert "An invitation to twice@example.com is waiting already" in waiting.value.field_errors["email"][0]
    with pytest.raises(ValidationError) as member:
        invite(acme.admin, acme.organisation, acme.requester.email.upper())
    assert member.value.field_errors["email"] == [f"{acme.requester.email} is already a member of Acme Ltd."]
    assert state() == before


def test_an_expired_invitation_gives_way_to_a_new_one(acme, freezer):
    old, _ = invite(acme.admin, acme.organisation, "late@example.com")
    freezer.tick(dt.timedelta(days=8))
    new, _ = invite(acme.admin, acme.organisation, "late@example.com")
    old.refresh_from_db()
    assert old.revoked_at is not None and new.is_usable()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Give the e-mail address of the person to invite."),
        ("not-an-address", "Enter an e-mail address such as name@example.com."),
        ("nul\x00@example.com", "An e-mail address cannot hold a NUL character."),
        ("a" * 243 + "@example.com", "An e-mail address has at most 254 characters."),
    ],
)
def test_a_bad_address_is_refused_with_a_clear_message_and_nothing_sent(acme, email, message):
    before = state()
    with pytest.raises(ValidationError) as refused:
        invitation_create(actor=acme.admin, organisation_id=acme.organisation.pk, email=email, role="requester")
    assert refused.value.field_errors == {"email": [message]}
    assert state() == before


def test_the_longest_address_is_kept_whole(acme):
    longest = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example"[: 254 - 64 - 1 - 182]
    longest = longest[:254]
    assert len(longest) == 254
    invitation, _token = invite(acme.admin, acme.organisation, longest)
    invitation.refresh_from_db()
    assert invitation.email == longest


def test_an_unknown_role_is_refused(acme):
    before = state()
    with pytest.raises(ValidationError) as refused:
        invitation_create(actor=acme.admin, organisation_id=acme.organisation.pk, email="x@example.com", role="king")
    assert refused.value.field_errors == {"role": ["Choose one of the roles."]}
    assert state() == before


def test_every_organisation_role_may_be_given():
    assert [value for value, _label in services.permissions.assignable_roles()] == MembershipRole.values


def test_invitations_are_throttled_per_admin_and_hour(acme, nord, freezer):
    factories.MembershipFactory(user=acme.admin, organisation=nord.organisation, role=MembershipRole.CUSTOMER_ADMIN)
    for n in range(INVITATIONS_PER_HOUR):
        organisation = acme.organisation if n % 2 else nord.organisation  # counted across organisations
        invite(acme.admin, organisation, f"colleague{n}@example.com")
    before = state()
    with pytest.raises(ValidationError) as refused:
        invite(acme.admin, acme.organisation, "one-more@example.com")
    assert refused.value.message == (
        "You sent 20 invitations in the last hour, the most there may be; try again later."
    )
    assert state() == before
    invite(nord.admin, nord.organisation, "one-more@example.com")  # another admin is not held back
    freezer.tick(dt.timedelta(hours=1, seconds=1))
    invite(acme.admin, acme.organisation, "one-more@example.com")


def test_only_the_organisations_customer_admins_invite(acme, nord):
    before = state()
    with pytest.raises(PermissionDenied):
        invite(acme.requester, acme.organisation, "x@example.com")
    with pytest.raises(NotFound):
        invite(nord.admin, acme.organisation, "x@example.com")
    assert state() == before


def test_addresses_of_the_organisations_own_single_sign_on_need_no_invitation(acme, nord):
    provider = IdentityProvider.objects.create(organisation=acme.organisation, issuer="https://id.acme.test",
                                               client_id="c", client_secret_sealed="x", enabled=True)  # fmt: skip
    ProviderDomain.objects.create(provider=provider, domain="acme.test")
    before = state()
    with pytest.raises(ValidationError) as refused:
        invite(acme.admin, acme.organisation, "ann@acme.test")
    assert refused.value.field_errors["email"][0].startswith(
        "People at acme.test sign in through Acme Ltd's own sign-in service"
    )
    assert state() == before
    # Another organisation may invite them: they will sign in through their provider to accept.
    _invitation, _token = invite(nord.admin, nord.organisation, "ann@acme.test")
    body = OutboxEmail.objects.get(to_address="ann@acme.test").body_text
    assert "sign in through your organisation's sign-in service" in body
    before = state()
    with pytest.raises(ValidationError) as no_password:
        invitation_accept_new(token=_token, full_name="Ann", password=PASSWORD)
    assert no_password.value.message == "You sign in through your organisation's sign-in service, not with a password."
    assert state() == before


def test_a_new_person_accepts_with_their_name_and_password(acme):
    invitation, token = invite(acme.admin, acme.organisation, "new@example.com", "customer_admin", language="da")
    person = invitation_accept_new(token=token, full_name="  Nina\x00 New  ", password=PASSWORD)
    assert (person.email, person.full_name, person.language) == ("new@example.com", "Nina New", "da")
    assert person.default_organisation == acme.organisation
    assert person.check_password(PASSWORD)
    membership = Membership.objects.get(user=person)
    assert (membership.organisation, membership.role) == (acme.organisation, MembershipRole.CUSTOMER_ADMIN)
    invitation.refresh_from_db()
    assert invitation.accepted_by == person and invitation.accepted_at is not None
    actions = list(AuditEntry.objects.filter(actor=person).values_list("content_type__model", "action"))
    assert sorted(actions) == [("invitation", "changed"), ("membership", "created"), ("user", "created")]
    created = AuditEntry.objects.get(actor=person, action=AuditAction.CREATED, content_type__model="user")
    assert created.changes["password"] == {"before": "(hidden)", "after": "(changed)"}
    assert person.password not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_a_weak_password_or_a_missing_name_is_refused_and_nothing_created(acme):
    _invitation, token = invite(acme.admin, acme.organisation, "weak@example.com")
    before = state()
    with pytest.raises(ValidationError) as weak:
        invitation_accept_new(token=token, full_name="Wes Weak", password="123")
    assert "This password is too short. It must contain at least 10 characters." in weak.value.field_errors["password1"]
    with pytest.raises(ValidationError) as like_address:
        invitation_accept_new(token=token, full_name="Wes Weak", password="weak@example.com")
    assert any("too similar" in m for m in like_address.value.field_errors["password1"])
    with pytest.raises(ValidationError) as nameless:
        invitation_accept_new(token=token, full_name=" \x00 ", password=PASSWORD)
    assert nameless.value.field_errors == {"full_name": ["Give your name as colleagues should see it."]}
    with pytest.raises(ValidationError) as long_name:
        invitation_accept_new(token=token, full_name="N" * 151, password=PASSWORD)
    assert long_name.value.field_errors == {"full_name": ["At most 150 characters."]}
    assert state() == before
    person = invitation_accept_new(token=token, full_name="N" * 150, password=PASSWORD)
    person.refresh_from_db()
    assert person.full_name == "N" * 150


def test_a_used_expired_revoked_or_tampered_link_is_refused_and_nothing_created(acme, freezer):
    _used, used_token = invite(acme.admin, acme.organisation, "used@example.com")
    invitation_accept_new(token=used_token, full_name="Uma Used", password=PASSWORD)
    _expired, expired_token = invite(acme.admin, acme.organisation, "expired@example.com")
    revoked, revoked_token = invite(acme.admin, acme.organisation, "revoked@example.com")
    invitation_revoke(actor=acme.admin, invitation_id=revoked.pk)
    _valid, valid_token = invite(acme.admin, acme.organisation, "valid@example.com")
    freezer.tick(dt.timedelta(days=7))
    tampered = valid_token[:-1] + ("A" if valid_token[-1] != "A" else "B")
    before = state()
    cases = {
        used_token: (410, "This invitation has been used already. Sign in to reach Acme Ltd."),
        expired_token: (410, "This invitation expired on"),
        revoked_token: (410, "This invitation was withdrawn."),
        tampered: (404, "This invitation link is not valid."),
        valid_token[:20]: (404, "This invitation link is not valid."),
        "": (404, "This invitation link is not valid."),
    }
    for token, (status, message) in cases.items():
        with pytest.raises(InvitationRefused) as refused:
            invitation_accept_new(token=token, full_name="Someone", password=PASSWORD)
        assert refused.value.status_code == status and refused.value.message.startswith(message), token
        with pytest.raises(InvitationRefused):
            invitation_accept_existing(actor=acme.requester, token=token)
    assert state() == before


def test_accepting_twice_makes_one_membership(acme):
    _invitation, token = invite(acme.admin, acme.organisation, "double@example.com")
    invitation_accept_new(token=token, full_name="Dora Double", password=PASSWORD)
    before = state()
    with pytest.raises(InvitationRefused):
        invitation_accept_new(token=token, full_name="Dora Double", password=PASSWORD)
    assert state() == before
    assert User.objects.filter(email="double@example.com").count() == 1
    assert Membership.objects.filter(user__email="double@example.com").count() == 1


def test_a_person_with_an_account_accepts_signed_in_as_that_address(acme, nord):
    _invitation, token = invite(acme.admin, acme.organisation, nord.requester.email.upper(), "customer_admin")
    before = state()
    with pytest.raises(PermissionDenied) as other:
        invitation_accept_existing(actor=acme.requester, token=token)
    assert other.value.message.startswith(f"This invitation is for {nord.requester.email}, and you are signed in as")
    with pytest.raises(ValidationError) as has_account:
        invitation_accept_new(token=token, full_name="Impostor", password=PASSWORD)
    assert has_account.value.message == f"{nord.requester.email} has an account already: sign in with it to accept."
    assert state() == before
    membership = invitation_accept_existing(actor=nord.requester, token=token)
    assert (membership.organisation, membership.role) == (acme.organisation, MembershipRole.CUSTOMER_ADMIN)
    assert Membership.objects.filter(user=nord.requester).count() == 2


def test_revoking_is_for_the_organisations_admins_and_happens_once(acme, nord):
    invitation, _token = invite(acme.admin, acme.organisation, "gone@example.com")
    before = state()
    with pytest.raises(NotFound):
        invitation_revoke(actor=nord.admin, invitation_id=invitation.pk)
    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=acme.requester, invitation_id=invitation.pk)
    with pytest.raises(NotFound):
        invitation_revoke(actor=acme.admin, invitation_id=999_999)
    assert state() == before
    invitation_revoke(actor=acme.admin, invitation_id=invitation.pk)
    entry = AuditEntry.objects.filter(object_id=str(invitation.pk), action=AuditAction.CHANGED).get()
    assert list(entry.changes) == ["revoked_at"] and entry.actor == acme.admin
    before = state()
    with pytest.raises(ValidationError) as again:
        invitation_revoke(actor=acme.admin, invitation_id=invitation.pk)
    assert again.value.message == "This invitation was revoked already."
    assert state() == before


def test_a_role_change_is_audited_and_the_same_role_changes_nothing(acme):
    membership = Membership.objects.get(user=acme.requester)
    member_role_set(actor=acme.admin, membership_id=membership.pk, role=MembershipRole.CUSTOMER_ADMIN)
    membership.refresh_from_db()
    assert membership.role == MembershipRole.CUSTOMER_ADMIN
    entry = AuditEntry.objects.filter(object_id=str(membership.pk), action=AuditAction.CHANGED).get()
    assert entry.changes["role"] == {"before": "requester", "after": "customer_admin"} and entry.actor == acme.admin
    before = state()
    member_role_set(actor=acme.admin, membership_id=membership.pk, role=MembershipRole.CUSTOMER_ADMIN)
    assert state() == before


def test_the_last_customer_admin_is_neither_demoted_nor_removed(acme):
    own = Membership.objects.get(user=acme.admin)
    before = state()
    message = (
        f"{acme.admin.full_name} is the only customer admin of Acme Ltd: make someone else customer admin first, so "
        "that someone can still manage its contacts. Nothing was changed."
    )
    with pytest.raises(ValidationError) as demoted:
        member_role_set(actor=acme.admin, membership_id=own.pk, role=MembershipRole.REQUESTER)
    assert demoted.value.message == message
    with pytest.raises(ValidationError) as removed:
        member_remove(actor=acme.admin, membership_id=own.pk)
    assert removed.value.message == message
    assert state() == before
    # With a second admin, either may step down.
    other = Membership.objects.get(user=acme.requester)
    member_role_set(actor=acme.admin, membership_id=other.pk, role=MembershipRole.CUSTOMER_ADMIN)
    member_role_set(actor=acme.admin, membership_id=own.pk, role=MembershipRole.REQUESTER)
    with pytest.raises(PermissionDenied):  # no longer an admin: no longer manages contacts
        member_role_set(actor=acme.admin, membership_id=own.pk, role=MembershipRole.CUSTOMER_ADMIN)


def test_an_admin_cannot_act_on_another_organisations_people(acme, nord):
    theirs = Membership.objects.get(user=nord.requester)
    before = state()
    with pytest.raises(NotFound):
        member_role_set(actor=acme.admin, membership_id=theirs.pk, role=MembershipRole.CUSTOMER_ADMIN)
    with pytest.raises(NotFound):
        member_remove(actor=acme.admin, membership_id=theirs.pk)
    with pytest.raises(NotFound):
        member_remove(actor=acme.admin, membership_id=999_999)
    with pytest.raises(PermissionDenied):
        member_remove(actor=acme.requester, membership_id=Membership.objects.get(user=acme.admin).pk)
    assert state() == before


def test_an_admin_of_two_organisations_manages_each_only_through_its_own_memberships(acme, nord):
    """A person in both: ACME's admin removing them from ACME leaves their place at Nord alone."""
    factories.MembershipFactory(user=nord.requester, organisation=acme.organisation, role=MembershipRole.REQUESTER)
    at_acme = Membership.objects.get(user=nord.requester, organisation=acme.organisation)
    member_remove(actor=acme.admin, membership_id=at_acme.pk)
    assert list(Membership.objects.filter(user=nord.requester).values_list("organisation", flat=True)) == [
        nord.organisation.pk
    ]


def test_removal_ends_the_membership_and_the_sessions_and_keeps_the_requests(
    acme, client, django_capture_on_commit_callbacks
):
    ticket = acme.ticket()
    client.force_login(acme.requester)
    assert client.get("/portal/").status_code == 200
    assert SignedInSession.objects.filter(user=acme.requester).count() == 1
    User.objects.filter(pk=acme.requester.pk).update(default_organisation=acme.organisation)
    membership = Membership.objects.get(user=acme.requester)
    with django_capture_on_commit_callbacks(execute=True):
        member_remove(actor=acme.admin, membership_id=membership.pk)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert SignedInSession.objects.filter(user=acme.requester).count() == 0
    assert client.get("/portal/").status_code == 302  # signed out
    acme.requester.refresh_from_db()
    assert acme.requester.default_organisation is None and acme.requester.is_active
    assert Ticket.objects.filter(pk=ticket.pk, requester=acme.requester).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.DELETED, object_id=str(membership.pk)).get()
    assert entry.actor == acme.admin and entry.changes["role"] == {"before": "requester", "after": None}


def test_removal_from_one_organisation_keeps_the_sessions_for_the_others(
    acme, nord, client, django_capture_on_commit_callbacks
):
    factories.MembershipFactory(user=nord.requester, organisation=acme.organisation, role=MembershipRole.REQUESTER)
    client.force_login(nord.requester)
    client.post("/portal/organisation/", {"organisation": acme.organisation.pk})
    at_acme = Membership.objects.get(user=nord.requester, organisation=acme.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        member_remove(actor=acme.admin, membership_id=at_acme.pk)
    response = client.get("/portal/")
    assert response.status_code == 200
    assert '<span class="org-name" data-user-content>Nord Ltd</span>' in response.content.decode()
    assert Invitation.objects.count() == 0
