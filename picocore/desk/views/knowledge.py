"""The service team's knowledge base: `/desk/knowledge/` — the articles with their filters and the reviews due,
a new article, an article's page (its text, who it is for, what it applies to, its files, history and versions,
the personal data a draft made from a ticket still holds) with its actions (publish, reviewed, archive, add
files), its edit form and each version with what changed; and making a draft article from a resolved ticket.
Each view parses its input, calls one selector or service, and renders or redirects; an article the person may
not read is the same 404 as a missing one."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from picocore.core.errors import NotFound, PicoCoreError, ValidationError
from picocore.core.forms import show_service_errors
from picocore.desk.views.common import desk_page, error_text, filter_choice, filter_id
from picocore.knowledge import selectors, services
from picocore.knowledge.choices import ArticleStatus, Audience
from picocore.knowledge.downloads import attachment_response
from picocore.knowledge.forms import ArticleForm, FilesForm, PublishForm, ReviewedForm
from picocore.knowledge.models import Article
from picocore.tenancy.http import AuthenticatedRequest
from picocore.tickets.models import Ticket

NAV = "knowledge"


@require_GET
@desk_page
def desk_knowledge(request: AuthenticatedRequest) -> HttpResponse:
    """The list, filtered by audience, status, owner and overdue review, a page at a time; a filter that cannot
    be read is named (400). The reviews due are listed above it."""
    problems: list[str] = []
    audience = filter_choice(request, "audience", Audience.values, problems, _("Choose an audience from the list."))
    status = filter_choice(request, "status", ArticleStatus.values, problems, _("Choose a status from the list."))
    owner = filter_id(request, "owner", problems, _("Choose an owner from the list."))
    overdue = request.GET.get("overdue", "") == "1"
    text = request.GET.get("q", "").replace("\x00", "").strip()[: selectors.TEXT_MAX]
    filters = selectors.ArticleFilters(audience=audience, status=status, owner_id=owner, overdue=overdue, text=text)
    page = selectors.desk_articles(actor=request.user, filters=filters, cursor=request.GET.get("after") or None)
    if page.cursor_refused:
        problems.append(_("That page of the list no longer exists: this is the first page."))
    query = urlencode({key: value for key, value in (("audience", audience), ("status", status),
                       ("owner", owner or ""), ("overdue", "1" if overdue else ""), ("q", text)) if value})  # fmt: skip
    context = {
        "nav": NAV, "page": page, "due": selectors.articles_due_for_review(actor=request.user),
        "filters": filters, "owners": selectors.article_owners(), "audiences": Audience.choices,
        "statuses": ArticleStatus.choices, "problems": problems, "query": query,
        "today": services.today(),
    }  # fmt: skip
    return render(request, "knowledge/desk_list.html", context, status=400 if problems else 200)


def _form(request: AuthenticatedRequest, *, data=None, initial=None, organisation_ids=()) -> ArticleForm:
    organisations = selectors.choosable_organisations(actor=request.user)
    chosen = sorted({pk for pk, _name in organisations} | set(organisation_ids))
    return ArticleForm(
        data, initial=initial, organisations=organisations, owners=selectors.article_owners(),
        components=selectors.choosable_components(organisation_ids=chosen),
    )  # fmt: skip


def _save(request: AuthenticatedRequest, form: ArticleForm, save) -> Article | None:
    """The form's article saved by `save(fields)`, or None with the refusal on the form."""
    if not form.is_valid():
        return None
    try:
        return save(form.fields_for_service())
    except NotFound:
        raise Http404 from None
    except PicoCoreError as error:
        show_service_errors(form, error)
    return None


@require_http_methods(["GET", "POST"])
@desk_page
def desk_article_new(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "knowledge/desk_form.html", {"nav": NAV, "form": _form(request)})
    form = _form(request, data=request.POST)
    article = _save(request, form, lambda fields: services.article_create(actor=request.user, fields=fields))
    if article is None:
        return render(request, "knowledge/desk_form.html", {"nav": NAV, "form": form}, status=400)
    messages.success(request, _("The draft is saved. Publish it when it is ready."))
    return redirect(reverse("desk:article", args=[article.pk]))


def _page(request: AuthenticatedRequest, article_id: int, *, status: int = 200, **forms) -> HttpResponse:
    try:
        detail = selectors.article_detail(actor=request.user, article_id=article_id)
    except NotFound:
        raise Http404 from None
    context = {
        "nav": NAV, "detail": detail, "article": detail.article,
        "publish_form": forms.get("publish_form") or PublishForm(),
        "reviewed_form": forms.get("reviewed_form") or ReviewedForm(),
        "files_form": forms.get("files_form") or FilesForm(),
    }  # fmt: skip
    return render(request, "knowledge/desk_detail.html", context, status=status)


@require_GET
@desk_page
def desk_article(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    return _page(request, article_id)


@require_http_methods(["GET", "POST"])
@desk_page
def desk_article_edit(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    try:
        article, organisation_ids, component_ids = selectors.article_for_edit(actor=request.user, article_id=article_id)
    except NotFound:
        raise Http404 from None
    initial = {
        "title": article.title, "body_html": article.body_html, "audience": article.audience,
        "for_all_customers": "all" if article.for_all_customers else "chosen", "organisations": organisation_ids,
        "product": article.product, "version_from": article.version_from, "version_to": article.version_to,
        "components": component_ids, "owner": article.owner_id, "review_due": article.review_due,
    }  # fmt: skip
    context = {"nav": NAV, "article": article}
    if request.method == "GET":
        form = _form(request, initial=initial, organisation_ids=organisation_ids)
        return render(request, "knowledge/desk_form.html", {**context, "form": form})
    form = _form(request, data=request.POST, initial=initial, organisation_ids=organisation_ids)
    saved = _save(request, form, lambda fields: services.article_update(actor=request.user, article_id=article.pk,
                                                                        fields=fields))  # fmt: skip
    if saved is None:
        return render(request, "knowledge/desk_form.html", {**context, "form": form}, status=400)
    messages.success(request, _("The article is saved."))
    return redirect(reverse("desk:article", args=[article.pk]))


@require_GET
@desk_page
def desk_article_version(request: AuthenticatedRequest, article_id: int, number: int) -> HttpResponse:
    try:
        article, view = selectors.article_version(actor=request.user, article_id=article_id, number=number)
    except NotFound:
        raise Http404 from None
    return render(request, "knowledge/desk_version.html", {"nav": NAV, "article": article, "view": view})


def _action(request: AuthenticatedRequest, article_id: int, act, done: str, form_name: str, form) -> HttpResponse:
    """Run one service on the article: back to its page with `done`, or the page with the refusal and its
    status (nothing changed)."""
    try:
        act()
    except NotFound:
        raise Http404 from None
    except PicoCoreError as error:
        messages.error(request, error_text(error))
        if isinstance(error, ValidationError):
            show_service_errors(form, error)
        return _page(request, article_id, status=error.status_code, **{form_name: form})
    messages.success(request, done)
    return redirect(reverse("desk:article", args=[article_id]))


@require_POST
@desk_page
def desk_article_publish(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    form = PublishForm(request.POST)
    form.is_valid()
    removed = bool(form.cleaned_data.get("personal_data_removed"))
    return _action(
        request, article_id,
        lambda: services.article_publish(actor=request.user, article_id=article_id, personal_data_removed=removed),
        _("The article is published."), "publish_form", form,
    )  # fmt: skip


@require_POST
@desk_page
def desk_article_reviewed(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    form = ReviewedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the next review as a date."))
        return _page(request, article_id, status=400, reviewed_form=form)
    return _action(
        request, article_id,
        lambda: services.article_mark_reviewed(actor=request.user, article_id=article_id,
                                               next_review=form.cleaned_data["next_review"]),
        _("Marked as reviewed."), "reviewed_form", form,
    )  # fmt: skip


@require_POST
@desk_page
def desk_article_archive(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    return _action(
        request, article_id, lambda: services.article_archive(actor=request.user, article_id=article_id),
        _("The article is archived: customers no longer see it."), "publish_form", PublishForm(),
    )  # fmt: skip


@require_POST
@desk_page
def desk_article_files(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    form = FilesForm(request.POST, request.FILES)
    form.is_valid()
    files = form.cleaned_data.get("attachments") or []
    return _action(
        request, article_id, lambda: services.article_attach(actor=request.user, article_id=article_id, files=files),
        _("The files are added."), "files_form", form,
    )  # fmt: skip


@require_GET
@desk_page
def desk_article_file(request: AuthenticatedRequest, article_id: int, attachment_id: int) -> FileResponse:
    try:
        attachment = selectors.desk_attachment_get(actor=request.user, article_id=article_id,
                                                   attachment_id=attachment_id)  # fmt: skip
    except NotFound:
        raise Http404 from None
    return attachment_response(attachment)


@require_POST
@desk_page
def desk_article_from_ticket(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Make a draft article of a resolved ticket's resolution (or open the one made already)."""
    ticket = Ticket.objects.filter(key=key).only("pk").first()
    try:
        if ticket is None:
            raise NotFound("")
        article = services.article_from_ticket(actor=request.user, ticket_id=ticket.pk)
    except NotFound:
        raise Http404 from None
    except PicoCoreError as error:
        messages.error(request, error.message)
        return redirect(reverse("desk:ticket", args=[key]))
    messages.success(request, _("A draft article is made from the resolution: remove the personal data, then "
                                "publish it."))  # fmt: skip
    return redirect(reverse("desk:article", args=[article.pk]))
