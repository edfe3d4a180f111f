from django.urls import path

from pac.web.playbooks import views

app_name = "playbooks"
urlpatterns = [
    path("", views.playbook_list, name="list"),
    path("upload/", views.playbook_upload, name="upload"),
    path("builtin/<slug:name>/", views.start_builtin, name="builtin"),
    path("<int:playbook_id>/", views.start_custom, name="custom"),
    path("<int:playbook_id>/delete/", views.playbook_delete, name="delete"),
    path("from-plan/<int:plan_id>/", views.plan_save, name="save"),
]
