"""``gongshu createadmin``: a platform administrator (the data authority's superuser)."""

from __future__ import annotations

import getpass
import os
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create or update a platform administrator. The password comes from "
        "GONGSHU_ADMIN_PASSWORD, a prompt, or --generate (printed once)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")
        parser.add_argument("--generate", action="store_true", help="generate a password")

    def handle(self, *args, **options) -> None:
        username = options["username"]
        password = os.environ.get("GONGSHU_ADMIN_PASSWORD")
        generated = False
        if not password and options["generate"]:
            password, generated = secrets.token_urlsafe(15), True
        if not password:
            if not os.isatty(0):
                raise CommandError(
                    "No password: set GONGSHU_ADMIN_PASSWORD, run in a terminal, or pass --generate."
                )
            password = getpass.getpass(f"Password for {username}: ")
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first() or user_model(username=username)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        user.email = options["email"] or user.email
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(self.style.SUCCESS(f"Administrator {username} is ready."))
        if generated:
            self.stdout.write(f"Password (shown once): {password}")
