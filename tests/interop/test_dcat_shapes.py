"""The restatement in data/dcat-ap-3-core-shapes.ttl keeps up with the official DCAT-AP
3.0.0 and 3.0.1 SHACL files: every property constraint they have on a class Gongshu
writes is in it, at least as strict. Skipped, saying why, without the official files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Graph, URIRef, namespace

from tests.interop import dcat_official

RDF, SH = namespace.RDF, namespace.SH
OURS = Graph().parse(Path(__file__).parent / "data" / "dcat-ap-3-core-shapes.ttl")
NS = {
    "dcat": namespace.DCAT,
    "dct": namespace.DCTERMS,
    "foaf": namespace.FOAF,
    "skos": namespace.SKOS,
    "spdx": "http://spdx.org/rdf/terms#",
    "adms": "http://www.w3.org/ns/adms#",
}
# The classes Gongshu's DCAT output has instances of, whose official shapes have
# property constraints.
WRITTEN = [
    URIRef(f"{NS[prefix]}{name}")
    for prefix, name in (
        ("dcat", "Catalog"),
        ("dcat", "Dataset"),
        ("dcat", "Distribution"),
        ("dcat", "DataService"),
        ("foaf", "Agent"),
        ("skos", "Concept"),
        ("skos", "ConceptScheme"),
        ("spdx", "Checksum"),
        ("adms", "Identifier"),
        ("dct", "PeriodOfTime"),
        ("dct", "LicenseDocument"),
    )
]
KEYS = {"minCount": SH.minCount, "maxCount": SH.maxCount, "class": SH["class"]}
KEYS |= {"nodeKind": SH.nodeKind, "datatype": SH.datatype}


def constraints(graph: Graph) -> dict[tuple, dict[str, set]]:
    found: dict[tuple, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for shape, target in graph.subject_objects(SH.targetClass):
        if target not in WRITTEN:
            continue
        for prop in graph.objects(shape, SH.property):
            path = graph.value(prop, SH.path)
            if path is None:
                continue
            for key, predicate in KEYS.items():
                for value in graph.objects(prop, predicate):
                    found[(target, path)][key].add(
                        value.toPython() if key.endswith("Count") else value
                    )
    return found


@pytest.mark.parametrize("release", sorted(dcat_official.RELEASES))
def test_the_restatement_has_every_official_constraint(release):
    official = constraints(dcat_official.shapes(release))
    ours = constraints(OURS)
    assert official, "no constraint found in the official file"
    missing = []
    for key, wanted in official.items():
        have = ours.get(key, {})
        for kind, values in wanted.items():
            if kind == "minCount":
                ok = max(have.get(kind, {0})) >= max(values)
            elif kind == "maxCount":
                ok = bool(have.get(kind)) and min(have[kind]) <= min(values)
            else:
                ok = values <= have.get(kind, set())
            if not ok:
                missing.append((str(key[0]), str(key[1]), kind, sorted(map(str, values))))
    assert not missing, missing
