from django.contrib.auth import views as auth_views
from django.urls import path

from gongshu.portal.views import access, account, auth, authority, catalog, provider, roles, site
from gongshu.portal.views import annotation as annotation_views
from gongshu.portal.views import billing as billing_views
from gongshu.portal.views import compute as compute_views
from gongshu.portal.views import ledger as ledger_views
from gongshu.portal.views import operation as operation_views
from gongshu.portal.views import operation_pricing as pricing_views
from gongshu.portal.views import registry as registry_views
from gongshu.portal.views import sql as sql_views
from gongshu.portal.views import survey as survey_views
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
    path("annotation/", annotation_views.projects_page, name="annotation"),
    path("annotation/<int:pk>/", annotation_views.dashboard, name="annotation-project"),
    path("annotation/<int:pk>/annotate/", annotation_views.annotate, name="annotation-annotate"),
    path("annotation/<int:pk>/agreement/", annotation_views.agreement, name="annotation-agreement"),
    path("annotation/<int:pk>/review/", annotation_views.review_queue, name="annotation-review"),
    path(
        "annotation/<int:pk>/review/<int:annotation_id>/",
        annotation_views.decide,
        name="annotation-decide",
    ),
    path("survey/", survey_views.surveys, name="surveys"),
    path("survey/new/", survey_views.campaign_new, name="survey-new"),
    path("survey/<int:pk>/", survey_views.campaign, name="survey-campaign"),
    path("survey/<int:pk>/report/", survey_views.report, name="survey-report"),
    path("survey/answers/<int:pk>/", survey_views.fill, name="survey-fill"),
    path("operation/", operation_views.records, name="operation"),
    path("operation/public/", operation_views.public, name="operation-public"),
    path("operation/calculator/", operation_views.calculator, name="operation-calculator"),
    path(
        "operation/reports/<slug:operator>/<int:year>.xlsx",
        operation_views.report_file,
        name="operation-report",
    ),
    path("operation/plans/new/", operation_views.plan_new, name="operation-plan-new"),
    path("operation/plans/<int:pk>/", operation_views.plan_page, name="operation-plan"),
    path(
        "operation/plans/<int:pk>/change/",
        operation_views.plan_change,
        name="operation-plan-change",
    ),
    path(
        "operation/plans/<int:pk>/approve/",
        operation_views.plan_approve,
        name="operation-plan-approve",
    ),
    path("operation/plans/<int:pk>/file/", operation_views.plan_file, name="operation-plan-file"),
    path(
        "operation/plans/<int:pk>/selections/",
        operation_views.plan_select,
        name="operation-plan-select",
    ),
    path(
        "operation/plans/<int:pk>/agreements/new/",
        operation_views.agreement_new,
        name="operation-agreement-new",
    ),
    path(
        "operation/agreements/<int:pk>/", operation_views.agreement_page, name="operation-agreement"
    ),
    path(
        "operation/agreements/<int:pk>/file/",
        operation_views.agreement_file,
        name="operation-agreement-file",
    ),
    path(
        "operation/agreements/<int:pk>/consents/",
        operation_views.agreement_consent,
        name="operation-agreement-consent",
    ),
    path("operation/surveys/new/", pricing_views.survey_new, name="operation-survey-new"),
    path("operation/surveys/<int:pk>/", pricing_views.survey_page, name="operation-survey"),
    path(
        "operation/surveys/<int:pk>/approve/",
        pricing_views.survey_approve,
        name="operation-survey-approve",
    ),
    path(
        "operation/surveys/<int:pk>/reconcile/",
        pricing_views.survey_reconcile,
        name="operation-survey-reconcile",
    ),
    path("operation/products/<slug:code>/cap/", pricing_views.cap, name="operation-cap"),
    path("operation/products/<slug:code>/trial/", pricing_views.trial, name="operation-trial"),
    path("transfers/", transfer_views.declarations, name="transfers"),
    path("transfers/new/", transfer_views.declare, name="transfer-new"),
    path("transfers/overview/", transfer_views.overview, name="transfer-overview"),
    path("transfers/<int:pk>/", transfer_views.declaration, name="transfer"),
    path("transfers/<int:pk>/count/", transfer_views.count, name="transfer-count"),
    path(
        "transfers/<int:pk>/reports/<slug:report>/",
        transfer_views.report,
        name="transfer-report",
    ),
    path("ledger/", ledger_views.index, name="ledger"),
    path("ledger/<slug:code>/", ledger_views.books, name="ledger-books"),
    path("ledger/<slug:code>/act/", ledger_views.act, name="ledger-act"),
    path("ledger/<slug:code>/cards/<int:pk>/", ledger_views.card, name="ledger-card"),
    path("ledger/<slug:code>/tables/", ledger_views.tables, name="ledger-tables"),
    path("ledger/<slug:code>/download.<slug:fmt>", ledger_views.download, name="ledger-download"),
    path("compute/", compute_views.jobs, name="compute"),
    path("compute/new/", compute_views.submit, name="compute-new"),
    path("compute/<slug:uid>/", compute_views.job_page, name="compute-job"),
    path("compute/<slug:uid>/review/", compute_views.review, name="compute-review"),
    path(
        "compute/<slug:uid>/outputs/<slug:name>.parquet",
        compute_views.download,
        name="compute-download",
    ),
    path("registry/", registry_views.lookup, name="registry"),
    path("registry/notices/", registry_views.notices, name="registry-notices"),
    path("registry/notices/<uuid:uid>/object/", registry_views.object_to, name="registry-object"),
    path("registry/mine/", registry_views.mine, name="registry-mine"),
    path("registry/review/", registry_views.review, name="registry-review"),
    path("registry/r/<uuid:uid>/", registry_views.detail, name="registry-detail"),
    path("registry/products/<slug:code>/", registry_views.product, name="registry-product"),
    path("favicon.ico", site.favicon, name="favicon"),
]
