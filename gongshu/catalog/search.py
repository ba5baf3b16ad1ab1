"""Full-text search over the catalog on SQLite (FTS5) and PostgreSQL (tsvector).

Text is segmented in Python (``segment``) into ``Dataset.search_title`` and
``search_body``, space-separated tokens that each database only splits on spaces: FTS5's
unicode61 tokenizer, and PostgreSQL's 'simple' configuration (which keeps positions, so
titles can weigh more than descriptions). PostgreSQL's parser needs a UTF-8 character
type to see CJK letters at all; the migration checks that and says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from gongshu.catalog.segment import index_text, query_terms
from gongshu.catalog.vocabulary import DOMAIN_ZH

FTS_TABLE = "catalog_dataset_fts"
# Ranking scores every match: a term found in every resource (数据) over 100,000 resources
# took ~250 ms on both databases, nearly all of it scoring. A listing ranks at most this
# many matches (the first by id) and says there are more (issue 20: "10,000+").
RANK_CAP = 10_000

SQLITE_INSTALL = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        search_title, search_body, content='catalog_dataset', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER IF NOT EXISTS catalog_dataset_fts_ai AFTER INSERT ON catalog_dataset BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body); END""",
    f"""CREATE TRIGGER IF NOT EXISTS catalog_dataset_fts_ad AFTER DELETE ON catalog_dataset BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body); END""",
    f"""CREATE TRIGGER IF NOT EXISTS catalog_dataset_fts_au
        AFTER UPDATE OF search_title, search_body ON catalog_dataset BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_title, search_body)
        VALUES ('delete', old.id, old.search_title, old.search_body);
        INSERT INTO {FTS_TABLE}(rowid, search_title, search_body)
        VALUES (new.id, new.search_title, new.search_body); END""",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS catalog_dataset_fts_ai",
    "DROP TRIGGER IF EXISTS catalog_dataset_fts_ad",
    "DROP TRIGGER IF EXISTS catalog_dataset_fts_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

_PG_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, search_title), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, search_body), 'B')"
)
POSTGRES_INSTALL = [
    f"""ALTER TABLE catalog_dataset ADD COLUMN IF NOT EXISTS search_vector tsvector
        GENERATED ALWAYS AS ({_PG_VECTOR}) STORED""",
    """CREATE INDEX IF NOT EXISTS catalog_dataset_search_vector
        ON catalog_dataset USING gin (search_vector)""",
]
POSTGRES_UNINSTALL = [
    "DROP INDEX IF EXISTS catalog_dataset_search_vector",
    "ALTER TABLE catalog_dataset DROP COLUMN IF EXISTS search_vector",
]


def _check_postgres_ctype(schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT length(to_tsvector('simple', '交通'))")
        (lexemes,) = cursor.fetchone()
    if lexemes != 1:
        raise RuntimeError(
            "This PostgreSQL database's LC_CTYPE does not classify Chinese characters as "
            "letters, so full-text search cannot index Chinese. Create the database with a "
            "UTF-8 locale, e.g. CREATE DATABASE gongshu TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'."
        )


def install(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        _check_postgres_ctype(schema_editor)
    statements = {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)


def uninstall(schema_editor) -> None:
    statements = {"sqlite": SQLITE_UNINSTALL, "postgresql": POSTGRES_UNINSTALL}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)


def fill_search_text(dataset) -> None:
    """Segment the dataset's describing text into the columns the index reads."""
    dataset.search_title = index_text([dataset.title_zh, dataset.title_en])
    dataset.search_body = index_text(
        [
            dataset.description_zh,
            dataset.description_en,
            " ".join(dataset.keywords or []),
            DOMAIN_ZH.get(dataset.domain, ""),
            dataset.domain.replace("_", " "),
        ]
    )


@dataclass(frozen=True)
class Ranked:
    """A search's listing: ``queryset`` ranked, ``count`` its matches (None: not counted
    yet); ``capped`` when there were more matches than the cap, so ``count`` is the cap
    and a lower bound."""

    queryset: QuerySet
    count: int | None
    capped: bool


def ranked(queryset: QuerySet, query: str, *, cap: int | None = None) -> Ranked:
    """``apply`` for a listing people page through: past ``cap`` matches only the first
    ``cap`` by id are ranked and counted. Those are found without scoring (ids in index
    order, stopped at cap + 1) and bounded by an id range, which both indexes can use,
    not by a list of ids (a 10,001-id IN list made 数据 slower, 733 ms)."""
    cap = RANK_CAP if cap is None else cap
    first = list(
        apply(queryset, query, order_by_rank=False)
        .order_by("pk")
        .values_list("pk", flat=True)[: cap + 1]
    )
    if len(first) <= cap:
        return Ranked(apply(queryset, query), len(first), False)
    return Ranked(apply(queryset, query, up_to_id=first[cap - 1]), cap, True)


def apply(
    queryset: QuerySet, query: str, *, order_by_rank: bool = True, up_to_id: int | None = None
) -> QuerySet:
    """Restrict ``queryset`` to resources matching every term of ``query`` (and, with
    ``up_to_id``, to ids up to it); when asked, order by relevance, best first. A query
    with no searchable term matches nothing."""
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    if up_to_id is not None:
        queryset = queryset.filter(pk__lte=up_to_id)
    vendor = connection.vendor
    if vendor == "sqlite":
        expression = " ".join('"' + term + '"' for term in terms)
        where = [f"{FTS_TABLE}.rowid = catalog_dataset.id", f"{FTS_TABLE} MATCH %s"]
        params: list[object] = [expression]
        if up_to_id is not None:
            # On the index's own rowid too: FTS5 then stops reading its posting lists there.
            where.append(f"{FTS_TABLE}.rowid <= %s")
            params.append(up_to_id)
        queryset = queryset.extra(
            tables=[FTS_TABLE],
            where=where,
            params=params,
            # bm25 is lower for better matches; negate so that higher is better everywhere.
            select={"rank": f"-bm25({FTS_TABLE}, 4.0, 1.0)"},
        )
    elif vendor == "postgresql":
        # The same parser that built the vector splits the terms, so both sides agree.
        terms_text = " ".join(terms)
        queryset = queryset.extra(
            where=["catalog_dataset.search_vector @@ plainto_tsquery('simple', %s)"],
            params=[terms_text],
            select={
                "rank": "ts_rank(catalog_dataset.search_vector, plainto_tsquery('simple', %s))"
            },
            select_params=[terms_text],
        )
    else:  # pragma: no cover - only the two supported databases reach here
        raise RuntimeError(f"Gongshu supports SQLite and PostgreSQL, not {vendor}")
    if order_by_rank:
        queryset = queryset.order_by("-rank", "id")
    return queryset
