from django.contrib.auth import views as auth_views
from django.urls import path

from gongshu.portal.views import access, account, auth, authority, catalog, provider, roles, site
from gongshu.portal.views import billing as billing_views
from gongshu.portal.views import sql as sql_views
from gongshu.portal.views import transfer as transfer_views

app_name = "portal"
urlpatterns = [
    path("", catalog.home, name="home"),
    path("search/", catalog.search, name="search"),
    path("datasets/<slug:name>/", catalog.dataset_detail, name="dataset"),
    path("datasets/<slug:name>/apply/", access.apply, name="apply"),
    path("organizations/<slug:code>/", catalog.organization, name="organization"),
    path("sql/", sql_views.sql_page, name="sql"),
    path("statements/<str:number>/", billing_views.statement, name="statement"),
    path(
        "statements/<str:number>/statement.<str:fmt>",
        billing_views.statement_file,
        name="statement-file",
    ),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("applications/", access.my_applications, name="applications"),
    path("applications/<int:pk>/", access.application_detail, name="application"),
    path("applications/<int:pk>/withdraw/", access.withdraw, name="withdraw"),
    path("inbox/", access.inbox, name="inbox"),
    path("inbox/<int:pk>/", access.review, name="review"),
    path("workspace/", provider.workspace, name="workspace"),
    path("workspace/new/", provider.dataset_form, name="dataset-new"),
    path("workspace/<slug:name>/", provider.manage, name="manage"),
    path("workspace/<slug:name>/edit/", provider.dataset_form, name="dataset-edit"),
    path("workspace/<slug:name>/publish/", provider.publish, name="publish"),
    path("workspace/<slug:name>/upload/", provider.upload, name="upload"),
    path("workspace/<slug:name>/privacy/", provider.privacy_page, name="privacy"),
    path("workspace/<slug:name>/retire/", provider.retire, name="retire"),
    path(
        "workspace/<slug:name>/versions/<int:number>/make-current/",
        provider.make_current,
        name="make-current",
    ),
    path("ingests/<uuid:uid>/", provider.ingest_progress, name="ingest"),
    path("ingests/<uuid:uid>/errors.csv", provider.ingest_errors, name="ingest-errors"),
    path("account/", account.account, name="account"),
    path("account/tokens/<int:pk>/revoke/", account.revoke_token, name="token-revoke"),
    path("account/notifications/read/", account.read_notifications, name="notifications-read"),
    path("dashboard/", authority.dashboard, name="dashboard"),
    path("audit/", authority.audit_log, name="audit"),
    path("roles/", roles.roles, name="roles"),
    path("transfers/", transfer_views.declarations, name="transfers"),
    path("transfers/new/", transfer_views.declare, name="transfer-new"),
    path("transfers/overview/", transfer_views.overview, name="transfer-overview"),
    path("transfers/<int:pk>/", transfer_views.declaration, name="transfer"),
    path("transfers/<int:pk>/count/", transfer_views.count, name="transfer-count"),
    path("favicon.ico", site.favicon, name="favicon"),
]
