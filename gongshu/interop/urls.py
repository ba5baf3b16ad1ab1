"""Interop URLs, included at the site root: CKAN's action API where CKAN clients look
for it, and the DCAT-AP documents under /dcat/."""

from django.urls import path, re_path

from gongshu.interop.ckan import views as ckan
from gongshu.interop.dcat import views as dcat

app_name = "interop"
urlpatterns = [
    path("api/3/action/<str:name>", ckan.action, name="ckan-action"),
    path("api/action/<str:name>", ckan.action, name="ckan-action-unversioned"),
    re_path(r"^dcat/catalog(?:\.(?P<suffix>ttl|rdf|jsonld))?$", dcat.catalog, name="dcat-catalog"),
    re_path(
        r"^dcat/datasets/(?P<name>[-a-zA-Z0-9_]+?)(?:\.(?P<suffix>ttl|rdf|jsonld))?$",
        dcat.dataset,
        name="dcat-dataset",
    ),
]
