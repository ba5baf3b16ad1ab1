from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationConfig(AppConfig):
    name = "gongshu.operation"
    label = "operation"
    verbose_name = _("Authorized operation and pricing")
