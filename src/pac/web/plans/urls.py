from django.urls import path, re_path

from pac.web.plans import action_list, decision_views, entities, exports, history_views, planning, priorities_views, views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("import/", views.plan_import, name="import"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/edit/", views.plan_edit, name="edit"),
    path("<int:plan_id>/delete/", views.plan_delete, name="delete"),
    path("<int:plan_id>/export.yaml", views.plan_export, name="export"),
    re_path(r"^(?P<plan_id>[0-9]+)/(?P<section>objectives|stages|roles|efforts)/$", views.plan_section, name="section"),
    path("<int:plan_id>/roadmap/", planning.roadmap, name="roadmap"),
    path("<int:plan_id>/month/", planning.month, name="month"),
    path("<int:plan_id>/week/", planning.week, name="week"),
    path("<int:plan_id>/raci/", planning.raci_grid, name="raci"),
    path("<int:plan_id>/priorities/", priorities_views.plan_priorities, name="priorities"),
    path("<int:plan_id>/priorities/decide/", priorities_views.plan_decide, name="decide"),
    path("<int:plan_id>/decisions/", decision_views.decision_log, name="decisions"),
    path("<int:plan_id>/export.xlsx", exports.plan_xlsx, name="xlsx"),
    path("<int:plan_id>/calendar.ics", exports.plan_ics, name="ics"),
    path("<int:plan_id>/feeds/", exports.feeds, name="feeds"),
    path("<int:plan_id>/feeds/change/", exports.feed_change, name="feed_change"),
    path("<int:plan_id>/accounts/import/", entities.accounts_import, name="accounts_import"),
    path("<int:plan_id>/actions/<int:pk>/status/", action_list.action_status, name="action_status"),
    path("<int:plan_id>/history/", history_views.plan_history, name="history"),
    path("<int:plan_id>/history.csv", history_views.history_csv, name="history_csv"),
    path("<int:plan_id>/history.xlsx", history_views.history_xlsx, name="history_xlsx"),
    path("<int:plan_id>/history/<slug:kind>/<int:pk>/", history_views.object_history, name="object_history"),
    path("<int:plan_id>/<slug:entity>/", entities.entity_list, name="entities"),
    path("<int:plan_id>/<slug:entity>/new/", entities.entity_edit, name="entity_new"),
    path("<int:plan_id>/<slug:entity>/<int:pk>/", entities.entity_edit, name="entity_edit"),
    path("<int:plan_id>/<slug:entity>/<int:pk>/delete/", entities.entity_delete, name="entity_delete"),
]
