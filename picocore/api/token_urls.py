"""/accounts/tokens/: the signed-in person's own API tokens."""

from django.urls import path

from picocore.api import token_views

app_name = "api_tokens"
urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("<int:token_id>/revoke/", token_views.token_revoke, name="revoke"),
]
