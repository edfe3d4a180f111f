from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from pac.web.api.api import api
from pac.web.plans import exports
from pac.web.sequences.unsubscribe import unsubscribe

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cockpit:home", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("pac.web.sequences.urls")),  # before the plans' own: their sections catch all
    path("plans/", include("pac.web.plans.urls")),
    path("crm/", include("pac.web.crm.urls")),
    path("people/", include("pac.web.accounts.urls")),
    path("cockpit/", include("pac.web.cockpit.urls")),
    path("playbooks/", include("pac.web.playbooks.urls")),
    path("privacy/", include("pac.web.privacy.urls")),
    path("api/v1/", api.urls),
    path("api-tokens/", include("pac.web.api.urls")),
    path("feeds/<str:token>.ics", exports.feed, name="feed"),
    path("u/<str:token>/", unsubscribe, name="unsubscribe"),  # the one-click link of sequence e-mails
    path("admin/", admin.site.urls),
]
