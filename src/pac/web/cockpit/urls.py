from django.urls import path

from pac.web.cockpit import breakdown_views, forecast_views, meetings, produced, scenario_views, views
from pac.web.cockpit.reports import views as reports

app_name = "cockpit"
urlpatterns = [
    path("", views.home, name="home"),
    path("plans/<int:plan_id>/levers/accept/", views.lever_accept, name="lever_accept"),
    path("plans/<int:plan_id>/alerts/aside/", views.alert_aside, name="alert_aside"),
    path("plans/<int:plan_id>/alerts/delivery/", views.alert_channel, name="alert_channel"),
    path("plans/<int:plan_id>/alerts/thresholds/", views.alert_thresholds, name="alert_thresholds"),
    path("forecast/", forecast_views.forecast_page, name="forecast"),
    path("plans/<int:plan_id>/forecast/submit/", forecast_views.forecast_submit_view, name="forecast_submit"),
    path("plans/<int:plan_id>/forecast/adjust/", forecast_views.forecast_adjust_view, name="forecast_adjust"),
    path("plans/<int:plan_id>/rituals/<int:ritual_id>/", meetings.ritual_meetings, name="ritual_meetings"),
    path("plans/<int:plan_id>/rituals/<int:ritual_id>/<str:day>/", meetings.meeting_page, name="meeting"),
    path("plans/<int:plan_id>/rituals/<int:ritual_id>/<str:day>/open/", meetings.meeting_open, name="meeting_open"),
    path(
        "plans/<int:plan_id>/rituals/<int:ritual_id>/<str:day>/minutes/",
        meetings.meeting_minutes,
        name="meeting_minutes",
    ),
    path(
        "plans/<int:plan_id>/rituals/<int:ritual_id>/<str:day>/decision/",
        meetings.meeting_decision,
        name="meeting_decision",
    ),
    path("kpis/", views.kpi_page, name="kpis"),
    path("plans/<int:plan_id>/scenarios/compare/", scenario_views.scenarios_compare, name="scenarios_compare"),
    path("plans/<int:plan_id>/split/", breakdown_views.plan_split, name="plan_split"),
    path("plans/<int:plan_id>/parts/", breakdown_views.plan_parts, name="plan_parts"),
    path("plans/<int:plan_id>/progress/", views.plan_progress, name="plan_progress"),
    path("plans/<int:plan_id>/history-rates/", views.plan_history_rates, name="plan_history_rates"),
    path("plans/<int:plan_id>/weeks-produced/", produced.weeks_produced, name="weeks_produced"),
    path("plans/<int:plan_id>/report/<str:kind>.pdf", reports.pack_pdf_view, name="report_pdf"),
    path("plans/<int:plan_id>/report/<str:kind>.xlsx", reports.pack_xlsx_view, name="report_xlsx"),
]
