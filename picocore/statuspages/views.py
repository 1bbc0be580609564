"""The customer's status page, `/status/<organisation>/`, its subscribe form, and the links in the e-mails: confirm
a subscription and unsubscribe (GET shows a page, POST acts; the unsubscribe POST also answers RFC 8058's
one-click `List-Unsubscribe=One-Click` without a CSRF token, since the signed link is the proof). Each view
parses its input, calls one selector or service, and renders or redirects; a page the person may not read is the
same 404 as a missing one."""

import zoneinfo

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.core.errors import NotFound, PicoCoreError, ValidationError
from picocore.statuspages import links, permissions, selectors, services
from picocore.statuspages.choices import SubscriberKind
from picocore.statuspages.models import ADDRESS_MAX_LENGTH, Subscriber
from picocore.tenancy.models import Membership, User


class SubscribeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Tell me by"), choices=SubscriberKind.choices,
                             initial=SubscriberKind.EMAIL)  # fmt: skip
    address = forms.CharField(
        label=gettext_lazy("E-mail address or webhook URL"), max_length=ADDRESS_MAX_LENGTH, strip=True
    )


def _memberships(user: object) -> list[Membership]:
    if not isinstance(user, User):
        return []
    return list(Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name"))


def _render_page(
    request: HttpRequest, slug: str, *, form: SubscribeForm | None = None, status: int = 200
) -> HttpResponse:
    token = request.GET.get("token") or request.POST.get("token") or None
    try:
        access = selectors.page_access(actor=request.user, slug=slug, token=token)
    except NotFound:
        raise Http404 from None
    organisation = access.organisation
    with timezone.override(zoneinfo.ZoneInfo(organisation.time_zone)):
        view = selectors.status_view(organisation)
        memberships = _memberships(request.user)
        membership = next((m for m in memberships if m.organisation_id == organisation.pk), None)
        may_email = permissions.can_subscribe_email(request.user, organisation.pk)
        may_webhook = may_email and permissions.can_subscribe_webhook(request.user, organisation.pk)
        if form is None and may_email:
            form = SubscribeForm()
        if form is not None and not may_webhook:
            kind = form.fields["kind"]
            assert isinstance(kind, forms.ChoiceField)
            kind.choices = [(SubscriberKind.EMAIL, SubscriberKind.EMAIL.label)]
        context = {
            "view": view, "organisation": organisation, "membership": membership, "memberships": memberships,
            "nav": "status", "form": form if may_email else None, "token": token if access.by_link else "",
            "subscriptions": selectors.own_subscriptions(actor=request.user, organisation=organisation)
            if isinstance(request.user, User) else [],
        }  # fmt: skip
        response = render(request, "statuspages/page.html", context, status=status)
    response["Cache-Control"] = "private, no-store" if access.page.visibility != "public" else "public, max-age=30"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def page(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_page(request, slug)


@require_POST
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        access = selectors.page_access(actor=request.user, slug=slug)
    except NotFound:
        raise Http404 from None
    if not isinstance(request.user, User) or not permissions.can_subscribe_email(request.user, access.organisation.pk):
        raise Http404
    form = SubscribeForm(request.POST)
    if form.is_valid():
        try:
            subscriber = services.subscriber_add(
                actor=request.user, organisation_id=access.organisation.pk, kind=form.cleaned_data["kind"],
                address=form.cleaned_data["address"],
            )  # fmt: skip
        except ValidationError as error:
            for message in error.field_errors.get("address", []) or [error.message]:
                form.add_error("address", message)
        except PicoCoreError as error:
            form.add_error(None, error.message)
        else:
            if subscriber.kind == SubscriberKind.WEBHOOK:
                messages.success(request, _("Webhook subscribed. Its signing secret, shown only now: %(secret)s")
                                 % {"secret": subscriber.secret})  # fmt: skip
            elif subscriber.confirmed:
                messages.success(request, _("Subscribed: %(address)s.") % {"address": subscriber.address})
            else:
                messages.success(request, _("We sent a confirmation link to %(address)s.")
                                 % {"address": subscriber.address})  # fmt: skip
            return redirect(reverse("statuspages:page", args=[slug]))
    return _render_page(request, slug, form=form, status=400)


def _subscriber(token: str, target: str | None) -> Subscriber | None:
    return Subscriber.objects.select_related("organisation").filter(token=target).first() if target else None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with one button; POST (the button, or a mail client's one-click POST): unsubscribed."""
    target = links.unsubscribe_target(token)
    subscriber = _subscriber(token, target)
    if subscriber is None or target is None:
        raise Http404
    if request.method == "POST":
        services.subscriber_unsubscribe(token=target)
        return render(request, "statuspages/unsubscribed.html", {"subscriber": subscriber})
    return render(request, "statuspages/unsubscribe.html", {"subscriber": subscriber, "token": token})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    target = links.confirm_target(token)
    subscriber = _subscriber(token, target)
    if subscriber is None or target is None or subscriber.unsubscribed_at is not None:
        raise Http404
    if request.method == "POST":
        services.subscriber_confirm(token=target)
        return render(request, "statuspages/confirmed.html", {"subscriber": subscriber})
    return render(request, "statuspages/confirm.html", {"subscriber": subscriber, "token": token})
