"""Interop URLs, included at the site root: CKAN's action API where CKAN clients look
for it, and the DCAT-AP documents under /dcat/."""

from django.urls import path, re_path

from gongshu.interop.ckan import views as ckan
from gongshu.interop.datapackage import views as datapackage
from gongshu.interop.dcat import views as dcat

app_name = "interop"
urlpatterns = [
    re_path(r"^api/3/?$", ckan.api_version, name="ckan-api-version"),
    path("api/3/action/<str:name>", ckan.action, name="ckan-action"),
    path("api/action/<str:name>", ckan.action, name="ckan-action-unversioned"),
    re_path(
        r"^dcat/catalog(?:\.(?P<suffix>ttl|rdf|jsonld|nt))?$", dcat.catalog, name="dcat-catalog"
    ),
    path("dcat/datasets/<slug:name>/datapackage.json", datapackage.current, name="datapackage"),
    path(
        "dcat/datasets/<slug:name>/versions/<int:number>/datapackage.json",
        datapackage.version,
        name="datapackage-version",
    ),
    re_path(
        r"^dcat/datasets/(?P<name>[-a-zA-Z0-9_]+?)(?:\.(?P<suffix>ttl|rdf|jsonld|nt))?$",
        dcat.dataset,
        name="dcat-dataset",
    ),
]
