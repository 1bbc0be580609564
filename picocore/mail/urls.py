from django.urls import path

from picocore.mail import views

app_name = "mail"
urlpatterns = [
    path("tickets/<str:key>/emails/<int:message_id>/", views.message_detail, name="message"),
]
