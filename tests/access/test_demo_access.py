"""The demo lets a new user try every channel: a login per role, a pending and an
approved application, and an agreement; loading twice creates nothing twice."""

from __future__ import annotations

from gongshu.access.models import Agreement, Application
from gongshu.demo import access, billing, loader


def test_the_demo_has_roles_applications_and_an_agreement(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    # Hashing a dozen real passwords twice would dominate the test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    loader.load(lambda _: None, with_data=False)
    billing.plans(lambda _: None)  # access.load approves industry use: needs a paid plan
    access.load(lambda _: None)
    logins = access.load(lambda _: None)["logins"]
    names = {login["username"] for login in logins}
    assert {"admin", "researcher", "operator", "auditor", "transport-reviewer"} <= names
    assert Application.objects.filter(status="submitted").count() == 1
    assert Application.objects.filter(status="approved").count() == 1
    agreement = Agreement.objects.get()
    assert agreement.status == "active" and agreement.channel == "operation"
    assert oct((tmp_path / "demo_logins.json").stat().st_mode)[-3:] == "600"
