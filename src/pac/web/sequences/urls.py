"""The sequences' pages, under their plan (``/plans/<plan_id>/sequences/…``, mounted before the plans' own
URLs so that the plans' catch-all section pattern does not take them)."""

from django.urls import path

from pac.web.sequences import builder_views, enrol_views

app_name = "sequences"
urlpatterns = [
    # the builder and the enrolment screen
    path("<int:plan_id>/sequences/", builder_views.sequence_list, name="list"),
    path("<int:plan_id>/sequences/new/", builder_views.sequence_new, name="new"),
    path("<int:plan_id>/sequences/builtin/", builder_views.sequence_builtin, name="builtin"),
    path("<int:plan_id>/sequences/<int:sequence_id>/", builder_views.sequence_edit, name="edit"),
    path("<int:plan_id>/sequences/<int:sequence_id>/state/", builder_views.sequence_state, name="state"),
    path("<int:plan_id>/sequences/<int:sequence_id>/enrol/", enrol_views.enrol_page, name="enrol"),
]
