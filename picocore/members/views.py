"""The contacts page of a customer organisation (`/portal/contacts/`, for its customer admins) and the page an
invitation's link opens (`/portal/invitations/<token>/`, for anyone holding the link).

A member who is no customer admin is told who manages contacts (403); another organisation's member or
invitation is the same 404 as a missing one. GET never changes anything."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.accounts.stepup import proof_record
from picocore.core.errors import NotFound, PermissionDenied, ValidationError
from picocore.core.pagination import query_without_cursor
from picocore.core.params import parse_id
from picocore.members import selectors, services
from picocore.members.forms import AcceptForm, InviteForm, RoleForm
from picocore.members.models import Invitation
from picocore.members.permissions import assignable_roles
from picocore.portal.context import SESSION_KEY, portal_memberships
from picocore.portal.forms import PagePositionForm
from picocore.portal.views import PAGE_SIZE, portal_page
from picocore.sso.oidc import ProviderError
from picocore.sso.selectors import provider_for_email
from picocore.sso.views import start_sign_in
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tenancy.models import Membership, User

FORM_ORGANISATION = "form_organisation"


def _base(request: AuthenticatedRequest, membership: Membership) -> dict[str, object]:
    return {"membership": membership, "memberships": portal_memberships(request), "nav": "contacts"}


def _unavailable(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    return render(request, "members/unavailable.html", _base(request, membership), status=403)


def _contacts(request: AuthenticatedRequest, membership: Membership, *, form: InviteForm | None = None,
              status: int = 200) -> HttpResponse:  # fmt: skip
    """The contacts page, its members in pages as the portal's other lists (`after`, `PAGE_SIZE`); a page link
    that cannot be read is said so (400) above the first page."""
    position = PagePositionForm(request.GET)
    position.is_valid()
    try:
        page = selectors.contacts_page(
            actor=request.user, membership=membership, cursor=position.cursor(), size=PAGE_SIZE
        )
    except PermissionDenied:
        return _unavailable(request, membership)
    refused = page.members.cursor_refused or "after" in position.errors
    context = _base(request, membership) | {
        "page": page,
        "page_refused": PagePositionForm.CURSOR_REFUSED if refused else "",
        "query": query_without_cursor(request),
        "list_path": reverse("members:contacts"),
        "form": form or InviteForm(initial={"language": request.LANGUAGE_CODE}),
        "roles": assignable_roles(),
        "valid_days": services.INVITATION_VALID_FOR.days,
        "form_organisation": membership.organisation_id,
    }
    return render(request, "members/contacts.html", context, status=400 if refused and status == 200 else status)


@require_GET
@portal_page
def contacts(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    return _contacts(request, membership)


def _switched_away(request: AuthenticatedRequest, membership: Membership) -> bool:
    """Whether the form was shown for another organisation than the one this session now works for."""
    sent = parse_id(request.POST.get(FORM_ORGANISATION, ""))
    if sent is not None and sent != membership.organisation_id:
        messages.error(request, _("You switched to %(now)s in another tab; this form was for another organisation. "
                                  "Nothing was sent.") % {"now": membership.organisation.name})  # fmt: skip
        return True
    return False


@require_POST
@portal_page
def invite(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    if _switched_away(request, membership):
        return redirect("members:contacts")
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _contacts(request, membership, form=form, status=400)
    try:
        invitation = services.invitation_create(
            actor=request.user, organisation_id=membership.organisation_id, email=form.cleaned_data["email"],
            role=form.cleaned_data["role"], language=form.cleaned_data["language"],
        )  # fmt: skip
    except PermissionDenied:
        return _unavailable(request, membership)
    except NotFound:
        raise Http404 from None
    except ValidationError as error:
        for field, problems in error.field_errors.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        if not error.field_errors:
            form.add_error(None, error.message)
        return _contacts(request, membership, form=form, status=400)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("members:contacts")


def _refused(request: AuthenticatedRequest, membership: Membership, error: PermissionDenied) -> HttpResponse:
    context = _base(request, membership) | {"message": error.message}
    return render(request, "members/unavailable.html", context, status=403)


def _acted(request: AuthenticatedRequest, membership: Membership, action: Callable[..., object],
           **kwargs: object) -> HttpResponse | None:  # fmt: skip
    """Run a service for the contacts page: None when it went through; a refusal's answer otherwise (404 for
    what is not the actor's to see, 403 for a member who manages no contacts, back to the page with the
    message for a refusal of the change itself)."""
    try:
        action(actor=request.user, **kwargs)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as error:
        return _refused(request, membership, error)
    except ValidationError as error:
        for problem in [p for ps in error.field_errors.values() for p in ps] or [error.message]:
            messages.error(request, problem)
        return redirect("members:contacts")
    return None


def _target(request: AuthenticatedRequest, membership_id: int) -> Membership:
    """The member acted on; Http404 for one the actor may not see, PermissionDenied for a non-manager."""
    try:
        return selectors.member_get(actor=request.user, membership_id=membership_id)
    except NotFound:
        raise Http404 from None


@require_POST
@portal_page
def member_role(request: AuthenticatedRequest, membership_id: int, membership: Membership) -> HttpResponse:
    try:
        target = _target(request, membership_id)
    except PermissionDenied as error:
        return _refused(request, membership, error)
    form = RoleForm(request.POST)
    role = form.cleaned_data["role"] if form.is_valid() else request.POST.get("role", "")
    refused = _acted(request, membership, services.member_role_set, membership_id=membership_id, role=role)
    if refused is not None:
        return refused
    name = target.user.full_name or target.user.email
    messages.success(request, _("%(name)s is now %(role)s.") % {"name": name, "role": dict(assignable_roles())[role]})
    return redirect("members:contacts")


@require_http_methods(["GET", "POST"])
@portal_page
def member_remove(request: AuthenticatedRequest, membership_id: int, membership: Membership) -> HttpResponse:
    """GET: what removing means, and a button; POST: remove."""
    try:
        target = _target(request, membership_id)
    except PermissionDenied as error:
        return _refused(request, membership, error)
    if request.method == "GET":
        return render(request, "members/remove.html", _base(request, membership) | {"target": target})
    refused = _acted(request, membership, services.member_remove, membership_id=membership_id)
    if refused is not None:
        return refused
    names = {"name": target.user.full_name or target.user.email, "organisation": target.organisation.name}
    messages.success(request, _("%(name)s is no longer a member of %(organisation)s; their requests stay.") % names)
    if target.user_id == request.user.pk:
        return redirect("home")
    return redirect("members:contacts")


@require_POST
@portal_page
def invitation_revoke(request: AuthenticatedRequest, invitation_id: int, membership: Membership) -> HttpResponse:
    refused = _acted(request, membership, services.invitation_revoke, invitation_id=invitation_id)
    if refused is not None:
        return refused
    messages.success(request, _("The invitation was revoked: its link no longer works."))
    return redirect("members:contacts")


def _invitation_page(request: HttpRequest, invitation: Invitation | None, *, form: AcceptForm | None = None,
                     problem: object = None, status: int = 200) -> HttpResponse:  # fmt: skip
    context = {"invitation": invitation, "form": form, "problem": problem}
    if invitation is not None and problem is None:
        provider = provider_for_email(email=invitation.email)
        user = request.user if isinstance(request.user, User) else None
        context |= {
            "single_sign_on": provider is not None,
            "signed_in_as": user,
            "is_invitee": user is not None and user.email.lower() == invitation.email,
            "login_url": reverse("accounts:login") + "?" + urlencode({"next": request.path}),
            "role": dict(assignable_roles()).get(invitation.role, invitation.role),
        }
        if form is None and user is None and provider is None:
            context["form"] = AcceptForm()
    response = render(request, "members/invitation.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # no-referrer would send "Origin: null", failing CSRF
    return response


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail. A person without an account sets their name and password; a person with one signs
    in (through their organisation's provider at a single sign-on domain) and joins with one button."""
    found = selectors.invitation_by_token(token)
    problem = services.invitation_problem(found)
    user = request.user if isinstance(request.user, User) else None
    if problem is not None:
        if request.method == "POST" and found is not None and user is not None and found.accepted_by_id == user.pk:
            # A second submit of the form that already made this person a member: where the first one went.
            return redirect("portal:home")
        return _invitation_page(request, found, problem=problem, status=problem.status)
    assert found is not None
    if request.method == "GET":
        return _invitation_page(request, found)
    if request.POST.get("action") == "single_sign_on" and user is None:
        provider = provider_for_email(email=found.email)
        if provider is None:
            return _invitation_page(request, found, status=400)
        try:
            return start_sign_in(request, provider=provider, next_url=request.path)
        except ProviderError as error:
            messages.error(request, str(error))
            return _invitation_page(request, found, status=502)
    if user is not None:
        try:
            joined = services.invitation_accept_existing(actor=user, token=token)
        except services.InvitationRefused as refused:
            return _invitation_page(request, found, problem=refused, status=refused.status_code)
        except PermissionDenied as error:
            messages.error(request, error.message)
            return _invitation_page(request, found, status=403)
        request.session[SESSION_KEY] = joined.organisation_id
        messages.success(request, _("Welcome to %(organisation)s.") % {"organisation": found.organisation.name})
        return redirect("portal:home")
    if provider_for_email(email=found.email) is not None:
        messages.error(request, _("You sign in through your organisation's sign-in service, not with a password."))
        return _invitation_page(request, found, status=400)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        return _invitation_page(request, found, form=form, status=400)
    try:
        person = services.invitation_accept_new(
            token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
        )
    except services.InvitationRefused as refused:
        return _invitation_page(request, found, problem=refused, status=refused.status_code)
    except ValidationError as error:
        for field, problems in error.field_errors.items():
            for message in problems:
                form.add_error(field if field in form.fields else None, message)
        if not error.field_errors:
            form.add_error(None, error.message)
        return _invitation_page(request, found, form=form, status=400)
    login(request, person, backend="picocore.tenancy.backends.ReachBackend")
    proof_record(request, "password")
    messages.success(request, _("Welcome to %(organisation)s.") % {"organisation": found.organisation.name})
    return redirect("portal:home")
