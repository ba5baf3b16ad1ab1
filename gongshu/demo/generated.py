"""Generated demo tables with the shape of real government records (Faker zh_CN, seeded),
so that later features — personal-data detection, masking — have something to find.
Resident ID numbers carry valid GB 11643 check characters."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from faker import Faker
from stdnum.cn import ric

# Shanghai district codes (GB/T 2260) that existed for every birth year we generate
# (1940–2005): an ID's address code must have been valid when the person was born.
DISTRICTS = {
    "310101": "黄浦区",
    "310104": "徐汇区",
    "310105": "长宁区",
    "310106": "静安区",
    "310107": "普陀区",
    "310109": "虹口区",
    "310110": "杨浦区",
}


def resident_id(rng: random.Random, region: str, born: date, male: bool) -> str:
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd for men
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check


def write_population_services(path: Path, rows: int = 5000, seed: int = 2013) -> Path:
    """社区居民服务登记: the personal table that must not be opened unmasked."""
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    services = ["居住登记", "社区养老服务", "残疾人补贴", "低保申请", "医保参保登记", "就业援助"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["登记编号", "姓名", "身份证号", "性别", "出生日期", "手机号", "居住地址",
             "行政区划代码", "服务事项", "登记日期"]
        )  # fmt: skip
        for n in range(rows):
            region = rng.choice(list(DISTRICTS))
            male = rng.random() < 0.5
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65))
            registered = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 700))
            writer.writerow(
                [
                    f"SQ{registered:%Y}{n:06d}",
                    fake.name_male() if male else fake.name_female(),
                    resident_id(rng, region, born, male),
                    "男" if male else "女",
                    born.isoformat(),
                    fake.phone_number(),
                    f"上海市{DISTRICTS[region]}{fake.street_name()}{rng.randrange(1, 999)}号",
                    region,
                    rng.choice(services),
                    registered.isoformat(),
                ]
            )
    return path


def write_schools(path: Path, rows: int = 1200, seed: int = 2024) -> Path:
    """全市中小学校基本信息: an education table with no personal data."""
    rng = random.Random(seed)
    kinds = [("小学", 6), ("初级中学", 3), ("高级中学", 3), ("完全中学", 6), ("九年一贯制学校", 9)]
    names = ["实验", "育才", "建平", "格致", "光明", "复兴", "南洋", "友谊", "和平", "向明"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["学校代码", "学校名称", "办学类型", "行政区划代码", "区", "公办民办",
             "学制年限", "在校学生数", "专任教师数", "建校年份"]
        )  # fmt: skip
        for n in range(rows):
            region = rng.choice(list(DISTRICTS))
            kind, years = rng.choice(kinds)
            students = rng.randrange(200, 3200)
            writer.writerow(
                [
                    f"3100{n:06d}",
                    f"上海市{DISTRICTS[region]}{rng.choice(names)}{kind}",
                    kind,
                    region,
                    DISTRICTS[region],
                    "公办" if rng.random() < 0.8 else "民办",
                    years,
                    students,
                    max(12, students // rng.randrange(11, 16)),
                    rng.randrange(1905, 2022),
                ]
            )
    return path
