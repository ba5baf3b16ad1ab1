from django.urls import path

from gongshu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/<slug:name>/", views.dataset_detail, name="dataset"),
]
