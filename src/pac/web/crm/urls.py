from django.urls import path

from pac.web.crm import kpi_views, views

app_name = "crm"
urlpatterns = [
    path("import/", views.crm_import, name="import"),
    path("kpis/", kpi_views.kpi_page, name="kpis"),
    path("imports/<int:job_id>/", views.crm_job, name="job"),
    path("imports/<int:job_id>/report.csv", views.crm_job_report, name="job_report"),
]
