"""The personal-data pages: `/desk/privacy/` for administrators (people, exports, erasures) and for service
managers (legal holds), `/portal/privacy/` for a customer admin (their organisation's members). Each view parses,
calls one selector or service, and renders or redirects. Anyone who may not use a page, and anything not theirs,
gets 404. Starting an export and erasing ask for a fresh proof first (`require_recent_second_factor`)."""

import zoneinfo
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, cast
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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.accounts.stepup import recent_proof, require_recent_second_factor
from picocore.core.errors import NotFound, ValidationError
from picocore.core.guards import page_for
from picocore.portal.context import current_membership, portal_memberships
from picocore.privacy import permissions, selectors
from picocore.privacy.models import Erasure, PersonalDataExport
from picocore.privacy.services import erasure as erasure_services
from picocore.privacy.services import exports as export_services
from picocore.privacy.services import holds as hold_services
from picocore.tenancy.choices import MembershipRole
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Membership

NAV = "privacy"
# How often a page waiting for an export reloads itself (a Refresh header: no script, so nothing for the CSP).
REFRESH_SECONDS = 3

desk_page = page_for(permissions.may_use_desk_privacy)


def portal_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Like `portal.views.portal_page` (signed in; the current membership passed; times in its organisation's
    zone), except that someone without any membership gets 404 too: these pages exist for customer admins only."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        membership = current_membership(request)
        if membership is None:
            raise Http404
        with timezone.override(zoneinfo.ZoneInfo(membership.organisation.time_zone)):
            return view(request, *args, membership=membership, **kwargs)

    return wrapper


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


def _export_page(request: AuthenticatedRequest, export: PersonalDataExport, context: dict[str, Any]) -> HttpResponse:
    response = render(request, "privacy/export.html", context | {"export": export, "nav": NAV})
    if not export.finished:
        response["Refresh"] = str(REFRESH_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _download(export: PersonalDataExport) -> FileResponse:
    response = FileResponse(
        export.file.open("rb"), as_attachment=True, filename=f"personal-data-{export.subject_id}.zip"
    )
    response["Cache-Control"] = "no-store"
    return response


def _erase_flags(request: AuthenticatedRequest) -> tuple[bool, bool]:
    return request.POST.get("confirm") == "yes", request.POST.get("blank_texts") == "yes"


# --- The desk -------------------------------------------------------------------------------------------------


@require_GET
@desk_page
def desk_index(request: AuthenticatedRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    context = {
        "nav": NAV,
        "layout": "desk/layout.html",
        "is_administrator": permissions.is_administrator(request.user),
        "q": text.replace("\x00", "")[:200],
        "people": selectors.people_search(actor=request.user, text=text),
        "exports": selectors.exports(actor=request.user),
        "erasures": selectors.erasures(actor=request.user),
        "holds": selectors.holds(actor=request.user),
        "hold_organisations": selectors.hold_organisations(actor=request.user),
    }
    return render(request, "privacy/desk_index.html", context)


@require_GET
@desk_page
def desk_person(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id, organisation_id=None)
    context = {
        "nav": NAV,
        "layout": "desk/layout.html",
        "person": person,
        "erased": erasure_services.is_erased(person),
        "may_erase": permissions.may_erase(request.user, person, None),
        "person_memberships": Membership.objects.filter(user=person).select_related("organisation"),
        "proved": recent_proof(request),
        "export_url": reverse("privacy:desk_export_start", args=[person.pk]),
        "erase_url": reverse("privacy:desk_erase", args=[person.pk]),
    }
    return render(request, "privacy/person.html", context)


@require_POST
@desk_page
@require_recent_second_factor
def desk_export_start(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    export = export_services.export_start(actor=request.user, subject_id=person_id, organisation_id=None)
    return redirect(reverse("privacy:desk_export", args=[export.uid]))


@require_POST
@desk_page
@require_recent_second_factor
def desk_erase(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id, organisation_id=None)
    return _erase(request, person.pk, None, back=reverse("privacy:desk_person", args=[person.pk]),
                  report=lambda erasure: reverse("privacy:desk_erasure", args=[erasure.pk]))  # fmt: skip


def _erase(
    request: AuthenticatedRequest,
    person_id: int,
    organisation_id: int | None,
    *,
    back: str,
    report: Callable[[Erasure], str],
) -> HttpResponse:
    confirmed, blank_texts = _erase_flags(request)
    if not confirmed:
        messages.error(request, _("Tick the box to confirm the erasure: it cannot be undone."))
        return redirect(back)
    try:
        erasure = erasure_services.person_erase(
            actor=request.user, subject_id=person_id, organisation_id=organisation_id, blank_texts=blank_texts
        )
    except ValidationError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("The person is erased. This is what changed."))
    return redirect(report(erasure))


@require_GET
@desk_page
def desk_erasure(request: AuthenticatedRequest, erasure_id: int) -> HttpResponse:
    erasure = selectors.erasure_get(actor=request.user, erasure_id=erasure_id)
    context = {"nav": NAV, "layout": "desk/layout.html", "erasure": erasure, "rows": report_rows(erasure.counts),
               "back": reverse("privacy:desk_index")}  # fmt: skip
    return render(request, "privacy/erasure.html", context)


def _desk_export_urls(export: PersonalDataExport) -> dict[str, str]:
    return {
        "download_url": reverse("privacy:desk_export_download", args=[export.uid]),
        "retry_url": reverse("privacy:desk_export_retry", args=[export.uid]),
        "back": reverse("privacy:desk_index"),
    }


@require_GET
@desk_page
def desk_export(request: AuthenticatedRequest, export_uid: UUID) -> HttpResponse:
    export = selectors.export_get(actor=request.user, export_uid=export_uid)
    return _export_page(request, export, {"layout": "desk/layout.html"} | _desk_export_urls(export))


@require_GET
@desk_page
def desk_export_download(request: AuthenticatedRequest, export_uid: UUID) -> HttpResponse:
    # A streamed file, which `page_for` passes on as any response.
    return cast(HttpResponse, _download(export_services.export_download(actor=request.user, export_uid=export_uid)))


@require_POST
@desk_page
def desk_export_retry(request: AuthenticatedRequest, export_uid: UUID) -> HttpResponse:
    export = selectors.export_get(actor=request.user, export_uid=export_uid)
    try:
        export_services.export_retry(actor=request.user, export_uid=export.uid)
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The export is queued again."))
    return redirect(reverse("privacy:desk_export", args=[export.uid]))


@require_POST
@desk_page
def desk_hold_set(request: AuthenticatedRequest) -> HttpResponse:
    try:
        organisation_id = int(request.POST.get("organisation", ""))
    except ValueError:
        messages.error(request, _("Choose the organisation to put on hold."))
        return redirect(reverse("privacy:desk_index"))
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
        messages.success(request, _("The legal hold is set on %(what)s.")
                         % {"what": hold.ticket.key if hold.ticket else hold.organisation.name})  # fmt: skip
    return redirect(reverse("privacy:desk_index") + "#holds")


@require_POST
@desk_page
def desk_hold_lift(request: AuthenticatedRequest, hold_id: int) -> HttpResponse:
    hold_services.hold_lift(actor=request.user, hold_id=hold_id)
    messages.success(request, _("The legal hold is lifted."))
    return redirect(reverse("privacy:desk_index") + "#holds")


# --- The portal -----------------------------------------------------------------------------------------------


def _administered(membership: Membership) -> int:
    """The organisation's id, when the membership is its customer admin's; else this page does not exist."""
    if membership.role != MembershipRole.CUSTOMER_ADMIN:
        raise Http404
    return membership.organisation_id


def _portal_context(request: AuthenticatedRequest, membership: Membership) -> dict[str, Any]:
    return {"nav": NAV, "layout": "portal/layout.html", "membership": membership,
            "memberships": portal_memberships(request)}  # fmt: skip


@require_GET
@portal_view
def portal_index(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    organisation_id = _administered(membership)
    context = _portal_context(request, membership) | {
        "people": selectors.members(actor=request.user, organisation_id=organisation_id),
        "exports": selectors.exports(actor=request.user, organisation_id=organisation_id),
        "erasures": selectors.erasures(actor=request.user, organisation_id=organisation_id),
    }
    return render(request, "privacy/portal_index.html", context)


@require_GET
@portal_view
def portal_person(request: AuthenticatedRequest, person_id: int, membership: Membership) -> HttpResponse:
    organisation_id = _administered(membership)
    try:
        person = selectors.person_get(actor=request.user, person_id=person_id, organisation_id=organisation_id)
    except NotFound:
        raise Http404 from None
    context = _portal_context(request, membership) | {
        "person": person,
        "erased": erasure_services.is_erased(person),
        "may_erase": permissions.may_erase(request.user, person, organisation_id),
        "proved": recent_proof(request),
        "export_url": reverse("privacy:portal_export_start", args=[person.pk]),
        "erase_url": reverse("privacy:portal_erase", args=[person.pk]),
    }
    return render(request, "privacy/person.html", context)


@require_POST
@portal_view
@require_recent_second_factor
def portal_export_start(request: AuthenticatedRequest, person_id: int, membership: Membership) -> HttpResponse:
    organisation_id = _administered(membership)
    try:
        export = export_services.export_start(actor=request.user, subject_id=person_id, organisation_id=organisation_id)
    except NotFound:
        raise Http404 from None
    return redirect(reverse("privacy:portal_export", args=[export.uid]))


@require_http_methods(["POST"])
@portal_view
@require_recent_second_factor
def portal_erase(request: AuthenticatedRequest, person_id: int, membership: Membership) -> HttpResponse:
    organisation_id = _administered(membership)
    try:
        person = selectors.person_get(actor=request.user, person_id=person_id, organisation_id=organisation_id)
        return _erase(request, person.pk, organisation_id, back=reverse("privacy:portal_person", args=[person.pk]),
                      report=lambda erasure: reverse("privacy:portal_erasure", args=[erasure.pk]))  # fmt: skip
    except NotFound:
        raise Http404 from None


@require_GET
@portal_view
def portal_erasure(request: AuthenticatedRequest, erasure_id: int, membership: Membership) -> HttpResponse:
    organisation_id = _administered(membership)
    try:
        erasure = selectors.erasure_get(actor=request.user, erasure_id=erasure_id)
    except NotFound:
        raise Http404 from None
    if erasure.organisation_id != organisation_id:
        raise Http404
    context = _portal_context(request, membership) | {"erasure": erasure, "rows": report_rows(erasure.counts),
                                                       "back": reverse("privacy:portal_index")}  # fmt: skip
    return render(request, "privacy/erasure.html", context)


def _portal_export(request: AuthenticatedRequest, export_uid: UUID, membership: Membership) -> PersonalDataExport:
    organisation_id = _administered(membership)
    try:
        export = selectors.export_get(actor=request.user, export_uid=export_uid)
    except NotFound:
        raise Http404 from None
    if export.organisation_id != organisation_id:
        raise Http404
    return export


@require_GET
@portal_view
def portal_export(request: AuthenticatedRequest, export_uid: UUID, membership: Membership) -> HttpResponse:
    export = _portal_export(request, export_uid, membership)
    urls = {
        "download_url": reverse("privacy:portal_export_download", args=[export.uid]),
        "retry_url": reverse("privacy:portal_export_retry", args=[export.uid]),
        "back": reverse("privacy:portal_index"),
    }
    return _export_page(request, export, _portal_context(request, membership) | urls)


@require_GET
@portal_view
def portal_export_download(request: AuthenticatedRequest, export_uid: UUID, membership: Membership) -> HttpResponseBase:
    export = _portal_export(request, export_uid, membership)
    try:
        return _download(export_services.export_download(actor=request.user, export_uid=export.uid))
    except NotFound:
        raise Http404 from None


@require_POST
@portal_view
def portal_export_retry(request: AuthenticatedRequest, export_uid: UUID, membership: Membership) -> HttpResponse:
    export = _portal_export(request, export_uid, membership)
    try:
        export_services.export_retry(actor=request.user, export_uid=export.uid)
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The export is queued again."))
    return redirect(reverse("privacy:portal_export", args=[export.uid]))
