"""Benchmark: Chinese + English full-text catalog search on SQLite and PostgreSQL.

Generates a realistic catalog of government data resources (100,000 by default), loads it
through the same segmentation the service uses (``search.fill_search_text``), then times a
mix of queries exactly as the API runs them: ``services.filter_datasets(..., q=...)``,
the first page of 20 and the total count. Each database runs in its own subprocess,
because Django's settings are fixed per process.

    .venv/bin/python benchmarks/catalog_search.py [--resources 100000]
        [--database sqlite|postgresql|both] [--queries 30]

PostgreSQL is reached at 127.0.0.1:5432 as ``root`` (``--pg-admin-url``); the script
creates a fresh database (``gongshu_bench_search``) with a UTF-8 character type and drops
it afterwards unless ``--keep`` is given. Results are printed as a table; ``--markdown``
also prints them as Markdown for docs/benchmarks.md, ``--json`` writes them to a file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_DATABASE = "gongshu_bench_search"
PG_ADMIN_URL = "postgresql://root@127.0.0.1:5432/postgres"
BATCH_SIZE = 2_000
PAGE_SIZE = 20

# (query, what it stands for). The mix a portal's search box sees.
QUERIES: list[tuple[str, str]] = [
    ("交通 流量", "two Chinese words"),
    ("交通流量", "one compound word"),
    ("气象", "one word, one domain"),
    ("学校", "sub-word of 中小学校 / 学校"),
    ("上海 医疗", "region + subject"),
    ("企业 登记 信息", "three words"),
    ("weather", "English word"),
    ("traffic flow", "English phrase"),
    ("hospital", "English, stemmed"),
    ("古树名木", "rare term, 1 in 5,000"),
    ("数据", "matches most rows"),
    ("区块链", "matches nothing"),
]


# --------------------------------------------------------------------------- corpus

# Regions: (Chinese, English, weight). Shanghai-centred, with a few other cities.
REGIONS: list[tuple[str, str, int]] = [
    ("上海市", "Shanghai", 30),
    ("浦东新区", "Pudong New Area", 6),
    ("黄浦区", "Huangpu District", 3),
    ("徐汇区", "Xuhui District", 3),
    ("长宁区", "Changning District", 3),
    ("静安区", "Jing'an District", 3),
    ("普陀区", "Putuo District", 3),
    ("虹口区", "Hongkou District", 3),
    ("杨浦区", "Yangpu District", 3),
    ("闵行区", "Minhang District", 3),
    ("宝山区", "Baoshan District", 3),
    ("嘉定区", "Jiading District", 3),
    ("金山区", "Jinshan District", 2),
    ("松江区", "Songjiang District", 3),
    ("青浦区", "Qingpu District", 2),
    ("奉贤区", "Fengxian District", 2),
    ("崇明区", "Chongming District", 2),
    ("北京市", "Beijing", 4),
    ("杭州市", "Hangzhou", 4),
    ("南京市", "Nanjing", 3),
    ("苏州市", "Suzhou", 3),
    ("广州市", "Guangzhou", 3),
    ("深圳市", "Shenzhen", 3),
    ("成都市", "Chengdu", 2),
]


@dataclass(frozen=True)
class Subject:
    domain: str
    zh: str
    en: str
    suffixes: tuple[str, ...]  # keys of SUFFIXES that read naturally after the subject
    keywords: tuple[str, ...]
    detail_zh: str
    detail_en: str
    weight: int = 10


SUFFIXES: dict[str, tuple[str, str]] = {
    "": ("", ""),
    "统计": ("统计", "statistics"),
    "监测": ("监测", "monitoring"),
    "名录": ("名录", "directory"),
    "信息": ("信息", "information"),
    "数据": ("数据", "data"),
    "登记信息": ("登记信息", "registration information"),
}

# fmt: off
SUBJECTS: list[Subject] = [
    Subject("transport", "城市道路交通流量监测", "urban road traffic flow monitoring",
            ("", "数据"), ("交通流量", "道路", "拥堵"),
            "包括各路段机动车流量、平均车速和拥堵指数",
            "vehicle counts, mean speed and congestion index per road section", 12),
    Subject("transport", "公交线路站点", "bus routes and stops", ("信息", "数据"),
            ("公交", "线路", "站点"), "包括线路名称、站点位置、首末班时间",
            "route names, stop locations, first and last departures"),
    Subject("transport", "轨道交通客流", "metro ridership", ("统计", "数据", "监测"),
            ("地铁", "客流"), "按车站和时段统计进出站人次",
            "entries and exits by station and time of day"),
    Subject("transport", "公共停车场泊位", "public car park spaces", ("信息", "数据"),
            ("停车", "泊位"), "包括停车场位置、泊位总数和实时空余泊位",
            "car park locations, total and free spaces in real time"),
    Subject("transport", "出租车运营", "taxi operations", ("统计", "数据"),
            ("出租车", "运营"), "包括载客里程、空驶率和营运车辆数",
            "passenger kilometres, empty-running rate and vehicles in service"),
    Subject("transport", "道路交通事故", "road traffic accidents", ("统计", "信息"),
            ("交通事故", "安全"), "按区域和月份统计事故起数及伤亡人数",
            "accidents and casualties by area and month"),
    Subject("weather", "逐小时气象观测", "hourly weather observations", ("", "数据"),
            ("气温", "降水", "风速"), "包括各观测站气温、湿度、风向风速和降水量",
            "temperature, humidity, wind and precipitation at every station", 12),
    Subject("weather", "降水量", "precipitation", ("统计", "监测", "数据"),
            ("降水", "雨量"), "按日汇总各雨量站降水量", "daily precipitation at rain gauges"),
    Subject("weather", "台风路径", "typhoon tracks", ("信息", "数据"), ("台风", "预警"),
            "包括台风中心位置、最大风速和移动方向",
            "typhoon centre positions, maximum wind speed and heading", 4),
    Subject("weather", "气象灾害预警", "weather warnings", ("信息",), ("预警", "灾害"),
            "包括预警类型、等级、发布和解除时间",
            "warning type, level, issue and lift times"),
    Subject("education", "中小学校基本信息", "primary and secondary schools", ("",),
            ("学校", "教育"), "包括学校名称、办学性质、地址和招生范围",
            "school names, ownership, addresses and catchment areas", 12),
    Subject("education", "幼儿园", "kindergartens", ("名录", "信息"), ("幼儿园", "学前教育"),
            "包括园所名称、办园性质、班级数和联系方式",
            "names, ownership, number of classes and contacts"),
    Subject("education", "高等院校", "universities and colleges", ("名录", "信息"),
            ("高校", "学校"), "包括院校名称、主管部门和办学层次",
            "names, supervising departments and levels"),
    Subject("education", "学生体质健康监测", "student physical health monitoring",
            ("数据", "统计"), ("学生", "体质"), "按学段统计学生体质测试达标率",
            "fitness test pass rates by school stage", 5),
    Subject("health", "医疗机构", "medical institutions", ("名录", "信息"),
            ("医院", "医疗", "卫生"), "包括机构名称、类别、等级、地址和诊疗科目",
            "names, categories, grades, addresses and departments of hospitals and clinics",
            12),
    Subject("health", "医院床位", "hospital beds", ("统计", "信息"), ("医院", "床位"),
            "按医院统计核定床位数和实际开放床位数", "approved and open beds per hospital"),
    Subject("health", "药品零售企业", "retail pharmacies", ("名录", "信息"),
            ("药店", "药品"), "包括企业名称、许可证号和经营范围",
            "names, licence numbers and scope of business"),
    Subject("health", "预防接种门诊", "vaccination clinics", ("名录", "信息"),
            ("疫苗", "接种"), "包括门诊名称、地址、服务时间和可接种疫苗",
            "clinic names, addresses, opening hours and vaccines offered"),
    Subject("market_regulation", "企业登记信息", "enterprise registration information",
            ("",), ("企业", "登记", "工商"), "包括统一社会信用代码、企业名称、类型和成立日期",
            "unified social credit code, name, type and date of establishment", 12),
    Subject("market_regulation", "食品经营许可", "food business licences", ("信息", "名录"),
            ("食品", "许可"), "包括许可证编号、经营者名称和有效期",
            "licence numbers, operators and validity"),
    Subject("market_regulation", "个体工商户", "individual businesses", ("登记信息", "统计"),
            ("个体", "登记"), "按行业统计个体工商户户数和从业人员",
            "individual businesses and workers by industry"),
    Subject("market_regulation", "产品质量监督抽查", "product quality spot checks",
            ("信息", "数据"), ("质量", "抽查"), "包括抽查产品、生产企业和检验结论",
            "products checked, manufacturers and findings"),
    Subject("social_security", "养老保险参保", "pension insurance enrolment", ("统计", "数据"),
            ("社保", "养老"), "按月统计参保人数和基金收支",
            "enrolment and fund flows by month"),
    Subject("social_security", "职业技能培训机构", "vocational training providers",
            ("名录", "信息"), ("就业", "培训"), "包括机构名称、培训项目和补贴标准",
            "providers, courses and subsidy rates"),
    Subject("natural_resources", "土地利用现状", "current land use", ("数据", "统计"),
            ("土地", "规划"), "按地类统计面积", "area by land-use class"),
    Subject("natural_resources", "古树名木", "ancient and notable trees", ("名录", "信息"),
            ("古树", "绿化"), "包括树种、树龄、保护等级和位置",
            "species, age, protection grade and location", 0),
    Subject("ecology", "空气质量", "air quality", ("监测", "数据"),
            ("空气", "PM2.5", "环境"), "包括各监测站PM2.5、PM10、臭氧浓度和AQI",
            "PM2.5, PM10, ozone and AQI at monitoring stations", 12),
    Subject("ecology", "地表水水质", "surface water quality", ("监测", "数据"),
            ("水质", "河道"), "按断面公布水质类别和主要污染物",
            "water quality class and main pollutants by section"),
    Subject("agriculture", "农产品批发价格", "wholesale prices of farm produce",
            ("信息", "监测", "数据"), ("农产品", "价格"), "按日公布主要农产品批发均价",
            "daily average wholesale prices"),
    Subject("culture_tourism", "A级旅游景区", "graded tourist attractions", ("名录", "信息"),
            ("旅游", "景区"), "包括景区名称、等级、地址和开放时间",
            "names, grades, addresses and opening hours"),
    Subject("culture_tourism", "公共图书馆", "public libraries", ("名录", "信息"),
            ("图书馆", "文化"), "包括馆名、地址、开放时间和藏书量",
            "names, addresses, opening hours and holdings"),
    Subject("public_safety", "消防站点", "fire stations", ("信息", "名录"),
            ("消防", "应急"), "包括站点名称、位置和辖区范围",
            "station names, locations and service areas"),
    Subject("urban_construction", "保障性住房项目", "affordable housing projects",
            ("信息", "数据"), ("住房", "保障房"), "包括项目名称、房源套数和供应方式",
            "projects, number of units and allocation method"),
    Subject("urban_construction", "建设工程施工许可", "construction permits", ("信息",),
            ("建设", "许可"), "包括项目名称、建设单位和许可日期",
            "projects, developers and permit dates"),
    Subject("finance_tax", "政府采购", "government procurement", ("信息", "数据"),
            ("采购", "财政"), "包括采购项目、预算金额和中标结果",
            "tenders, budgets and awards"),
    Subject("population", "常住人口", "resident population", ("统计", "数据"),
            ("人口", "户籍"), "按街道统计常住人口和户籍人口",
            "resident and registered population by subdistrict"),
    Subject("economy", "规模以上工业企业", "industrial enterprises above designated size",
            ("统计", "名录"), ("工业", "企业"), "按行业统计产值、营业收入和利润",
            "output, revenue and profit by industry"),
]

FREQUENCIES = {
    "realtime": ("实时", "in real time"),
    "daily": ("每日", "daily"),
    "weekly": ("每周", "weekly"),
    "monthly": ("每月", "monthly"),
    "quarterly": ("每季度", "quarterly"),
    "yearly": ("每年", "yearly"),
    "irregular": ("不定期", "irregularly"),
}

# Providers: (code, Chinese, English, kind, region code, domains it publishes)
PROVIDERS: list[tuple[str, str, str, str, str, tuple[str, ...]]] = [
    ("sh-transport", "上海市交通委员会", "Shanghai Municipal Transportation Commission",
     "government", "310000", ("transport",)),
    ("sh-weather", "上海市气象局", "Shanghai Meteorological Service", "government", "310000",
     ("weather",)),
    ("sh-education", "上海市教育委员会", "Shanghai Municipal Education Commission",
     "government", "310000", ("education",)),
    ("sh-health", "上海市卫生健康委员会", "Shanghai Municipal Health Commission",
     "government", "310000", ("health",)),
    ("sh-samr", "上海市市场监督管理局", "Shanghai Administration for Market Regulation",
     "government", "310000", ("market_regulation", "economy")),
    ("sh-bigdata", "上海市大数据中心", "Shanghai Big Data Center", "data_authority", "310000",
     ("social_security", "natural_resources", "ecology", "agriculture", "culture_tourism",
      "public_safety", "urban_construction", "finance_tax", "population")),
    ("pd-data", "浦东新区城市运行管理中心", "Pudong City Operations Center", "government",
     "310115", ()),
    ("hz-data", "杭州市数据资源管理局", "Hangzhou Data Resources Bureau", "data_authority",
     "330100", ()),
]
# fmt: on

# The rare term: one resource in RARE_EVERY is about ancient trees (古树名木), no more.
RARE_SUBJECT = next(s for s in SUBJECTS if s.zh == "古树名木")
RARE_EVERY = 5_000

# The two titles the canonical queries must find.
ANCHORS = [
    ("transport", "城市道路交通流量监测", "Urban road traffic flow monitoring", "交通流量"),
    ("weather", "逐小时气象观测", "Hourly weather observations", "weather"),
]


def generate(n: int, seed: int, providers: dict[str, Any]):
    """Yield ``n`` unsaved Dataset objects, deterministic for a given seed."""
    from gongshu.catalog.models import Dataset
    from gongshu.catalog.vocabulary import DOMAIN_ZH

    rng = random.Random(seed)
    region_weights = [w for *_, w in REGIONS]
    subject_weights = [s.weight for s in SUBJECTS]
    by_domain = {d: code for code, *_, domains in PROVIDERS for d in domains}
    freqs = list(FREQUENCIES)
    for i in range(n):
        if i < len(ANCHORS):
            domain, title_zh, title_en, _query = ANCHORS[i]
            subject = next(s for s in SUBJECTS if s.domain == domain)
            region_zh, region_en = "上海市", "Shanghai"
            suffix_zh = suffix_en = ""
        else:
            subject = rng.choices(SUBJECTS, subject_weights)[0]
            if i % RARE_EVERY == RARE_EVERY - 1:
                subject = RARE_SUBJECT
            region_zh, region_en, _w = rng.choices(REGIONS, region_weights)[0]
            suffix_zh, suffix_en = SUFFIXES[rng.choice(subject.suffixes)]
            year = rng.randint(2015, 2025) if rng.random() < 0.2 else None
            year_zh = f"{year}年度" if year else ""
            title_zh = f"{region_zh}{year_zh}{subject.zh}{suffix_zh}"
            title_en = ""
            if rng.random() < 0.4:
                title_en = " ".join(
                    p for p in (region_en, str(year or ""), subject.en, suffix_en) if p
                )
                title_en = title_en[0].upper() + title_en[1:]
        domain = subject.domain
        if region_zh == "浦东新区" and rng.random() < 0.5:
            provider_code = "pd-data"
        elif region_zh == "杭州市":
            provider_code = "hz-data"
        else:
            provider_code = by_domain[domain]
        provider = providers[provider_code]
        freq = rng.choice(freqs)
        freq_zh, freq_en = FREQUENCIES[freq]
        description_zh = (
            f"{region_zh}{subject.zh}{suffix_zh}，{subject.detail_zh}。"
            f"数据由{provider.name_zh}提供，{freq_zh}更新。"
        )
        description_en = (
            f"{subject.detail_en.capitalize()} for {region_en}, published {freq_en} by "
            f"{provider.name_en}."
            if title_en
            else ""
        )
        keywords = [
            *rng.sample(subject.keywords, k=min(2, len(subject.keywords))),
            DOMAIN_ZH[domain],
        ]
        roll = rng.random()
        if roll < 0.03:
            level = dict(
                level="core",
                general_sublevel=None,
                sharing_attribute="not_shared",
                opening_attribute="not_open",
            )
        elif roll < 0.15:
            level = dict(
                level="important",
                general_sublevel=None,
                sharing_attribute="conditional",
                opening_attribute="conditional",
            )
        else:
            level = dict(
                level="general",
                general_sublevel=rng.randint(1, 4),
                sharing_attribute=rng.choice(["unconditional", "conditional"]),
                opening_attribute=rng.choice(["unconditional", "conditional", "not_open"]),
            )
        yield Dataset(
            name=f"bench-{i:06d}",
            title_zh=title_zh,
            title_en=title_en,
            description_zh=description_zh,
            description_en=description_en,
            keywords=keywords,
            domain=domain,
            provider=provider,
            update_frequency=freq,
            spatial_coverage=region_zh,
            status="published" if rng.random() < 0.9 else "draft",
            **level,
        )


# --------------------------------------------------------------------------- worker


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def worker(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from gongshu.catalog import search, services
    from gongshu.catalog.models import Dataset
    from gongshu.catalog.segment import query_terms
    from gongshu.orgs.models import Organization

    console = Console(stderr=True)
    if not console.is_terminal:
        console = Console(stderr=True, width=120)
    vendor = connection.vendor
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started
    console.print(f"[bold]{vendor}[/]: migrated in {migrate_s:.1f} s")

    providers = {
        code: Organization.objects.create(
            code=code, name_zh=zh, name_en=en, kind=kind, region=region
        )
        for code, zh, en, kind, region, _domains in PROVIDERS
    }

    query_terms("预热")  # load jieba's dictionary outside the timed load
    load_started = time.perf_counter()
    segment_s = 0.0
    batch: list[Any] = []
    columns = (
        TextColumn(f"{vendor}: loading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("load", total=args.resources)
        for dataset in generate(args.resources, args.seed, providers):
            t = time.perf_counter()
            search.fill_search_text(dataset)
            segment_s += time.perf_counter() - t
            batch.append(dataset)
            if len(batch) >= BATCH_SIZE:
                Dataset.objects.bulk_create(batch)
                progress.advance(task, len(batch))
                batch = []
        if batch:
            Dataset.objects.bulk_create(batch)
            progress.advance(task, len(batch))
    load_s = time.perf_counter() - load_started
    console.print(
        f"{vendor}: loaded {args.resources:,} resources in {load_s:.1f} s "
        f"({args.resources / load_s:,.0f}/s; segmentation {segment_s:.1f} s)"
    )

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            # What autovacuum would have done by the time anyone searches.
            t = time.perf_counter()
            cursor.execute("VACUUM (ANALYZE) catalog_dataset")
            console.print(f"{vendor}: VACUUM ANALYZE in {time.perf_counter() - t:.1f} s")
            cursor.execute("SHOW server_version")
            db_version = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            db_size = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            db_version = cursor.fetchone()[0]
            path = Path(connection.settings_dict["NAME"])
            db_size = f"{path.stat().st_size / 2**20:.0f} MB"

    # The canonical queries find their titles.
    anchors = {}
    for i, (_domain, title_zh, title_en, query) in enumerate(ANCHORS):
        anchor = Dataset.objects.get(name=f"bench-{i:06d}")
        assert (anchor.title_zh, anchor.title_en) == (title_zh, title_en)
        qs = services.filter_datasets(Dataset.objects.all(), q=query)
        assert qs.filter(pk=anchor.pk).exists(), f"{query!r} does not find {title_en!r}"
        page = [d.pk for d in qs[:PAGE_SIZE]]
        anchors[query] = {
            "title": f"{title_zh} / {title_en}",
            "first_page_position": page.index(anchor.pk) + 1 if anchor.pk in page else None,
        }
    console.print(f"{vendor}: canonical queries find their titles: {anchors}")

    load_before = os.getloadavg()[0]
    results = []
    for query, note in QUERIES:

        def run(query=query):
            qs = services.filter_datasets(Dataset.objects.all(), q=query)
            t0 = time.perf_counter()
            page = list(qs[:PAGE_SIZE])
            t1 = time.perf_counter()
            total = qs.count()
            t2 = time.perf_counter()
            return page, total, t1 - t0, t2 - t1

        def listing(query=query):
            # What the API and the portal run now: past the cap, only the first matches
            # are ranked and counted (catalog.search.ranked).
            found = services.list_datasets(Dataset.objects.all(), q=query)
            page = list(found.queryset[:PAGE_SIZE])
            total = found.count if found.count is not None else found.queryset.count()
            return page, total, found.capped

        run()  # warm-up
        listing()
        totals, pages, counts, listed = [], [], [], []
        for _ in range(args.queries):
            # Side by side, alternating: the machine's load hits both alike.
            t = time.perf_counter()
            page, total, page_s, count_s = run()
            totals.append(time.perf_counter() - t)
            pages.append(page_s)
            counts.append(count_s)
            t = time.perf_counter()
            _page, listed_total, capped = listing()
            listed.append(time.perf_counter() - t)
        results.append(
            {
                "query": query,
                "note": note,
                "terms": query_terms(query),
                "matches": total,
                "page_len": len(page),
                "median_ms": statistics.median(totals) * 1e3,
                "p95_ms": percentile(totals, 95) * 1e3,
                "page_median_ms": statistics.median(pages) * 1e3,
                "count_median_ms": statistics.median(counts) * 1e3,
                "listing_median_ms": statistics.median(listed) * 1e3,
                "listing_p95_ms": percentile(listed, 95) * 1e3,
                "listing_count": listed_total,
                "listing_capped": capped,
                "samples_ms": [s * 1e3 for s in totals],
            }
        )
        r = results[-1]
        console.print(
            f"{vendor}: {query!r:>16} {total:>7,} matches  median {r['median_ms']:7.1f} ms"
            f"  p95 {r['p95_ms']:7.1f} ms  (page {r['page_median_ms']:.1f},"
            f" count {r['count_median_ms']:.1f}); listing {r['listing_median_ms']:.1f} ms"
            f"{' capped at ' + format(listed_total, ',') if capped else ''}"
        )

    pooled = [s for r in results for s in r["samples_ms"]]
    Path(args.result).write_text(
        json.dumps(
            {
                "vendor": vendor,
                "db_version": db_version,
                "db_size": db_size,
                "resources": Dataset.objects.count(),
                "migrate_s": migrate_s,
                "load_s": load_s,
                "segment_s": segment_s,
                "anchors": anchors,
                "iterations": args.queries,
                "queries": results,
                "overall_median_ms": statistics.median(pooled),
                "overall_p95_ms": percentile(pooled, 95),
                # The machine's 1-minute load average around the timed queries: other work
                # on a small machine shows up in the numbers.
                "loadavg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            },
            ensure_ascii=False,
        )
    )


# --------------------------------------------------------------------------- driver


def run_database(database: str, args: argparse.Namespace) -> dict[str, Any]:
    var_dir = Path(tempfile.mkdtemp(prefix=f"gongshu-bench-search-{database}-"))
    result = var_dir / "result.json"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gongshu.settings",
        "GONGSHU_VAR_DIR": str(var_dir),
    }
    env.pop("GONGSHU_DATABASE_URL", None)
    admin = None
    if database == "postgresql":
        import psycopg

        admin = psycopg.connect(args.pg_admin_url, autocommit=True)
        admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        admin.execute(
            f"CREATE DATABASE {PG_DATABASE} TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
        base = args.pg_admin_url.rsplit("/", 1)[0]
        env["GONGSHU_DATABASE_URL"] = f"{base}/{PG_DATABASE}"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--resources", str(args.resources),
        "--queries", str(args.queries),
        "--seed", str(args.seed),
        "--result", str(result),
    ]  # fmt: skip
    try:
        subprocess.run(command, env=env, check=True, cwd=ROOT)
        return json.loads(result.read_text())
    finally:
        if args.keep:
            print(f"kept {var_dir}" + (f" and database {PG_DATABASE}" if admin else ""))
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
            if admin is not None:
                admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        if admin is not None:
            admin.close()


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem_kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        ram = "unknown"
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "date": date.today().isoformat(),
    }


def report(runs: list[dict[str, Any]], args: argparse.Namespace) -> None:
    from rich.console import Console
    from rich.table import Table

    info = machine()
    versions = ", ".join(f"{r['vendor']} {r['db_version']}" for r in runs)
    title = (
        f"Catalog search, {runs[0]['resources']:,} resources, {args.queries} runs per query "
        f"(page of {PAGE_SIZE} + count), ms"
    )
    table = Table(title=title, caption=f"{info['cpus']} × {info['cpu']}, {info['ram']} RAM, "
                  f"Python {info['python']}, {versions}, {info['date']}")  # fmt: skip
    table.add_column("query")
    table.add_column("matches", justify="right")
    for r in runs:
        table.add_column(f"{r['vendor']} median", justify="right")
        table.add_column(f"{r['vendor']} p95", justify="right")
    for i, (query, _note) in enumerate(QUERIES):
        cells = [query, f"{runs[0]['queries'][i]['matches']:,}"]
        for r in runs:
            q = r["queries"][i]
            cells += [f"{q['median_ms']:.1f}", f"{q['p95_ms']:.1f}"]
        table.add_row(*cells)
    table.add_section()
    cells = ["overall", ""]
    for r in runs:
        cells += [f"{r['overall_median_ms']:.1f}", f"{r['overall_p95_ms']:.1f}"]
    table.add_row(*cells, style="bold")
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    console.print(table)
    for r in runs:
        console.print(
            f"{r['vendor']}: load {r['load_s']:.1f} s ({r['resources'] / r['load_s']:,.0f}/s, "
            f"segmentation {r['segment_s']:.1f} s), database size {r['db_size']}, "
            f"load average {r['loadavg'][0]} → {r['loadavg'][1]} while timing"
        )

    if args.markdown:
        head = ["query", "matches"]
        for r in runs:
            head += [f"{r['vendor']} median", f"{r['vendor']} p95", f"{r['vendor']} listing"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for i, (query, note) in enumerate(QUERIES):
            row = [f"`{query}` ({note})", f"{runs[0]['queries'][i]['matches']:,}"]
            for r in runs:
                q = r["queries"][i]
                capped = f" (first {q['listing_count']:,})" if q["listing_capped"] else ""
                row += [f"{q['median_ms']:.1f}", f"{q['p95_ms']:.1f}",
                        f"{q['listing_median_ms']:.1f}{capped}"]  # fmt: skip
            lines.append("| " + " | ".join(row) + " |")
        row = ["**overall**", ""]
        for r in runs:
            row += [f"**{r['overall_median_ms']:.1f}**", f"**{r['overall_p95_ms']:.1f}**", ""]
        lines.append("| " + " | ".join(row) + " |")
        print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "runs": runs}, ensure_ascii=False, indent=1)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--queries", type=int, default=30, help="timed runs per query")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument("--json", help="write all results and samples to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.resources < len(ANCHORS):
        parser.error(f"--resources must be at least {len(ANCHORS)}")
    if args.worker:
        worker(args)
        return
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    report([run_database(db, args) for db in databases], args)


if __name__ == "__main__":
    main()
