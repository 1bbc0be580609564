"""What the audit keeps about an organisation, as its customer admins may read it: the access log."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from picocore.audit.models import StaffAccess
from picocore.audit.permissions import can_read_access_log
from picocore.core.errors import NotFound
from picocore.core.pagination import Page, keyset_page
from picocore.tenancy.models import Organisation, User
from picocore.tenancy.scope import customer_restrict

ACCESS_LOG_PAGE_SIZE = 50


@dataclass(frozen=True)
class AccessFilters:
    """Which openings to list: of one ticket, by one member of staff, from `since` (inclusive) until `until`
    (exclusive). The ids are the caller's, already checked to be of the organisation's log."""

    ticket_id: int | None = None
    staff_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _no_log() -> NotFound:
    return NotFound(_("There is no such page, or it is not yours to see."))


def access_log(*, actor: User, organisation: Organisation, role: str, filters: AccessFilters) -> QuerySet[StaffAccess]:
    """The organisation's openings by staff that match `filters`, for its customer admins (NotFound for anyone
    else: the same answer as a page that does not exist). Scoped through `customer_restrict` and to the one
    organisation, so a person admin of one organisation and requester of another reads only the first's."""
    if not can_read_access_log(actor, organisation, role=role):
        raise _no_log()
    rows = customer_restrict(StaffAccess.objects.all(), actor).filter(organisation_id=organisation.pk)
    if filters.ticket_id is not None:
        rows = rows.filter(ticket_id=filters.ticket_id)
    if filters.staff_id is not None:
        rows = rows.filter(staff_id=filters.staff_id)
    if filters.since is not None:
        rows = rows.filter(at__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(at__lt=filters.until)
    return rows


def access_log_page(
    *,
    actor: User,
    organisation: Organisation,
    role: str,
    filters: AccessFilters,
    cursor: str | None,
    size: int = ACCESS_LOG_PAGE_SIZE,
) -> Page:
    """One page of the log, newest first, by keyset on (when, id): one query with the staff and tickets joined,
    however long the log is."""
    rows = access_log(actor=actor, organisation=organisation, role=role, filters=filters)
    return keyset_page(rows, field="at", descending=True, cursor=cursor, size=size, related=("staff", "ticket"))


def access_log_rows(
    *, actor: User, organisation: Organisation, role: str, filters: AccessFilters
) -> Iterator[StaffAccess]:
    """Every matching opening, newest first, with its staff and ticket: one query, read in chunks (the CSV)."""
    rows = access_log(actor=actor, organisation=organisation, role=role, filters=filters)
    ordered = rows.select_related("staff", "ticket").order_by("-at", "-id")
    return ordered.only("at", "staff__full_name", "staff__email", "ticket__key", "ticket__title").iterator(
        chunk_size=1000
    )


def access_log_staff(*, actor: User, organisation: Organisation, role: str) -> list[User]:
    """The members of staff who appear in the organisation's log, by name: the staff filter's choices. One
    query, one index probe per member of staff (not a scan of the log)."""
    if not can_read_access_log(actor, organisation, role=role):
        raise _no_log()
    opened = StaffAccess.objects.filter(organisation_id=organisation.pk, staff_id=OuterRef("pk"))
    staff = User.objects.exclude(staff_role="").filter(Exists(opened)).only("full_name", "email")
    return list(staff.order_by("full_name", "email", "pk"))
