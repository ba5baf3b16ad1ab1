"""The self-assessment and PIPIA reports, pre-filled as DOCX from a declaration: opened
with python-docx, they carry the declaration's facts, resources and fields with their
tags and levels, the counts, the outcome with its articles, and mark what the processor
must still write; Chinese by default, English headings on request; from the API and the
declaration's page, to those who may see the declaration only."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.shared import RGBColor

from gongshu.transfer import reports, services
from tests.transfer.world import count, declare, make_people

API = "/api/v1/transfer/declarations"
TODO_ZH = "【由数据处理者填写】"
TODO_EN = "[To be written by the processor]"


@pytest.fixture
def people(transport_bureau):
    return make_people(transport_bureau, "people-a", 1, 1_000)


@pytest.fixture
def counted(department_clerk, people):
    made = declare(department_clerk, [people], fields=["phone", "diagnosis", "district"])
    return count(department_clerk, made)


def opened(content: bytes):
    return Document(io.BytesIO(content))


def texts(document) -> list[str]:
    found = [p.text for p in document.paragraphs]
    for table in document.tables:
        found += [cell.text for row in table.rows for cell in row.cells]
    return found


def table_with(document, header: str) -> list[list[str]]:
    for table in document.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows and rows[0][0] == header:
            return rows
    raise AssertionError(f"no table headed {header!r}")


def test_the_self_assessment_in_chinese_carries_the_declarations_facts(counted):
    document = opened(reports.render(counted, reports.SELF_ASSESSMENT))
    body = "\n".join(texts(document))
    assert document.paragraphs[0].text == "数据出境风险自评估报告"
    facts = dict(row for row in table_with(document, "事项"))
    assert facts["数据处理者"].endswith("(sh-transport)")
    assert facts["关键信息基础设施运营者"] == "否"
    assert facts["境外接收方"] == "Example Research GmbH"
    assert facts["用途"] == "Joint research"
    # Each sent field with its tag, identifier and level; the field not sent is absent.
    fields = table_with(document, "数据资源")
    assert fields[1:] == [
        ["people-a", "phone", "—", "个人信息", "phone", "一般数据"],
        ["people-a", "diagnosis", "—", "敏感个人信息", "—", "一般数据"],
        ["people-a", "district", "—", "非个人信息", "—", "一般数据"],
    ]
    # People told apart by their resident ID, which is not sent but is the identifier.
    assert "按标识字段（people-a: resident_id）的密钥哈希统计" in body
    people = table_with(document, "人数")
    assert people[1][1:] == ["1000", "1000"] and people[2][1:] == ["100", "100"]
    # The outcome and every rule that fired, with its article, in Chinese.
    assert "结论：标准合同或认证" in body
    fired = table_with(document, "规则")
    assert [row[0] for row in fired[1:]] == [r["id"] for r in counted.rules]
    assert fired[1][:2] == ["a8-sensitive-1", "CAC order 16 art. 8; CAC/SAMR order 20"]
    assert "不满1万人敏感个人信息" in fired[1][2]
    # What only the processor can write is marked, in red, never filled in.
    todos = [p for p in document.paragraphs if p.text.startswith(TODO_ZH)]
    assert len(todos) == 7
    assert all(
        run.bold and run.font.color.rgb == RGBColor(0xC0, 0, 0) for p in todos for run in p.runs
    )


def test_the_pipia_with_english_headings_lists_the_personal_fields_only(counted):
    document = opened(reports.render(counted, reports.PIPIA, "en"))
    body = "\n".join(texts(document))
    assert document.paragraphs[0].text == (
        "Personal information protection impact assessment report"
    )
    assert "PIPL art. 55(4)" in body
    fields = table_with(document, "Data resource")
    assert [row[1] for row in fields[1:]] == ["phone", "diagnosis"]
    assert fields[2][3] == "Sensitive personal information"
    assert "Outcome: Standard contract or certification" in body
    fired = table_with(document, "Rule")
    assert "sensitive personal information of 1 or more" in fired[1][2]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "4. Protective measures (art. 56(3))" in headings
    assert sum(p.text.startswith(TODO_EN) for p in document.paragraphs) == 5
    assert TODO_ZH not in body


def test_an_uncounted_declaration_says_so_rather_than_showing_numbers(department_clerk, people):
    made = declare(department_clerk, [people])
    body = "\n".join(texts(opened(reports.render(made, reports.SELF_ASSESSMENT, "en"))))
    assert "Not counted yet: count the declaration from the data before filing." in body
    assert "No outcome yet" in body


def test_a_split_and_the_approvals_are_in_the_report(department_clerk, people):
    # Counts as counting.count stores them: 60,000 alone, 110,000 with an earlier one.
    made = services.record_count(
        department_clerk,
        declare(department_clerk, [people], fields=["phone"]),
        year=services.year_of(),
        own=(60_000, 0),
        cumulative=(110_000, 0),
        identifiers={"people-a": "phone"},
    )
    assert made.split_flag
    services.record_approval(
        department_clerk,
        made,
        kind="standard_contract",
        reference="SC-2026-7",
        issued_on=services.today_in_china(),
    )
    document = opened(reports.render(made, reports.SELF_ASSESSMENT, "en"))
    body = "\n".join(texts(document))
    assert "crosses a threshold it does not cross alone" in body
    assert "o20-no-splitting" in [row[0] for row in table_with(document, "Rule")]
    approvals = table_with(document, "Kind")
    assert approvals[1][:2] == ["Standard-contract filing", "SC-2026-7"]


def test_the_reports_download_from_the_api_to_those_who_see_the_declaration(
    counted, client, make_token, department_clerk, researcher, data_authority
):
    def get(user, path):
        token = make_token(user, "read")
        return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")

    path = f"{API}/{counted.pk}/reports/pipia.docx"
    answer = get(department_clerk, path)
    assert answer.status_code == 200
    assert answer["Content-Type"] == reports.DOCX
    assert f"declaration-{counted.pk}-pipia.docx" in answer["Content-Disposition"]
    assert opened(answer.content).paragraphs[0].text == "个人信息保护影响评估报告"
    english = get(data_authority, path + "?language=en")
    assert opened(english.content).paragraphs[0].text.startswith("Personal information")
    assert get(researcher, path).status_code == 404
    wrong = get(department_clerk, f"{API}/{counted.pk}/reports/dpia.docx")
    assert wrong.status_code == 400 and "report" in wrong.content.decode()
    language = get(department_clerk, path + "?language=fr")
    assert language.status_code == 400 and "language" in language.content.decode()


def test_the_declaration_page_links_both_reports(counted, login, department_clerk, researcher):
    browser = login(department_clerk)
    page = browser.get(f"/transfers/{counted.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "数据出境风险自评估报告" in html and "个人信息保护影响评估报告" in html
    link = f"/transfers/{counted.pk}/reports/self-assessment/"
    assert link in html and f"{link}?language=en" in html
    answer = browser.get(link)
    assert answer.status_code == 200
    assert opened(answer.content).paragraphs[0].text == "数据出境风险自评估报告"
    english = browser.get(f"{link}?language=en")
    assert opened(english.content).paragraphs[0].text == "Data export risk self-assessment report"
    assert login(researcher).get(link).status_code == 404
