"""A data resource's attributes, once, with how each travels: whether a client may set
it, and how CKAN and DCAT-AP carry it. The catalog's services, the CKAN mapping and the
DCAT graph all derive their lists from this table, so a new attribute is added here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Ckan(StrEnum):
    CORE = "core"  # a CKAN package field of its own (title, notes, tags, license …)
    EXTRA = "extra"  # carried as a package extra under its own name


class Dcat(StrEnum):
    STANDARD = "standard"  # a DCAT-AP / DCTERMS property (dct:title, dcat:keyword …)
    GONGSHU = "gongshu"  # no DCAT-AP property: carried in Gongshu's own vocabulary


@dataclass(frozen=True)
class Attribute:
    name: str
    ckan: Ckan
    dcat: Dcat


ATTRIBUTES = (
    Attribute("name", Ckan.CORE, Dcat.STANDARD),
    Attribute("title_zh", Ckan.CORE, Dcat.STANDARD),
    Attribute("title_en", Ckan.EXTRA, Dcat.STANDARD),
    Attribute("description_zh", Ckan.CORE, Dcat.STANDARD),
    Attribute("description_en", Ckan.EXTRA, Dcat.STANDARD),
    Attribute("keywords", Ckan.CORE, Dcat.STANDARD),
    Attribute("domain", Ckan.EXTRA, Dcat.GONGSHU),
    Attribute("provider", Ckan.CORE, Dcat.STANDARD),
    Attribute("contact_name", Ckan.CORE, Dcat.STANDARD),
    Attribute("contact_email", Ckan.CORE, Dcat.STANDARD),
    Attribute("update_frequency", Ckan.EXTRA, Dcat.GONGSHU),
    Attribute("temporal_start", Ckan.EXTRA, Dcat.STANDARD),
    Attribute("temporal_end", Ckan.EXTRA, Dcat.STANDARD),
    Attribute("spatial_coverage", Ckan.EXTRA, Dcat.STANDARD),
    Attribute("licence", Ckan.CORE, Dcat.STANDARD),
    Attribute("level", Ckan.EXTRA, Dcat.GONGSHU),
    Attribute("general_sublevel", Ckan.EXTRA, Dcat.GONGSHU),
    Attribute("sharing_attribute", Ckan.EXTRA, Dcat.GONGSHU),
    Attribute("sharing_condition", Ckan.EXTRA, Dcat.GONGSHU),
    Attribute("opening_attribute", Ckan.EXTRA, Dcat.GONGSHU),
    Attribute("opening_condition", Ckan.EXTRA, Dcat.GONGSHU),
    Attribute("authorized_operation", Ckan.EXTRA, Dcat.GONGSHU),
)

# What a client may set; everything else (ids, timestamps, search text) is the platform's.
EDITABLE = tuple(a.name for a in ATTRIBUTES)
# Dataset attribute -> CKAN extra key; the harvester maps the same keys back.
CKAN_EXTRAS = tuple(a.name for a in ATTRIBUTES if a.ckan == Ckan.EXTRA)
# Attributes with no DCAT-AP property, carried in Gongshu's own terms.
DCAT_GONGSHU_TERMS = tuple(a.name for a in ATTRIBUTES if a.dcat == Dcat.GONGSHU)
