from django.urls import path

from picocore.reports import views

app_name = "reports"
urlpatterns = [
    path("sla/", views.sla_report, name="sla"),
    path("sla.csv", views.sla_report_csv, name="sla_csv"),
]
