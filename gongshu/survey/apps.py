from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveyConfig(AppConfig):
    name = "gongshu.survey"
    label = "survey"
    verbose_name = _("National data resource survey")
