"""The service managers' webhook pages, `/desk/webhooks/`: the subscriptions, a new one, one's page with its
delivery log (request, answer, latency, attempts, next attempt) and its actions (redeliver, rotate the secret,
send a test, disable, enable, delete). Each view parses, calls one selector or service, renders or redirects.
Anyone who may not manage webhooks gets 404, as does a subscription they may not manage."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.core.errors import PicoCoreError, ValidationError
from picocore.core.guards import page_for
from picocore.tenancy.http import AuthenticatedRequest
from picocore.webhooks import permissions, selectors, services
from picocore.webhooks.forms import SubscriptionForm
from picocore.webhooks.models import Subscription
from picocore.webhooks.sending import BACKOFF, MAX_ATTEMPTS

NAV = "webhooks"


# Those who may manage webhooks; anyone else, and anything not theirs, gets the same 404 as a missing page.
manager_page = page_for(permissions.may_manage_webhooks)


@require_GET
@manager_page
def subscription_list(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.subscription_list(actor=request.user)
    return render(request, "webhooks/list.html", {"nav": NAV, "rows": rows})


def _fields(form: SubscriptionForm) -> services.SubscriptionFields:
    data = form.cleaned_data
    return services.SubscriptionFields(
        name=data["name"], url=data["url"], organisation_id=data["organisation"], events=list(data["events"])
    )


def _add_errors(form: SubscriptionForm, error: PicoCoreError) -> None:
    if isinstance(error, ValidationError) and error.field_errors:
        for field, errors in error.field_errors.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, error.message)


def _secret_page(request: HttpRequest, subscription: Subscription, secret: str) -> HttpResponse:
    """The secret, shown this once (never stored in the clear, never put in a message or the session)."""
    response = render(request, "webhooks/secret.html", {"nav": NAV, "subscription": subscription, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@manager_page
def subscription_new(request: AuthenticatedRequest) -> HttpResponse:
    organisations = selectors.organisation_choices(actor=request.user)
    form = SubscriptionForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = services.subscription_create(actor=request.user, fields=_fields(form))
        except PicoCoreError as error:
            _add_errors(form, error)
        else:
            return _secret_page(request, subscription, secret)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/form.html", {"nav": NAV, "form": form, "subscription": None}, status=status)


@require_http_methods(["GET", "POST"])
@manager_page
def subscription_edit(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.subscription_get(actor=request.user, subscription_id=subscription_id)
    organisations = selectors.organisation_choices(actor=request.user)
    initial = {"name": subscription.name, "url": subscription.url, "organisation": subscription.organisation_id,
               "events": subscription.events}  # fmt: skip
    form = SubscriptionForm(request.POST or None, organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_update(actor=request.user, subscription_id=subscription.pk, fields=_fields(form))
        except PicoCoreError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The subscription is saved."))
            return redirect(reverse("webhooks:subscription", args=[subscription.pk]))
    status = 400 if request.method == "POST" else 200
    context = {"nav": NAV, "form": form, "subscription": subscription}
    return render(request, "webhooks/form.html", context, status=status)


@require_GET
@manager_page
def subscription_detail(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    subscription = selectors.subscription_get(actor=request.user, subscription_id=subscription_id)
    log = selectors.delivery_log(actor=request.user, subscription=subscription)
    context = {"nav": NAV, "subscription": subscription, "log": log, "max_attempts": MAX_ATTEMPTS,
               "backoff": BACKOFF}  # fmt: skip
    return render(request, "webhooks/detail.html", context)


def _act(request: AuthenticatedRequest, subscription_id: int, action: Callable[[], object], done: str) -> HttpResponse:
    try:
        action()
    except ValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(reverse("webhooks:subscription", args=[subscription_id]))


@require_POST
@manager_page
def subscription_rotate(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    subscription, secret = services.subscription_rotate_secret(actor=request.user, subscription_id=subscription_id)
    return _secret_page(request, subscription, secret)


@require_POST
@manager_page
def subscription_ping(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    return _act(request, subscription_id,
                lambda: services.subscription_ping(actor=request.user, subscription_id=subscription_id),
                _("A test event is on its way; its answer is in the log below."))  # fmt: skip


@require_POST
@manager_page
def subscription_disable(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    return _act(request, subscription_id,
                lambda: services.subscription_disable(actor=request.user, subscription_id=subscription_id),
                _("Disabled: nothing is posted until it is enabled; what it is owed waits."))  # fmt: skip


@require_POST
@manager_page
def subscription_enable(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    return _act(request, subscription_id,
                lambda: services.subscription_enable(actor=request.user, subscription_id=subscription_id),
                _("Enabled: what waited is being posted."))  # fmt: skip


@require_POST
@manager_page
def subscription_delete(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    services.subscription_delete(actor=request.user, subscription_id=subscription_id)
    messages.success(request, _("The subscription is deleted."))
    return redirect(reverse("webhooks:subscriptions"))


@require_POST
@manager_page
def delivery_redeliver(request: AuthenticatedRequest, subscription_id: int, delivery_id: int) -> HttpResponse:
    return _act(request, subscription_id,
                lambda: services.delivery_redeliver(actor=request.user, subscription_id=subscription_id,
                                                    delivery_id=delivery_id),
                _("Sent again, with the same message id."))  # fmt: skip
