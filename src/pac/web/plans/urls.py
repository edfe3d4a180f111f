from django.urls import path, re_path

from pac.web.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("import/", views.plan_import, name="import"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/analysis/", views.plan_analysis, name="analysis"),
    path("<int:plan_id>/edit/", views.plan_edit, name="edit"),
    path("<int:plan_id>/delete/", views.plan_delete, name="delete"),
    path("<int:plan_id>/export.yaml", views.plan_export, name="export"),
    re_path(r"^(?P<plan_id>[0-9]+)/(?P<section>objectives|stages|roles|efforts)/$", views.plan_section,
            name="section"),
]
