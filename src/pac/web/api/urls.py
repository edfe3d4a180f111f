from django.urls import path

from pac.web.api import views

app_name = "apitokens"

urlpatterns = [
    path("", views.tokens, name="list"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
]
