"""Controlled vocabularies of the catalog: the choices every resource is described with."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Domain(models.TextChoices):
    TRANSPORT = "transport", _("Transport")
    EDUCATION = "education", _("Education")
    WEATHER = "weather", _("Weather")
    HEALTH = "health", _("Health care")
    SOCIAL_SECURITY = "social_security", _("Social security and employment")
    MARKET_REGULATION = "market_regulation", _("Market regulation")
    NATURAL_RESOURCES = "natural_resources", _("Natural resources")
    ECOLOGY = "ecology", _("Ecology and environment")
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")
    CULTURE_TOURISM = "culture_tourism", _("Culture and tourism")
    PUBLIC_SAFETY = "public_safety", _("Public safety")
    URBAN_CONSTRUCTION = "urban_construction", _("Urban construction and housing")
    FINANCE_TAX = "finance_tax", _("Finance and taxation")
    POPULATION = "population", _("Population services")
    ECONOMY = "economy", _("Economy and industry")


# The Chinese names a data bureau uses; kept beside the codes so search and the demo
# can speak them even when the UI language is English.
DOMAIN_ZH: dict[str, str] = {
    "transport": "交通",
    "education": "教育",
    "weather": "气象",
    "health": "医疗卫生",
    "social_security": "社保就业",
    "market_regulation": "市场监管",
    "natural_resources": "自然资源",
    "ecology": "生态环境",
    "agriculture": "农业农村",
    "culture_tourism": "文化旅游",
    "public_safety": "公共安全",
    "urban_construction": "城建住房",
    "finance_tax": "财税金融",
    "population": "人口服务",
    "economy": "经济产业",
}


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")
    IRREGULAR = "irregular", _("Irregular")
    STATIC = "static", _("Not updated")


class Level(models.TextChoices):
    """GB/T 43697-2024, highest first."""

    CORE = "core", _("Core data")
    IMPORTANT = "important", _("Important data")
    GENERAL = "general", _("General data")


class GeneralSubLevel(models.IntegerChoices):
    """GB/T 43697-2024 Annex H (informative): sub-levels of general data, 4 the highest."""

    ONE = 1, _("General level 1")
    TWO = 2, _("General level 2")
    THREE = 3, _("General level 3")
    FOUR = 4, _("General level 4")


class SharingAttribute(models.TextChoices):
    """国发〔2016〕51号."""

    UNCONDITIONAL = "unconditional", _("Unconditional sharing")
    CONDITIONAL = "conditional", _("Conditional sharing")
    NOT_SHARED = "not_shared", _("Not shared")


class OpeningAttribute(models.TextChoices):
    """上海市数据条例 art. 41."""

    UNCONDITIONAL = "unconditional", _("Unconditionally open")
    CONDITIONAL = "conditional", _("Conditionally open")
    NOT_OPEN = "not_open", _("Not open")


class Sensitivity(models.TextChoices):
    NONE = "none", _("Not personal")
    PERSONAL = "personal", _("Personal information")
    SENSITIVE_PERSONAL = "sensitive_personal", _("Sensitive personal information")


class FieldType(models.TextChoices):
    """Frictionless Table Schema field types."""

    STRING = "string", _("Text")
    INTEGER = "integer", _("Integer")
    NUMBER = "number", _("Number")
    BOOLEAN = "boolean", _("Boolean")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    TIME = "time", _("Time")
    YEAR = "year", _("Year")
    ANY = "any", _("Any")


LICENCES: dict[str, str] = {
    "CC-BY-4.0": "Creative Commons Attribution 4.0",
    "CC0-1.0": "Creative Commons Zero 1.0",
    "ODC-BY-1.0": "Open Data Commons Attribution 1.0",
    "GOV-OPEN": "政府数据开放授权协议 (Government open data terms)",
    "AGREEMENT": "按数据利用协议 (Under a data use agreement)",
}
