"""Each person's language for e-mail: the portal's language switch keeps it, a first
sign-in keeps the browser's, and notifications mail each recipient in their own."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from gongshu.access import notify, wording
from gongshu.orgs import languages
from gongshu.orgs.models import LanguagePreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    user = get_user_model().objects.create_user("lang-li", "li@example.org", "a-long-passphrase")
    return user


def test_the_language_switch_keeps_a_signed_in_person_s_choice(person):
    client = Client()
    client.force_login(person)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert languages.of([person]) == {person.pk: "en"}
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert LanguagePreference.objects.get(user=person).language == "zh-hans"
    client.post("/i18n/setlang/", {"language": "klingon", "next": "/"})  # not spoken here
    assert LanguagePreference.objects.get(user=person).language == "zh-hans"


def test_an_anonymous_switch_keeps_nothing():
    Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert not LanguagePreference.objects.exists()


def test_a_first_sign_in_keeps_the_browser_s_language_until_one_is_chosen(person):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.post("/login/", {"username": "lang-li", "password": "a-long-passphrase"})
    assert languages.of([person]) == {person.pk: "en"}
    Client(HTTP_ACCEPT_LANGUAGE="zh-CN").post(
        "/login/", {"username": "lang-li", "password": "a-long-passphrase"}
    )
    assert languages.of([person]) == {person.pk: "en"}  # the first, not every sign-in


def test_no_choice_is_the_platform_s_language(person, settings):
    assert languages.of([person]) == {person.pk: settings.LANGUAGE_CODE}


def test_each_recipient_is_mailed_in_their_own_language(person, django_capture_on_commit_callbacks):
    other = get_user_model().objects.create_user("lang-wang", "wang@example.org")
    languages.remember(person, "en")
    languages.remember(other, "zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        notify.send([person, other], wording.WITHDRAWN, {"n": 7})
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        "li@example.org": "Application #7 withdrawn",
        "wang@example.org": "申请 #7 已撤回",
    }
