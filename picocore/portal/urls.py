from django.urls import path

# Imported for their registration of the <id:…> and <ticket_key:…> path converters.
import picocore.core.converters
import picocore.tickets.converters  # noqa: F401
from picocore.portal import change_views as changes
from picocore.portal import hours_views, known_issue_views, landscape_views, suggestion_views, views
from picocore.reviews import portal_views as reviews

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
    path("reviews/", reviews.portal_reviews, name="reviews"),
    path("reviews/<id:review_id>/", reviews.portal_review, name="review"),
    path("reviews/<id:review_id>/pdf/", reviews.portal_review_pdf, name="review_pdf"),
    path("requests/<ticket_key:key>/", views.request_detail, name="request"),
    path("requests/<ticket_key:key>/reply/", views.request_reply, name="reply"),
    path("requests/<ticket_key:key>/confirm/", views.request_confirm, name="confirm"),
    path("requests/<ticket_key:key>/reopen/", views.request_reopen, name="reopen"),
    path("requests/<ticket_key:key>/rating/", views.request_rate, name="rate"),
    path("requests/<ticket_key:key>/files/<id:attachment_id>/", views.attachment_download, name="attachment"),
]
