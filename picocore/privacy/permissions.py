"""Who may export, erase and hold whose personal data: asked by the services before they act, by the selectors
to scope and by the pages to choose what to offer.

- Export: an administrator exports anyone, with everything kept about them; a customer admin exports a member of
  an organisation they administer, with what that organisation holds only (a freelancer's work for another
  customer is not theirs to read).
- Erasure: an administrator erases anyone but themselves; a customer admin erases a member of their organisation
  who belongs to no other organisation and is not on the service team (their data elsewhere is not theirs to
  remove).
- Legal holds: service managers and administrators serving the organisation set and lift them.
- An export's progress and download belong to the person who asked for it alone.
"""

from django.db.models import QuerySet

from picocore.privacy.models import LegalHold, PersonalDataExport
from picocore.tenancy.choices import StaffRole
from picocore.tenancy.models import Membership, User
from picocore.tenancy.roles import Capability, may, roles_with
from picocore.tenancy.scope import STAFF_SEEING_ALL, serves


def _signed_in(actor: User) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def is_administrator(actor: User) -> bool:
    return _signed_in(actor) and actor.staff_role == StaffRole.ADMINISTRATOR


def administers(actor: User, organisation_id: int) -> bool:
    """Whether the actor's role in the organisation answers for its members' personal data
    (`Capability.PERSONAL_DATA`: its customer admins; one query)."""
    return (
        _signed_in(actor)
        and Membership.objects.filter(
            user_id=actor.pk, organisation_id=organisation_id, role__in=roles_with(Capability.PERSONAL_DATA)
        ).exists()
    )


def may_open_portal_pages(role: str | None) -> bool:
    """Whether a member of that role in the portal's current organisation reaches its personal-data pages."""
    return may(role, Capability.PERSONAL_DATA)


def people_of(actor: User, organisation_id: int) -> QuerySet[User]:
    """The people whose data a customer admin may export or erase in the organisation: its members; none for
    anyone who does not administer it."""
    if not administers(actor, organisation_id):
        return User.objects.none()
    return User.objects.filter(memberships__organisation_id=organisation_id)


def may_export(actor: User, subject: User, organisation_id: int | None) -> bool:
    """Export `subject`'s data of `organisation_id` (None: of every organisation, administrators only)."""
    if organisation_id is None:
        return is_administrator(actor)
    if is_administrator(actor):
        return True
    return people_of(actor, organisation_id).filter(pk=subject.pk).exists()


def may_erase(actor: User, subject: User, organisation_id: int | None) -> bool:
    """Anonymise `subject` (as an administrator: `organisation_id` None; as a customer admin: theirs)."""
    if subject.pk == actor.pk or not _signed_in(actor):
        return False
    if organisation_id is None:
        return is_administrator(actor)
    if not people_of(actor, organisation_id).filter(pk=subject.pk).exists():
        return False
    if is_administrator(actor):
        return True
    return not subject.staff_role and not subject.memberships.exclude(organisation_id=organisation_id).exists()


def may_use_desk_privacy(actor: User) -> bool:
    """Open the desk's personal-data pages: administrators (people) and those who manage legal holds."""
    return _signed_in(actor) and actor.staff_role in STAFF_SEEING_ALL


def may_hold(actor: User, organisation_id: int) -> bool:
    """Set or lift a legal hold on the organisation's requests."""
    return _signed_in(actor) and actor.staff_role in STAFF_SEEING_ALL and serves(actor, organisation_id)


def exports_of(actor: User) -> QuerySet[PersonalDataExport]:
    """The exports the actor may follow and download: those they asked for."""
    if not _signed_in(actor):
        return PersonalDataExport.objects.none()
    return PersonalDataExport.objects.filter(requested_by_id=actor.pk)


def holds_visible(actor: User) -> QuerySet[LegalHold]:
    """The legal holds the actor may see and lift."""
    if not (_signed_in(actor) and actor.staff_role in STAFF_SEEING_ALL):
        return LegalHold.objects.none()
    return LegalHold.objects.all()
