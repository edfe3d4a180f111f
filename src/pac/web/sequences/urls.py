"""The sequences' pages: under their plan (``/plans/<plan_id>/sequences/…``; this app's URLs come before the
plans' own so that the plans' catch-all section pattern does not take them), and the rep's ``/today/``."""

from django.urls import path

from pac.web.sequences import builder_views, enrol_views, people_views, queue_views, results_views

app_name = "sequences"
urlpatterns = [
    # the builder and the enrolment screen
    path("plans/<int:plan_id>/sequences/", builder_views.sequence_list, name="list"),
    path("plans/<int:plan_id>/sequences/new/", builder_views.sequence_new, name="new"),
    path("plans/<int:plan_id>/sequences/builtin/", builder_views.sequence_builtin, name="builtin"),
    path("plans/<int:plan_id>/sequences/<int:sequence_id>/", builder_views.sequence_edit, name="edit"),
    path("plans/<int:plan_id>/sequences/<int:sequence_id>/state/", builder_views.sequence_state, name="state"),
    path("plans/<int:plan_id>/sequences/<int:sequence_id>/enrol/", enrol_views.enrol_page, name="enrol"),
    # who is enrolled (one person paused, resumed, stopped; their legal basis), the team's opt-outs
    path("plans/<int:plan_id>/sequences/<int:sequence_id>/people/", people_views.people, name="people"),
    path(
        "plans/<int:plan_id>/sequences/<int:sequence_id>/people/<int:enrolment_id>/",
        people_views.person,
        name="person",
    ),
    path("plans/<int:plan_id>/sequences/opt-outs/", people_views.opt_outs, name="opt_outs"),
    # the rep's « Aujourd'hui » queue and its one-click outcomes
    path("today/", queue_views.today, name="today"),
    path("today/<int:touch_id>/outcome/", queue_views.touch_outcome, name="touch_outcome"),
    # a sequence's results, and the plan's action it serves
    path("plans/<int:plan_id>/sequences/<int:sequence_id>/results/", results_views.results, name="results"),
    path(
        "plans/<int:plan_id>/sequences/<int:sequence_id>/action/", results_views.sequence_action, name="sequence_action"
    ),
]
