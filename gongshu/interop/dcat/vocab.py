"""The RDF vocabularies of DCAT-AP 3 and how Gongshu's controlled terms map onto the
EU authority tables DCAT-AP recommends (access rights, frequencies, file types)."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
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
PARQUET_FORMAT = EU + "file-type/PARQUET"
PARQUET_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/application/vnd.apache.parquet"
SHA256 = SPDX.checksumAlgorithm_sha256

__all__ = [
    "DCAT",
    "DCTERMS",
    "FOAF",
    "RDF",
    "RDFS",
    "SKOS",
    "XSD",
]
