"""What the personal-data pages read, scoped by `picocore.privacy.permissions`: the people an actor may act on,
their exports, erasure records and legal holds. Each runs a fixed number of queries."""

from uuid import UUID

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from picocore.core.errors import NotFound
from picocore.privacy import permissions
from picocore.privacy.models import Erasure, LegalHold, PersonalDataExport
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.scope import served_organisations

LIST_LIMIT = 50


def people_search(*, actor: User, text: str) -> list[User]:
    """For an administrator: the people whose name or e-mail address holds `text` (at most `LIST_LIMIT`)."""
    text = text.replace("\x00", "").strip()[:200]
    if not permissions.is_administrator(actor) or not text:
        return []
    matches = User.objects.filter(Q(full_name__icontains=text) | Q(email__icontains=text)).order_by("full_name", "pk")
    return list(matches[:LIST_LIMIT])


def person_get(*, actor: User, person_id: int, organisation_id: int | None) -> User:
    """The person, if the actor may export or erase them (administrators: anyone; customer admins: a member of
    `organisation_id`); NotFound otherwise."""
    if organisation_id is None:
        people = User.objects.all() if permissions.is_administrator(actor) else User.objects.none()
    else:
        people = permissions.people_of(actor, organisation_id)
    person = people.filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("There is no such person."))
    return person


def members(*, actor: User, organisation_id: int) -> list[User]:
    """The organisation's members, for its customer admin (none for anyone else)."""
    return list(permissions.people_of(actor, organisation_id).order_by("full_name", "pk")[:500])


def exports(*, actor: User, organisation_id: int | None = None) -> list[PersonalDataExport]:
    """The actor's own exports, newest first (of `organisation_id` only, when given)."""
    rows = permissions.exports_of(actor).select_related("subject")
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    return list(rows[:LIST_LIMIT])


def export_get(*, actor: User, export_uid: UUID) -> PersonalDataExport:
    export = permissions.exports_of(actor).select_related("subject").filter(uid=export_uid).first()
    if export is None:
        raise NotFound(_("There is no such export."))
    return export


def erasure_get(*, actor: User, erasure_id: int) -> Erasure:
    """An erasure's record: for administrators, and for the customer admin who made it."""
    rows = Erasure.objects.select_related("subject")
    if not permissions.is_administrator(actor):
        rows = rows.filter(actor_id=actor.pk)
    erasure = rows.filter(pk=erasure_id).first()
    if erasure is None:
        raise NotFound(_("There is no such erasure."))
    return erasure


def erasures(*, actor: User, organisation_id: int | None = None) -> list[Erasure]:
    rows = Erasure.objects.select_related("subject")
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id, actor_id=actor.pk)
    elif not permissions.is_administrator(actor):
        return []
    return list(rows[:LIST_LIMIT])


def holds(*, actor: User) -> list[LegalHold]:
    """The legal holds in force of the organisations the actor serves, then the recently lifted ones."""
    organisations = served_organisations(actor).values("pk")
    rows = permissions.holds_visible(actor).filter(organisation_id__in=organisations)
    rows = rows.select_related("organisation", "ticket", "set_by", "lifted_by")
    rows = rows.order_by(F("lifted_at").asc(nulls_first=True), "-set_at", "-pk")
    return list(rows[:LIST_LIMIT])


def hold_organisations(*, actor: User) -> QuerySet[Organisation]:
    if not permissions.may_use_desk_privacy(actor):
        return Organisation.objects.none()
    return served_organisations(actor).order_by("name")
