"""Label schemas, annotations that do not fit them (400s naming the place), spans on
Chinese text snapped to jieba's words, and Label Studio configs read safely."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongshu.annotation.models import Task
from gongshu.annotation.services import distribution, labels, lsconfig
from tests.annotation.world import SCHEMA

TEXT = "张三在黄浦区办理居住登记"
SCHEMA_N = labels.normalise(SCHEMA, ["id", "remark", "phone", "district"])


def check(result):
    return labels.check(SCHEMA_N, result, {"remark": TEXT}.get)


def where(result) -> str:
    with pytest.raises(ValidationError) as error:
        check(result)
    return next(iter(error.value.message_dict))


def test_a_full_answer_fits():
    fitted = check(
        {
            "kind": "登记",
            "ner": [
                {"id": "p", "start": 0, "end": 2, "label": "人名"},
                {"id": "l", "start": 3, "end": 6, "label": "地名"},
            ],
            "rel": [{"from": "p", "to": "l", "label": "位于"}],
            "note": "ok",
            "score": 4,
        }
    )
    assert fitted["ner"][1] == {"id": "l", "start": 3, "end": 6, "label": "地名"}
    assert fitted["rel"] == [{"from": "p", "to": "l", "label": "位于"}]


@pytest.mark.parametrize(
    ("result", "place"),
    [
        ({"kind": "投诉"}, "result.kind"),
        ({"colour": "red"}, "result.colour"),
        ({"ner": [{"start": 0, "end": 2, "label": "机构"}]}, "result.ner[0].label"),
        ({"ner": [{"start": 10, "end": 40, "label": "人名"}]}, "result.ner[0]"),
        ({"ner": [{"start": 3, "end": 2, "label": "人名"}]}, "result.ner[0]"),
        (
            {
                "ner": [
                    {"start": 0, "end": 3, "label": "人名"},
                    {"start": 2, "end": 5, "label": "地名"},
                ]
            },
            "result.ner[1]",
        ),
        ({"ner": [], "rel": [{"from": "x", "to": "y", "label": "位于"}]}, "result.rel[0].from"),
        ({"score": 9}, "result.score"),
        ({"score": True}, "result.score"),
        ({}, "result"),
        ([], "result"),
    ],
)
def test_an_annotation_that_does_not_fit_names_the_place(result, place):
    assert where(result) == place


def test_the_messages_say_what_to_send():
    with pytest.raises(ValidationError, match="use one of: 登记, 救助, 就业"):
        check({"kind": "投诉"})
    with pytest.raises(ValidationError, match="outside the text of 12 characters"):
        check({"ner": [{"start": 10, "end": 40, "label": "人名"}]})
    with pytest.raises(ValidationError, match="allows no overlap"):
        check(
            {
                "ner": [
                    {"start": 0, "end": 3, "label": "人名"},
                    {"start": 2, "end": 5, "label": "地名"},
                ]
            }
        )


def test_overlap_where_allowed():
    schema = labels.normalise(
        {
            "controls": [
                {
                    "name": "ner",
                    "type": "spans",
                    "labels": ["A", "B"],
                    "field": "t",
                    "overlap": True,
                }
            ]
        },
        ["t"],
    )
    fitted = labels.check(
        schema,
        {"ner": [{"start": 0, "end": 3, "label": "A"}, {"start": 2, "end": 5, "label": "B"}]},
        {"t": TEXT}.get,
    )
    assert len(fitted["ner"]) == 2


def test_spans_snap_to_jieba_words():
    # jieba cuts 黄浦区 as one word: a span on 浦区 widens to it.
    assert labels.snap(TEXT, 4, 6) == (3, 6)
    schema = labels.normalise(
        {
            "controls": [
                {"name": "ner", "type": "spans", "labels": ["地名"], "field": "t", "snap": "jieba"}
            ]
        },
        ["t"],
    )
    fitted = labels.check(
        schema, {"ner": [{"start": 4, "end": 6, "label": "地名"}]}, {"t": TEXT}.get
    )
    assert (fitted["ner"][0]["start"], fitted["ner"][0]["end"]) == (3, 6)


@pytest.mark.parametrize(
    ("schema", "place"),
    [
        ({"controls": []}, "schema"),
        ({"controls": [{"name": "a", "type": "image"}]}, "schema.controls[0].type"),
        (
            {"controls": [{"name": "a", "type": "choices", "options": []}]},
            "schema.controls[0].options",
        ),
        (
            {"controls": [{"name": "a", "type": "spans", "labels": ["x"], "field": "nope"}]},
            "schema.controls[0].field",
        ),
        ({"controls": [{"name": "a", "type": "rating", "max": 100}]}, "schema.controls[0].max"),
        ({"controls": [{"name": "r", "type": "relations"}]}, "schema.controls[0].spans"),
    ],
)
def test_a_bad_schema_names_the_place(schema, place):
    with pytest.raises(ValidationError) as error:
        labels.normalise(schema, ["remark"])
    assert place in error.value.message_dict


CONFIG = """
<View>
  <Text name="text" value="$remark"/>
  <Labels name="ner" toName="text" granularity="word">
    <Label value="人名"/><Label value="地名"/>
  </Labels>
  <Relations><Relation value="位于"/></Relations>
  <Choices name="kind" toName="text" choice="multiple">
    <Choice value="登记"/><Choice value="救助"/>
  </Choices>
  <TextArea name="note" toName="text"/>
  <Rating name="score" toName="text" maxRating="4"/>
</View>
"""


def test_a_label_studio_config_becomes_a_schema():
    schema = labels.normalise(lsconfig.parse(CONFIG), ["remark"])
    kinds = {c["name"]: c for c in schema["controls"]}
    assert kinds["ner"]["field"] == "remark" and kinds["ner"]["snap"] == "jieba"
    assert kinds["kind"]["multiple"] and kinds["kind"]["options"] == ["登记", "救助"]
    assert kinds["relations"]["spans"] == "ner"
    assert kinds["score"]["max"] == 4 and kinds["note"]["type"] == "text"
    # And back: the exported config reads as the same schema.
    again = labels.normalise(lsconfig.parse(lsconfig.to_xml(schema)), ["remark"])
    assert [c["type"] for c in again["controls"]] == [c["type"] for c in schema["controls"]]


@pytest.mark.parametrize(
    ("xml", "says"),
    [
        ('<View><Image name="i" value="$img"/></View>', "<Image> is not supported"),
        ('<View><RectangleLabels name="r" toName="i"/></View>', "RectangleLabels"),
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY l2 "&lol;&lol;">]>'
            "<View><Choices name='c'><Choice value='&l2;'/></Choices></View>",
            "document type",
        ),
        ('<!DOCTYPE x SYSTEM "file:///etc/passwd"><View/>', "document type"),
        ("<View><Choices name='c'>", "not well-formed"),
        ("<View><Text name='t' value='$t'/></View>", "no control"),
        ("<View><Labels name='n' toName='missing'><Label value='a'/></Labels></View>", "toName"),
    ],
)
def test_other_tags_and_entities_are_refused_with_a_message(xml, says):
    with pytest.raises(ValidationError, match=says) as error:
        lsconfig.parse(xml)
    assert "label_config" in error.value.message_dict


def test_submitting_a_misfit_stores_nothing(project, team):
    task = Task.objects.order_by("priority").first()
    with pytest.raises(ValidationError):
        distribution.submit(
            team[0], project, task, {"ner": [{"start": 0, "end": 99, "label": "人名"}]}
        )
    task.refresh_from_db()
    assert task.done == 0 and not task.annotations.exists()
