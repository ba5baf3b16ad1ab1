"""package_search as CKAN clients write it: Solr-style q and fq (fields, AND/OR/NOT,
-term, parentheses, ranges), fq_list, sort, fl, facet.mincount, the rows cap — and the
query parser on its own, hostile input included."""

from __future__ import annotations

import json

import pytest

from gongshu.interop.ckan import solr

pytestmark = pytest.mark.django_db


def search(client, **params):
    response = client.get("/api/3/action/package_search", params)
    return response.status_code, response.json()


def names(client, **params) -> list[str]:
    status, body = search(client, **params)
    assert status == 200, body
    return sorted(p["name"] for p in body["result"]["results"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "organization:sh-weather"}, ["rainfall"]),
        ({"q": "tags:traffic"}, ["traffic-flow"]),
        ({"q": 'tags:"气象"'}, ["rainfall"]),
        ({"q": "name:traffic-flow"}, ["traffic-flow"]),
        ({"q": "name:traf*"}, ["traffic-flow"]),
        ({"q": "groups:weather"}, ["rainfall"]),
        ({"q": "res_format:Parquet"}, ["rainfall", "traffic-flow"]),
        ({"q": "license_id:cc-by-4.0"}, ["rainfall", "traffic-flow"]),
        ({"q": "-organization:sh-weather"}, ["traffic-flow"]),
        ({"q": "*:* -name:rainfall"}, ["traffic-flow"]),
        ({"q": "NOT tags:traffic"}, ["rainfall"]),
        ({"q": "tags:traffic OR tags:气象"}, ["rainfall", "traffic-flow"]),
        ({"q": "tags:traffic AND groups:weather"}, []),
        ({"q": "(tags:traffic OR groups:weather) AND -name:rainfall"}, ["traffic-flow"]),
        ({"q": "organization:(sh-weather OR sh-transport)"}, ["rainfall", "traffic-flow"]),
        ({"q": "交通"}, ["traffic-flow"]),
        ({"q": "交通 organization:sh-transport"}, ["traffic-flow"]),
        ({"q": "-交通"}, ["rainfall"]),
        ({"q": "num_resources:[2 TO *]"}, ["traffic-flow"]),
        ({"q": "num_resources:{0 TO 2}"}, ["rainfall"]),
        ({"fq": "metadata_modified:[2000-01-01T00:00:00Z TO NOW]"}, ["rainfall", "traffic-flow"]),
        ({"fq": "metadata_created:[* TO 2000-01-01]"}, []),
        ({"fq": "metadata_modified:[NOW-1DAY TO NOW+1HOUR]"}, ["rainfall", "traffic-flow"]),
        (
            {"fq": "organization:sh-transport OR organization:sh-weather -tags:traffic"},
            ["rainfall"],
        ),
        ({"fq_list": json.dumps(["groups:transport", "tags:traffic"])}, ["traffic-flow"]),
        ({"fq": "groups:transport", "fq_list": json.dumps(["groups:weather"])}, []),
        ({"q": "extras_level:general", "fq": "+domain:weather"}, ["rainfall"]),
    ],
)
def test_q_and_fq_select_like_solr(client, shared_interop_catalog, params, expected):
    assert names(client, **params) == expected


def test_sort_fl_facets_and_the_rows_cap(client, shared_interop_catalog):
    _status, body = search(client, sort="title_string desc")
    assert [p["title"] for p in body["result"]["results"]] == ["降雨量观测", "城市道路交通流量监测"]
    _status, body = search(client, sort="id asc")
    ids = [p["id"] for p in body["result"]["results"]]
    assert ids == sorted(ids)
    _status, body = search(client, sort="metadata_modified desc, name asc")
    assert [p["name"] for p in body["result"]["results"]] == ["traffic-flow", "rainfall"]
    _status, body = search(client, q="交通", sort="score desc, metadata_modified desc")
    assert [p["name"] for p in body["result"]["results"]] == ["traffic-flow"]

    _status, body = search(client, fl="id,name,extras_level", sort="name asc")
    assert body["result"]["results"][0] == {
        "id": str(shared_interop_catalog["rain"].uid),
        "name": "rainfall",
        "extras_level": "general",
    }

    facets = json.dumps(["tags"])
    _status, body = search(client, **{"facet.field": facets, "facet.mincount": 2})
    assert body["result"]["facets"]["tags"] == {}
    _status, body = search(client, **{"facet.field": facets, "facet.mincount": 1})
    assert body["result"]["facets"]["tags"] == {"traffic": 1, "交通": 1, "气象": 1}

    status, body = search(client, rows=2000)
    assert status == 200 and body["result"]["count"] == 2  # cut to 1,000, not refused


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "name:(a"}, "q"),
        ({"q": "a)"}, "q"),
        ({"fq": "AND name:a"}, "fq"),
        ({"fq": "name:"}, "fq"),
        ({"q": "(" * 5000 + "a" + ")" * 5000}, "q"),
        ({"q": "(" * 30 + "a" + ")" * 30}, "q"),
        ({"q": "-" * 100 + "a"}, "q"),
        ({"q": "name:a " * 700}, "q"),
        ({"fq": "metadata_modified:[yesterday TO *]"}, "fq"),
        ({"fq": "tags:[a TO b]"}, "fq"),
        ({"fq": "[a TO b]"}, "fq"),
        ({"sort": "colour asc"}, "sort"),
        ({"sort": "name sideways"}, "sort"),
        ({"fq_list": json.dumps({"a": 1})}, "fq_list"),
    ],
)
def test_hostile_or_broken_queries_are_validation_errors(
    client, shared_interop_catalog, params, field
):
    status, body = search(client, **params)
    assert status == 409, body
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"][field] and isinstance(body["error"][field][0], str)


def test_an_unknown_field_is_a_search_query_error_naming_the_known_ones(
    client, shared_interop_catalog
):
    status, body = search(client, fq="colour:red")
    assert (status, body["error"]["__type"]) == (400, "Search Query Error")
    assert "colour" in body["error"]["message"] and "organization" in body["error"]["message"]


def test_the_parser_builds_solrs_tree():
    assert solr.parse("*:*") is None
    assert solr.parse("organization:a OR organization:b metadata_modified:[x TO *]") == solr.And(
        (
            solr.Or((solr.Term("organization", "a"), solr.Term("organization", "b"))),
            solr.Range("metadata_modified", "x", None),
        )
    )
    assert solr.parse('-tags:"a b" +c') == solr.And(
        (solr.Not(solr.Term("tags", "a b", phrase=True)), solr.Term(None, "c"))
    )
    assert solr.parse("a AND b OR c") == solr.Or(
        (solr.And((solr.Term(None, "a"), solr.Term(None, "b"))), solr.Term(None, "c"))
    )
    assert solr.parse("x:{1 TO 5]") == solr.Range("x", "1", "5", include_low=False)
    assert solr.parse(r"name:a\:b") == solr.Term("name", "a:b")
    assert solr.parse("f:(a || b) && !g:c") == solr.And(
        (solr.Or((solr.Term("f", "a"), solr.Term("f", "b"))), solr.Not(solr.Term("g", "c")))
    )
