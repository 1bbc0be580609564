from django.urls import path

from picocore.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("sla/", views.sla_report, name="sla"),
    path("sla.csv", views.sla_report_csv, name="sla_csv"),
    path("backlog/", views.backlog_report, name="backlog"),
    path("backlog.csv", views.backlog_report_csv, name="backlog_csv"),
    path("volume/", views.volume_report, name="volume"),
    path("volume.csv", views.volume_report_csv, name="volume_csv"),
    path("response-times/", views.response_times_report, name="response_times"),
    path("response-times.csv", views.response_times_report_csv, name="response_times_csv"),
    path("reopens/", views.reopens_report, name="reopens"),
    path("reopens.csv", views.reopens_report_csv, name="reopens_csv"),
    path("hours/", views.hours_report, name="hours"),
    path("hours.csv", views.hours_report_csv, name="hours_csv"),
    path("satisfaction/", views.satisfaction_report, name="satisfaction"),
    path("satisfaction.csv", views.satisfaction_report_csv, name="satisfaction_csv"),
    path("deflection/", views.deflection_report, name="deflection"),
    path("deflection.csv", views.deflection_report_csv, name="deflection_csv"),
]
