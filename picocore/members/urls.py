from django.urls import path

# Imported for its registration of the <id:…> path converter.
import picocore.core.converters  # noqa: F401
from picocore.members import views

app_name = "members"
urlpatterns = [
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/invite/", views.invite, name="invite"),
    path("contacts/<id:membership_id>/role/", views.member_role, name="role"),
    path("contacts/<id:membership_id>/remove/", views.member_remove, name="remove"),
    path("contacts/invitations/<id:invitation_id>/revoke/", views.invitation_revoke, name="revoke"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
