from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from gongshu.api import api

urlpatterns = [
    path("", RedirectView.as_view(url="/api/v1/docs", permanent=False), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
