"""/api/v1/: every resource of the API's first version."""

from django.urls import path

# Imported for its registration of the <id:…> path converter.
import picocore.core.converters  # noqa: F401
from picocore.api.views import (
    alerts,
    articles,
    changes,
    components,
    contracts,
    development,
    notifications,
    organisations,
    problems,
    request_types,
    sla,
    tickets,
    time_entries,
)

app_name = "v1"
urlpatterns = [
    path("alerts/<slug:slug>/", alerts.AlertIntakeView.as_view(), name="alert-intake"),
    path("tickets/", tickets.TicketListView.as_view(), name="tickets"),
    path("tickets/<str:key>/", tickets.TicketDetailView.as_view(), name="ticket"),
    path("tickets/<str:key>/timeline/", tickets.TimelineView.as_view(), name="ticket-timeline"),
    path(
        "tickets/<str:key>/attachments/<int:attachment_id>/",
        tickets.AttachmentView.as_view(),
        name="ticket-attachment",
    ),
    path("tickets/<str:key>/reply/", tickets.ReplyView.as_view(), name="ticket-reply"),
    path("tickets/<str:key>/note/", tickets.NoteView.as_view(), name="ticket-note"),
    path("tickets/<str:key>/transition/", tickets.TransitionView.as_view(), name="ticket-transition"),
    path("tickets/<str:key>/assign/", tickets.AssignView.as_view(), name="ticket-assign"),
    path("tickets/<str:key>/next-step/", tickets.NextStepView.as_view(), name="ticket-next-step"),
    path("tickets/<str:key>/priority/", tickets.PriorityView.as_view(), name="ticket-priority"),
    path("tickets/<str:key>/link/", tickets.LinkView.as_view(), name="ticket-link"),
    path("tickets/<str:key>/merge/", tickets.MergeView.as_view(), name="ticket-merge"),
    path("tickets/<str:key>/sla/", sla.TicketSlaView.as_view(), name="ticket-sla"),
    path("notifications/", notifications.NotificationListView.as_view(), name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("organisations/", organisations.OrganisationListView.as_view(), name="organisations"),
    path("organisations/<slug:slug>/", organisations.OrganisationDetailView.as_view(), name="organisation"),
    path("organisations/<slug:slug>/contracts/", contracts.ContractListView.as_view(), name="organisation-contracts"),
    path(
        "organisations/<slug:slug>/request-types/",
        request_types.RequestTypeListView.as_view(),
        name="organisation-request-types",
    ),
    path("components/", components.ComponentListView.as_view(), name="components"),
    path("components/<id:component_id>/", components.ComponentDetailView.as_view(), name="component"),
    path("changes/", changes.ChangeListView.as_view(), name="changes"),
    path("changes/<id:change_id>/", changes.ChangeDetailView.as_view(), name="change"),
    path("problems/", problems.ProblemListView.as_view(), name="problems"),
    path("problems/<id:problem_id>/", problems.ProblemDetailView.as_view(), name="problem"),
    path("known-issues/", problems.KnownIssueListView.as_view(), name="known-issues"),
    path("known-issues/<id:issue_id>/", problems.KnownIssueDetailView.as_view(), name="known-issue"),
    path("articles/", articles.ArticleListView.as_view(), name="articles"),
    path("articles/<str:ref>/", articles.ArticleDetailView.as_view(), name="article"),
    path("development-items/", development.DevelopmentItemListView.as_view(), name="development-items"),
    path("development-items/<id:item_id>/", development.DevelopmentItemDetailView.as_view(), name="development-item"),
    path("time-entries/", time_entries.TimeEntryListView.as_view(), name="time-entries"),
    path("time-entries/<id:entry_id>/", time_entries.TimeEntryDetailView.as_view(), name="time-entry"),
]
