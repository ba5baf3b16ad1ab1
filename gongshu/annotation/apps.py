from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnotationConfig(AppConfig):
    name = "gongshu.annotation"
    label = "annotation"
    verbose_name = _("Data annotation")
