"""The RDF vocabularies of DCAT-AP 3 and how Gongshu's controlled terms map onto the
EU authority tables DCAT-AP recommends (access rights, frequencies, file types)."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
# Gongshu's own attributes (level, sharing …), so that a Gongshu-to-Gongshu import keeps
# them. A URN claims no web domain the project does not own.
GS = Namespace("urn:gongshu:terms:")
EU = "http://publications.europa.eu/resource/authority/"

ACCESS_RIGHTS = {
    "unconditional": EU + "access-right/PUBLIC",
    "conditional": EU + "access-right/RESTRICTED",
    "not_open": EU + "access-right/NON_PUBLIC",
}
FREQUENCIES = {
    "realtime": EU + "frequency/CONT",
    "daily": EU + "frequency/DAILY",
    "weekly": EU + "frequency/WEEKLY",
    "monthly": EU + "frequency/MONTHLY",
    "quarterly": EU + "frequency/QUARTERLY",
    "yearly": EU + "frequency/ANNUAL",
    "irregular": EU + "frequency/IRREG",
    "static": EU + "frequency/NEVER",
}
LICENCE_IRIS = {
    "CC-BY-4.0": "http://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "http://creativecommons.org/publicdomain/zero/1.0/",
    "ODC-BY-1.0": "http://opendatacommons.org/licenses/by/1-0/",
}
# EU data themes -> Gongshu domains, for importing catalogs that use the EU themes.
EU_THEMES = {
    "TRAN": "transport",
    "EDUC": "education",
    "HEAL": "health",
    "ENVI": "ecology",
    "AGRI": "agriculture",
    "ECON": "economy",
    "GOVE": "finance_tax",
    "JUST": "public_safety",
    "SOCI": "population",
    "REGI": "urban_construction",
    "ENER": "natural_resources",
    "TECH": "economy",
    "INTR": "economy",
}
EU_FILE_TYPES = EU + "file-type/"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
PARQUET_FORMAT = EU_FILE_TYPES + "PARQUET"
PARQUET_MEDIA_TYPE = IANA_MEDIA_TYPES + "application/vnd.apache.parquet"
SHA256 = SPDX.checksumAlgorithm_sha256
# The ADMS publisher types DCAT-AP recommends for dct:type of an Agent. A Chinese
# department of a province or a municipality directly under the State Council (region
# code ending 0000) is regional; one of a prefecture or district is local.
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"
PUBLISHER_TYPE_SCHEME = PUBLISHER_TYPES + "1.0"
PUBLISHER_TYPE_LABELS = {
    "RegionalAuthority": "Regional authority",
    "LocalAuthority": "Local authority",
    "Company": "Company",
    "Academia-ScientificOrganisation": "Academia/Scientific organisation",
}
KIND_PUBLISHER_TYPES = {
    "operator": "Company",
    "enterprise": "Company",
    "research": "Academia-ScientificOrganisation",
}
# Gongshu's organization kinds for a foreign publisher type (the import's reverse).
PUBLISHER_TYPE_KINDS = {
    "NationalAuthority": "government",
    "RegionalAuthority": "government",
    "LocalAuthority": "government",
    "SupraNationalAuthority": "government",
    "Company": "enterprise",
    "IndustryConsortium": "enterprise",
    "Academia-ScientificOrganisation": "research",
    "StandardisationBody": "research",
}
DATA_PACKAGE_SPEC = "https://specs.frictionlessdata.io/data-package/"
CKAN_API_SPEC = "https://docs.ckan.org/en/2.10/api/"


def publisher_type(kind: str, region: str) -> str:
    if kind in KIND_PUBLISHER_TYPES:
        return KIND_PUBLISHER_TYPES[kind]
    return "RegionalAuthority" if region.endswith("0000") else "LocalAuthority"


__all__ = [
    "DCAT",
    "DCTERMS",
    "FOAF",
    "RDF",
    "RDFS",
    "SKOS",
    "XSD",
]
