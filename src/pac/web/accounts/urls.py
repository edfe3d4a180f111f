from django.urls import path

from pac.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.team_people, name="people"),
]
