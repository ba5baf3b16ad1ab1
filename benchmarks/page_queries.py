"""Benchmark: how many SQL queries of the metadata database one page of the rows API costs.

Counts with Django's ``CaptureQueriesContext`` around one request of
``/api/v1/datasets/bench/rows?limit=100`` by a signed-in licensee, after a warm-up
request, in three cases: under an agreement with a per-call plan, on the same resource
opened unconditionally (no agreement), and anonymously on the open resource. Uses the
world of ``billing_metering_overhead.py``.

    .venv/bin/python benchmarks/page_queries.py [--database-url URL] [--show]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import billing_metering_overhead as bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--show", action="store_true", help="print each query")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        bench.setup(var_dir, args.database_url)
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        reader, dataset = bench.world(10_000)
        signed_in = Client(SERVER_NAME="localhost")
        signed_in.force_login(reader)
        anonymous = Client(SERVER_NAME="localhost")
        url = f"/api/v1/datasets/{dataset.name}/rows"

        def count(client: Client, label: str) -> None:
            assert client.get(url, {"limit": 100}).status_code == 200  # warm-up
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, {"limit": 100})
            assert response.status_code == 200, response.content
            print(f"{label:<40} {len(captured.captured_queries):3d} queries")
            if args.show:
                for query in captured.captured_queries:
                    print("    ", query["sql"][:400])

        print(f"database: {connection.vendor}")
        count(signed_in, "page under an agreement (per-call plan)")
        dataset.opening_attribute = "unconditional"
        dataset.save(update_fields=["opening_attribute"])
        count(signed_in, "page of an open resource, signed in")
        count(anonymous, "page of an open resource, anonymous")


if __name__ == "__main__":
    main()
