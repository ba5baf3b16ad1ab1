"""The roles screen's grant drop-down names roles by their short labels and says in one
line what each lets a member do, in both languages."""

from __future__ import annotations

import re

import pytest

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

SHORT = {
    "en": ["Org admin", "Editor", "Reviewer", "Member"],
    "zh": ["组织管理员", "编辑", "审核人", "成员"],
}
DUTY = {
    "en": ["Grants and revokes", "uploads and publishes", "Decides applications", "Applies for"],
    "zh": ["授予和撤销", "上传并发布", "审批", "申请访问"],
}
LONG = ["Organization administrator", "Editor (registers", "Reviewer (decides"]


@pytest.mark.parametrize(("lang", "key"), [(EN, "en"), (ZH, "zh")], ids=["en", "zh"])
def test_the_grant_drop_down_shows_short_labels_and_what_each_role_may_do(
    login, bureau_admin, transport_bureau, lang, key
):
    page = login(bureau_admin).get("/roles/", **lang).content.decode()
    select = re.search(r'<select name="role"[^>]*>(.*?)</select>', page, re.S)
    assert select, page
    options = re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]*)</option>', select.group(1))
    assert options == list(
        zip(["org_admin", "editor", "reviewer", "member"], SHORT[key], strict=True)
    )
    assert not any(long in page for long in LONG)
    duties = page.split("data-role-duties")[1].split("</dl>")[0]
    for label, duty in zip(SHORT[key], DUTY[key], strict=True):
        assert f"<dt>{label}</dt>" in duties and duty in duties
