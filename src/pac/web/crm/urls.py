from django.urls import path

from pac.web.crm import views

app_name = "crm"
urlpatterns = [
    path("import/", views.crm_import, name="import"),
    path("imports/<int:job_id>/", views.crm_job, name="job"),
    path("imports/<int:job_id>/confirm/", views.crm_job_confirm, name="job_confirm"),
    path("imports/<int:job_id>/retry/", views.crm_job_retry, name="job_retry"),
    path("imports/<int:job_id>/report.csv", views.crm_job_report, name="job_report"),
]
