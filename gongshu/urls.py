from django.contrib import admin
from django.urls import include, path

from gongshu.api import api

urlpatterns = [
    path("", include("gongshu.portal.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("gongshu.interop.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
