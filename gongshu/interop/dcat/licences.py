"""Licences between Gongshu's ids and the IRIs DCAT carries. An IRI read is kept as a
real id (an SPDX id) when it names a known licence, else as the IRI itself: never its
tail, which for ``…/by-nc/3.0/`` would be "3.0" and lose the non-commercial term."""

from __future__ import annotations

import re

from rdflib import OWL, Graph, URIRef

from gongshu.interop.dcat.vocab import EU, LICENCE_IRIS, SKOS

MAX_ID = 64  # catalog.Dataset.licence
# Stored when the IRI is longer than the licence field; the IRI itself is in the Origin.
LONG_IRI = "LicenseRef-imported"

_CC = re.compile(
    r"^creativecommons\.org/licenses/(by(?:-nc)?(?:-nd|-sa)?)/(\d\.\d)(?:/([a-z]{2}))?(?:/.*)?$"
)
_CC0 = re.compile(r"^creativecommons\.org/publicdomain/zero/1\.0(?:/.*)?$")
_ODC = {"by": "ODC-BY-1.0", "odbl": "ODbL-1.0", "pddl": "PDDL-1.0"}
_ODC_RE = re.compile(r"^opendatacommons\.org/licenses/(by|odbl|pddl)/1[.-]0(?:/.*)?$")
_SPDX = re.compile(r"^spdx\.org/licenses/([A-Za-z0-9.+-]+?)(?:\.html|\.json)?$")
_EU = {"CC_BY_4_0": "CC-BY-4.0", "CC0": "CC0-1.0", "CC_BYSA_4_0": "CC-BY-SA-4.0"}
_SPDX_CC = re.compile(r"^CC-(BY(?:-NC)?(?:-ND|-SA)?)-(\d\.\d)(?:-([A-Z]{2}))?$")


def _bare(iri: str) -> str:
    text = re.sub(r"^https?://(www\.)?", "", iri.strip())
    return text.removesuffix("legalcode").rstrip("/")


def known_id(iri: str) -> str | None:
    """The SPDX (or Gongshu) id of a licence IRI, when it is one of the known families."""
    bare = _bare(iri)
    for licence, known in LICENCE_IRIS.items():
        if _bare(known) == bare:
            return licence
    if match := _CC.match(bare):
        code, version, jurisdiction = match.groups()
        suffix = f"-{jurisdiction.upper()}" if jurisdiction else ""
        return f"CC-{code.upper()}-{version}{suffix}"
    if _CC0.match(bare):
        return "CC0-1.0"
    if match := _ODC_RE.match(bare):
        return _ODC[match.group(1)]
    if match := _SPDX.match(bare):
        return match.group(1)
    eu_prefix = _bare(EU + "licence/") + "/"
    if bare.startswith(eu_prefix) and bare[len(eu_prefix) :] in _EU:
        return _EU[bare[len(eu_prefix) :]]
    return None


def read(graph: Graph, node) -> tuple[str, str]:
    """(licence id to store, IRI as read or "") of the object of a dct:license. A licence
    document the source maps onto a known one (skos:exactMatch, owl:sameAs) takes its id."""
    if not isinstance(node, URIRef):
        text = str(node).strip()
        return (text[:MAX_ID] if text else ""), ""
    iri = str(node)
    found = known_id(iri)
    if found is None:
        for predicate in (SKOS.exactMatch, OWL.sameAs):
            for same in graph.objects(node, predicate):
                found = found or known_id(str(same))
    if found:
        return found, iri
    return (iri if len(iri) <= MAX_ID else LONG_IRI), iri


def iri(licence: str, base: str, read_iri: str = "") -> str:
    """The IRI to publish for a stored licence: the one read, a known one, or one under
    this site's /dcat/licences/ for Gongshu's own terms (GOV-OPEN, AGREEMENT)."""
    if read_iri:
        return read_iri
    if licence in LICENCE_IRIS:
        return LICENCE_IRIS[licence]
    if licence.startswith(("http://", "https://")):
        return licence
    if match := _SPDX_CC.match(licence):
        code, version, jurisdiction = match.groups()
        tail = f"{jurisdiction.lower()}/" if jurisdiction else ""
        return f"http://creativecommons.org/licenses/{code.lower()}/{version}/{tail}"
    return f"{base.rstrip('/')}/dcat/licences/{licence}"
