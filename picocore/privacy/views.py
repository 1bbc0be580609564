"""The personal-data pages: `/desk/privacy/` for administrators (people, exports, erasures) and for service
managers (legal holds), `/portal/privacy/` for a customer admin (their organisation's members). The person, export
and erasure pages are one implementation each, shown in both places (`Desk`, `Portal`): a place says who may use
it, for which organisations the actor acts, its layout and its URL names. Each view parses, calls one selector or
service, and renders or redirects. Anyone who may not use a place, and anything not theirs, gets 404. Starting an
export and erasing ask for a fresh proof first (`require_recent_second_factor`)."""

import zoneinfo
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from functools import wraps
from typing import Any, ClassVar, Self
from uuid import UUID

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from picocore.accounts.stepup import recent_proof, require_recent_second_factor
from picocore.core.errors import NotFound, ValidationError
from picocore.portal.context import current_membership, portal_memberships
from picocore.privacy import permissions, selectors
from picocore.privacy.models import PersonalDataExport
from picocore.privacy.services import erasure as erasure_services
from picocore.privacy.services import exports as export_services
from picocore.privacy.services import holds as hold_services
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Membership

NAV = "privacy"
# How often a page waiting for an export reloads itself (a Refresh header: no script, so nothing for the CSP).
REFRESH_SECONDS = 3

View = Callable[..., HttpResponseBase]


class Place(ABC):
    """Where a personal-data page is shown, for one request: the organisation the actor acts for (None: every
    one), and what every page of the place shows around its own content. `page` makes a view of the place."""

    prefix: ClassVar[str]
    layout: ClassVar[str]

    def __init__(self, *, organisation_id: int | None, context: Mapping[str, Any]) -> None:
        self.organisation_id = organisation_id
        self.context: dict[str, Any] = {
            "nav": NAV,
            "layout": self.layout,
            "urls": {page: self.name(page) for page in ("index", "person", "export", "erasure")},
            **context,
        }

    @classmethod
    @abstractmethod
    def admit(cls, request: AuthenticatedRequest) -> AbstractContextManager[Self]:
        """The request's place, for the time the page is made; Http404 for someone who may not use it. Each place
        (`Desk`, `Portal`) says who it admits."""

    @classmethod
    def name(cls, page: str) -> str:
        return f"privacy:{cls.prefix}_{page}"

    def url(self, page: str, *args: object) -> str:
        return reverse(self.name(page), args=args)

    def holds(self, organisation_id: int | None) -> bool:
        """Whether a record of `organisation_id` is this place's to show (every one where the actor acts for all)."""
        return self.organisation_id is None or organisation_id == self.organisation_id

    @classmethod
    def page(cls, view: View, *, step_up: bool = False) -> View:
        """`view(request, place, **url)` as a page of this place: sign-in required; someone who may not use the
        place gets 404, and so does a NotFound the view raises; with `step_up`, the view runs after a fresh proof
        only (asked once the place has admitted the person)."""
        inner = require_recent_second_factor(view) if step_up else view

        @login_required
        @wraps(view)
        def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            with cls.admit(request) as place:
                try:
                    response: HttpResponseBase = inner(request, place, *args, **kwargs)
                except NotFound as error:
                    raise Http404 from error
                return response

        wrapper.__name__ = wrapper.__qualname__ = f"{cls.prefix}_{view.__name__}"
        return wrapper


class Desk(Place):
    """The desk: administrators act on anyone, in every organisation; service managers see the legal holds."""

    prefix = "desk"
    layout = "desk/layout.html"

    @classmethod
    @contextmanager
    def admit(cls, request: AuthenticatedRequest) -> Iterator[Self]:
        if not permissions.may_use_desk_privacy(request.user):
            raise Http404
        yield cls(organisation_id=None, context={})


class Portal(Place):
    """The portal: a customer admin acts on the members of the organisation the portal shows, in its time zone;
    for anyone else the pages do not exist."""

    prefix = "portal"
    layout = "portal/layout.html"
    organisation_id: int

    @classmethod
    @contextmanager
    def admit(cls, request: AuthenticatedRequest) -> Iterator[Self]:
        membership = current_membership(request)
        if membership is None or not permissions.may_open_portal_pages(membership.role):
            raise Http404
        context = {"membership": membership, "memberships": portal_memberships(request)}
        with timezone.override(zoneinfo.ZoneInfo(membership.organisation.time_zone)):
            yield cls(organisation_id=membership.organisation_id, context=context)


ENDED = {
    "memberships": gettext_lazy("Memberships ended"),
    "teams": gettext_lazy("Team memberships ended"),
    "sessions": gettext_lazy("Sessions ended"),
    "api_tokens": gettext_lazy("API tokens revoked"),
    "second_factors": gettext_lazy("Second factors removed"),
    "watched_requests": gettext_lazy("Requests no longer followed"),
    "notifications": gettext_lazy("Notifications deleted"),
    "status_subscriptions": gettext_lazy("Status page subscriptions deleted"),
    "pending_emails": gettext_lazy("Unsent e-mails withheld"),
    "contact_phones": gettext_lazy("Contact phone numbers removed"),
    "raw_emails": gettext_lazy("Raw e-mails dropped"),
}
BLANKED = {
    "replies": gettext_lazy("Replies and notes blanked"),
    "rating_comments": gettext_lazy("Rating comments blanked"),
    "sent_emails": gettext_lazy("E-mails they sent blanked"),
}


def report_rows(counts: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The erasure's record as (what, how many) rows a person reads."""
    rows: list[tuple[str, int]] = []
    for key, label in ENDED.items():
        rows.append((str(label), int(counts.get("ended", {}).get(key, 0))))
    for key, label in BLANKED.items():
        if key in counts.get("blanked", {}):
            rows.append((str(label), int(counts["blanked"][key])))
    for model_label, count in sorted(counts.get("rewritten", {}).items()):
        try:
            name = str(capfirst(apps.get_model(model_label)._meta.verbose_name_plural))
        except LookupError:
            name = model_label
        rows.append((_("Name and address rewritten: %(kind)s") % {"kind": name}, int(count)))
    return rows


# --- The person, export and erasure pages, in both places ------------------------------------------------------


def person(request: AuthenticatedRequest, place: Place, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id, organisation_id=place.organisation_id)
    context = place.context | {
        "person": person,
        "erased": erasure_services.is_erased(person),
        "may_erase": permissions.may_erase(request.user, person, place.organisation_id),
        "proved": recent_proof(request),
        "export_url": place.url("export_start", person.pk),
        "erase_url": place.url("erase", person.pk),
        "back": place.url("index"),
    }
    if place.organisation_id is None:  # acting in every organisation, the page names them
        context["person_memberships"] = Membership.objects.filter(user=person).select_related("organisation")
    return render(request, "privacy/person.html", context)


def export_start(request: AuthenticatedRequest, place: Place, person_id: int) -> HttpResponse:
    export = export_services.export_start(
        actor=request.user, subject_id=person_id, organisation_id=place.organisation_id
    )
    return redirect(place.url("export", export.uid))


def erase(request: AuthenticatedRequest, place: Place, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id, organisation_id=place.organisation_id)
    back = place.url("person", person.pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the erasure: it cannot be undone."))
        return redirect(back)
    try:
        erasure = erasure_services.person_erase(
            actor=request.user,
            subject_id=person.pk,
            organisation_id=place.organisation_id,
            blank_texts=request.POST.get("blank_texts") == "yes",
        )
    except ValidationError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("The person is erased. This is what changed."))
    return redirect(place.url("erasure", erasure.pk))


def erasure(request: AuthenticatedRequest, place: Place, erasure_id: int) -> HttpResponse:
    erasure = selectors.erasure_get(actor=request.user, erasure_id=erasure_id)
    if not place.holds(erasure.organisation_id):
        raise NotFound(_("There is no such erasure."))
    context = place.context | {"erasure": erasure, "rows": report_rows(erasure.counts), "back": place.url("index")}
    return render(request, "privacy/erasure.html", context)


def _export_of(request: AuthenticatedRequest, place: Place, export_uid: UUID) -> PersonalDataExport:
    export = selectors.export_get(actor=request.user, export_uid=export_uid)
    if not place.holds(export.organisation_id):
        raise NotFound(_("There is no such export."))
    return export


def export(request: AuthenticatedRequest, place: Place, export_uid: UUID) -> HttpResponse:
    export = _export_of(request, place, export_uid)
    context = place.context | {
        "export": export,
        "download_url": place.url("export_download", export.uid),
        "retry_url": place.url("export_retry", export.uid),
        "back": place.url("index"),
    }
    response = render(request, "privacy/export.html", context)
    if not export.finished:
        response["Refresh"] = str(REFRESH_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def export_download(request: AuthenticatedRequest, place: Place, export_uid: UUID) -> FileResponse:
    export = _export_of(request, place, export_uid)
    ready = export_services.export_download(actor=request.user, export_uid=export.uid)
    response = FileResponse(ready.file.open("rb"), as_attachment=True, filename=f"personal-data-{ready.subject_id}.zip")
    response["Cache-Control"] = "no-store"
    return response


def export_retry(request: AuthenticatedRequest, place: Place, export_uid: UUID) -> HttpResponse:
    export = _export_of(request, place, export_uid)
    try:
        export_services.export_retry(actor=request.user, export_uid=export.uid)
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The export is queued again."))
    return redirect(place.url("export", export.uid))


def _in_both(view: View, method: Callable[[View], View], *, step_up: bool = False) -> tuple[View, View]:
    """`view` as the desk's page and as the portal's, answering `method` only."""
    return method(Desk.page(view, step_up=step_up)), method(Portal.page(view, step_up=step_up))


desk_person, portal_person = _in_both(person, require_GET)
desk_export_start, portal_export_start = _in_both(export_start, require_POST, step_up=True)
desk_erase, portal_erase = _in_both(erase, require_POST, step_up=True)
desk_erasure, portal_erasure = _in_both(erasure, require_GET)
desk_export, portal_export = _in_both(export, require_GET)
desk_export_download, portal_export_download = _in_both(export_download, require_GET)
desk_export_retry, portal_export_retry = _in_both(export_retry, require_POST)


# --- The desk's and the portal's own pages -------------------------------------------------------------------


@require_GET
@Desk.page
def desk_index(request: AuthenticatedRequest, place: Place) -> HttpResponse:
    text = request.GET.get("q", "")
    context = place.context | {
        "is_administrator": permissions.is_administrator(request.user),
        "q": text.replace("\x00", "")[:200],
        "people": selectors.people_search(actor=request.user, text=text),
        "exports": selectors.exports(actor=request.user),
        "erasures": selectors.erasures(actor=request.user),
        "holds": selectors.holds(actor=request.user),
        "hold_organisations": selectors.hold_organisations(actor=request.user),
    }
    return render(request, "privacy/desk_index.html", context)


@require_POST
@Desk.page
def desk_hold_set(request: AuthenticatedRequest, place: Place) -> HttpResponse:
    back = place.url("index") + "#holds"
    try:
        organisation_id = int(request.POST.get("organisation", ""))
    except ValueError:
        messages.error(request, _("Choose the organisation to put on hold."))
        return redirect(place.url("index"))
    try:
        hold = hold_services.hold_set(
            actor=request.user,
            organisation_id=organisation_id,
            ticket_key=request.POST.get("ticket", "")[:40],
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        for problems in error.field_errors.values():
            for problem in problems:
                messages.error(request, problem)
        if not error.field_errors:
            messages.error(request, error.message)
    else:
        messages.success(request, _("The legal hold is set: the retention skips %(what)s until it is lifted.")
                         % {"what": hold.ticket.key if hold.ticket else hold.organisation.name})  # fmt: skip
    return redirect(back)


@require_POST
@Desk.page
def desk_hold_lift(request: AuthenticatedRequest, place: Place, hold_id: int) -> HttpResponse:
    hold_services.hold_lift(actor=request.user, hold_id=hold_id)
    messages.success(
        request, _("The legal hold is lifted: the next retention run anonymises what is past its retention.")
    )
    return redirect(place.url("index") + "#holds")


@require_GET
@Portal.page
def portal_index(request: AuthenticatedRequest, place: Portal) -> HttpResponse:
    organisation_id = place.organisation_id
    context = place.context | {
        "people": selectors.members(actor=request.user, organisation_id=organisation_id),
        "exports": selectors.exports(actor=request.user, organisation_id=organisation_id),
        "erasures": selectors.erasures(actor=request.user, organisation_id=organisation_id),
    }
    return render(request, "privacy/portal_index.html", context)
