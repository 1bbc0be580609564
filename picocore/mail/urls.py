from django.urls import path

# Imported for their registration of the <id:…> and <ticket_key:…> path converters.
import picocore.core.converters
import picocore.tickets.converters  # noqa: F401
from picocore.mail import views

app_name = "mail"
urlpatterns = [
    path("tickets/<ticket_key:key>/emails/<id:message_id>/", views.message_detail, name="message"),
]
