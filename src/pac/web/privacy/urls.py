from django.urls import path

from pac.web.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<int:team_id>/", views.team_data, name="team_data"),
    path("teams/<int:team_id>/export.zip", views.team_export, name="team_export"),
    path("teams/<int:team_id>/erase/person/", views.erase_person_view, name="erase_person"),
    path("teams/<int:team_id>/erase/contact/", views.erase_contact_view, name="erase_contact"),
]
