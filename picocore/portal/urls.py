from django.urls import path, register_converter

# Imported for their registration of the <id:…> and <ticket_key:…> path converters.
import picocore.core.converters
import picocore.tickets.converters  # noqa: F401
from picocore.portal import (
    access_log_views,
    hours_views,
    knowledge_views,
    known_issue_views,
    landscape_views,
    suggestion_views,
    views,
)
from picocore.portal import change_views as changes
from picocore.reviews import portal_views as reviews


class ArticleRefConverter:
    """`<article_ref:ref>`: an article's id or address — never "known-issues", the known issues' part of the
    knowledge base (/portal/knowledge/known-issues/…), whatever order the patterns are listed in."""

    regex = "(?!known-issues(?:/|$))[-a-zA-Z0-9_]{1,80}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(ArticleRefConverter, "article_ref")

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("new/", views.catalogue, name="catalogue"),
    path("new/<slug:slug>/", views.new_request, name="new_request"),
    path("requests/", views.request_list, name="requests"),
    path("suggestions/", suggestion_views.suggestions, name="suggestions"),
    path("suggestions/<id:suggestion_id>/opened/", suggestion_views.suggestion_opened, name="suggestion_opened"),
    path("suggestions/<id:suggestion_id>/solved/", suggestion_views.suggestion_solved_view, name="suggestion_solved"),
    path("hours/", hours_views.hours, name="hours"),
    path("hours/approvals/<id:approval_id>/", hours_views.approval_decide, name="approval_decide"),
    path("changes/", changes.portal_changes, name="changes"),
    path("changes/feed/", changes.portal_feed, name="changes_feed"),
    path("changes/<id:change_id>/", changes.portal_change, name="change"),
    path("landscape/", landscape_views.landscape, name="landscape"),
    path("knowledge/known-issues/", known_issue_views.known_issues, name="known_issues"),
    path("knowledge/known-issues/<id:issue_id>/", known_issue_views.known_issue, name="known_issue"),
    path("knowledge/", knowledge_views.portal_knowledge, name="knowledge"),
    path("knowledge/<article_ref:ref>/", knowledge_views.portal_article, name="article"),
    path(
        "knowledge/<article_ref:ref>/files/<id:attachment_id>/",
        knowledge_views.portal_article_file,
        name="article_file",
    ),
    path("access-log/", access_log_views.access_log, name="access_log"),
    path("access-log/access-log.csv", access_log_views.access_log_csv, name="access_log_csv"),
    path("reviews/", reviews.portal_reviews, name="reviews"),
    path("reviews/<id:review_id>/", reviews.portal_review, name="review"),
    path("reviews/<id:review_id>/pdf/", reviews.portal_review_pdf, name="review_pdf"),
    path("requests/<ticket_key:key>/", views.request_detail, name="request"),
    path("requests/<ticket_key:key>/reply/", views.request_reply, name="reply"),
    path("requests/<ticket_key:key>/confirm/", views.request_confirm, name="confirm"),
    path("requests/<ticket_key:key>/reopen/", views.request_reopen, name="reopen"),
    path("requests/<ticket_key:key>/rating/", views.request_rate, name="rate"),
    path("requests/<ticket_key:key>/share/", views.request_share, name="share"),
    path("requests/<ticket_key:key>/files/<id:attachment_id>/", views.attachment_download, name="attachment"),
]
