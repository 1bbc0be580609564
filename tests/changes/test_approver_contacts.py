"""Members with the approver role become the organisation's approver contacts (`approver_contacts_sync`, run when
approval is asked): linked by address to a contact without a person, else made; nobody else is; never twice,
never removed here, never across organisations; every contact made or linked is audited."""

import pytest
from django.contrib.contenttypes.models import ContentType

from picocore.audit.models import AuditAction, AuditEntry
from picocore.changes.approvals import approvals_request, approver_contacts_sync
from picocore.changes.models import ApprovalRequest
from picocore.cmdb.choices import ContactRole
from picocore.cmdb.models import Contact
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.models import Membership, User
from tests import factories
from tests.changes.approval_support import approver, make_change, service_manager

pytestmark = pytest.mark.django_db


def member(customer, name: str, role: str, **fields) -> User:
    user = factories.UserFactory(full_name=name, **fields)
    factories.MembershipFactory(user=user, organisation=customer.organisation, role=role)
    return user


def approver_contacts(customer) -> list[tuple[str, str, int | None]]:
    rows = Contact.objects.filter(organisation=customer.organisation, role=ContactRole.APPROVER).order_by("id")
    return list(rows.values_list("name", "email", "user_id"))


def contact_audits(action: str) -> int:
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Contact), action=action).count()


def test_an_approver_member_without_a_contact_becomes_one_linked_to_them_and_it_is_audited(acme):
    ida = member(acme, "Ida Krogh", MembershipRole.APPROVER)
    manager = service_manager()
    made = approver_contacts_sync(actor=manager, organisation_id=acme.organisation.pk)
    assert [(contact.name, contact.email, contact.user_id) for contact in made] == [("Ida Krogh", ida.email, ida.pk)]
    assert approver_contacts(acme) == [("Ida Krogh", ida.email, ida.pk)]
    entry = AuditEntry.objects.get(object_id=str(made[0].pk), action=AuditAction.CREATED)
    assert entry.actor_id == manager.pk


def test_a_contact_of_the_same_address_without_a_person_is_linked_not_doubled(acme):
    ida = member(acme, "Ida Krogh", MembershipRole.APPROVER, email="ida.krogh@acme.example")
    existing = approver(acme.organisation, "Ida K. (landscape)", email="IDA.Krogh@ACME.example")
    linked = approver_contacts_sync(actor=None, organisation_id=acme.organisation.pk)
    assert [contact.pk for contact in linked] == [existing.pk]
    assert approver_contacts(acme) == [("Ida K. (landscape)", "IDA.Krogh@ACME.example", ida.pk)]
    assert contact_audits(AuditAction.CHANGED) == 1 and contact_audits(AuditAction.CREATED) == 0


def test_other_roles_inactive_members_and_other_organisations_approvers_are_not_made_contacts(acme, nord):
    for role in (MembershipRole.REQUESTER, MembershipRole.CUSTOMER_ADMIN, MembershipRole.VIEWER,
                 MembershipRole.BILLING_CONTACT):  # fmt: skip
        member(acme, f"ACME {role}", role)
    member(acme, "Gone Approver", MembershipRole.APPROVER, is_active=False)
    nords = member(nord, "Nord Approver", MembershipRole.APPROVER)
    assert approver_contacts_sync(actor=None, organisation_id=acme.organisation.pk) == []
    assert approver_contacts(acme) == []
    assert approver_contacts_sync(actor=None, organisation_id=nord.organisation.pk)[0].user_id == nords.pk
    assert approver_contacts(acme) == [] and not AuditEntry.objects.filter(object_repr__contains="ACME")


def test_a_second_sync_changes_nothing_and_losing_the_role_keeps_the_contact(acme):
    ida = member(acme, "Ida Krogh", MembershipRole.APPROVER)
    approver_contacts_sync(actor=None, organisation_id=acme.organisation.pk)
    audits = AuditEntry.objects.count()
    assert approver_contacts_sync(actor=None, organisation_id=acme.organisation.pk) == []
    Membership.objects.filter(user=ida).update(role=MembershipRole.REQUESTER)
    assert approver_contacts_sync(actor=None, organisation_id=acme.organisation.pk) == []
    assert approver_contacts(acme) == [("Ida Krogh", ida.email, ida.pk)]
    assert AuditEntry.objects.count() == audits


def test_a_contact_linked_to_someone_else_under_the_same_name_and_address_stands(acme):
    ida = member(acme, "Ida Krogh", MembershipRole.APPROVER)
    someone = factories.UserFactory()
    approver(acme.organisation, "Ida Krogh", email=ida.email, user=someone)
    assert approver_contacts_sync(actor=None, organisation_id=acme.organisation.pk) == []
    assert approver_contacts(acme) == [("Ida Krogh", ida.email, someone.pk)]


def test_asking_for_approval_asks_the_approver_members_once_each(acme):
    ida = member(acme, "Ida Krogh", MembershipRole.APPROVER)
    landscape = approver(acme.organisation, "Ole Landscape")
    change = make_change(acme.organisation, by=service_manager())
    approvals_request(actor=None, change=change)
    approvals_request(actor=None, change=change)  # asking again asks no one twice
    ida_contact = Contact.objects.get(organisation=acme.organisation, role=ContactRole.APPROVER, user=ida)
    asked = ApprovalRequest.objects.filter(change=change).values_list("contact_id", flat=True)
    assert sorted(asked) == sorted([landscape.pk, ida_contact.pk])
