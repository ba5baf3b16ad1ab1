"""``gongshu serve``: the production-grade server (gunicorn, threaded) on one port, and
optionally a background worker beside it so that uploads are processed. Each server
process starts its SQL sandbox workers as it starts, so that the first read-only query
does not wait for them."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

from gongshu import wsgi
from gongshu.engine import sandbox

log = logging.getLogger(__name__)


def warm_sandbox(_worker: object) -> None:
    """gunicorn's ``post_worker_init``: in each server process, after the fork, because a
    pool belongs to the process that started it (the master's would serve no query).
    This only spawns them (it does not delay serving); they load Python and DuckDB while
    the server waits for its first query, which would otherwise wait for that."""
    try:
        sandbox.warm()
    except ImproperlyConfigured:
        raise  # a wrong GONGSHU_SQL_SANDBOX_* setting: say so now, not at the first query
    except Exception:
        log.exception("the SQL sandbox workers did not start; the first query tries again")


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return wsgi.application


class Command(BaseCommand):
    help = "Serve Gongshu over HTTP (gunicorn); --with-worker also runs the task worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--with-worker", action="store_true", help="start `gongshu worker` too")

    def handle(self, *args, **options) -> None:
        base = f"http://{options['host']}:{options['port']}"
        self._print_welcome(base)
        worker = None
        if options["with_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "gongshu.cli", "worker"])
        try:
            _Gunicorn(
                {
                    "bind": f"{options['host']}:{options['port']}",
                    "workers": options["workers"],
                    "threads": options["threads"],
                    "worker_class": "gthread",
                    # Exports stream for a long time; a slow client must not be killed.
                    "timeout": 300,
                    "accesslog": "-",
                    "post_worker_init": warm_sandbox,
                }
            ).run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)

    def _print_welcome(self, base: str) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"Gongshu 公数 is starting on {base}"))
        out.write(f"  Catalog API   {base}/api/v1/datasets")
        out.write(f"  API docs      {base}/api/v1/docs")
        out.write(f"  Admin         {base}/admin/")
        logins = Path(settings.VAR_DIR) / "demo_logins.json"
        if logins.exists():
            out.write("  Demo logins (username / password / role):")
            for login in json.loads(logins.read_text(encoding="utf-8")):
                out.write(f"    {login['username']:<20} {login['password']:<18} {login['role']}")
