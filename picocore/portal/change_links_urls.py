"""The change addresses that need no sign-in: the approval link of the e-mail and the secret calendar feeds."""

from django.urls import path

from picocore.portal import change_views

app_name = "changes_public"
urlpatterns = [
    path("approve/<str:token>/", change_views.approval_link, name="approval_link"),
    path("feeds/<str:token>.ics", change_views.feed, name="feed"),
]
