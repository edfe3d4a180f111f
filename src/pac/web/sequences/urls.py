from django.urls import path

from pac.web.sequences import queue_views, results_views

app_name = "sequences"
urlpatterns = [
    # the rep's « Aujourd'hui » queue and its one-click outcomes
    path("today/", queue_views.today, name="today"),
    path("today/<int:touch_id>/outcome/", queue_views.touch_outcome, name="touch_outcome"),
    # a sequence's results, and the plan's action it serves
    path("plans/<int:plan_id>/sequences/<int:sequence_id>/results/", results_views.results, name="results"),
    path(
        "plans/<int:plan_id>/sequences/<int:sequence_id>/action/", results_views.sequence_action, name="sequence_action"
    ),
]
