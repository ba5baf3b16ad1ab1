from django.contrib import admin
from django.urls import include, path

from gongshu.api import api
from gongshu.orgs import languages

urlpatterns = [
    path("", include("gongshu.portal.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("gongshu.interop.urls")),
    # Before Django's own: the switch also keeps a signed-in person's choice.
    path("i18n/setlang/", languages.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
]
