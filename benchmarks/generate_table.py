"""A generated table of realistic shape for the tabular benchmarks, written by DuckDB.

Road-traffic observations as a city would publish them: integer ids and counts, decimal
speeds and occupancies, station codes, Chinese district, road and weather names, dates,
a mostly empty free-text remark (Chinese, sometimes with commas and quotes that the CSV
must quote), and NULLs in four columns. 2,000,000 rows make a CSV of about 143 MB.

    .venv/bin/python benchmarks/generate_table.py ROWS OUT.csv|OUT.parquet

Files are cached: ``generate(rows, path)`` does nothing when ``path`` exists and was
written by the same ``VERSION`` of this module (a ``.done`` marker beside it says so).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from pathlib import Path

VERSION = 3
WORK = str(Path(tempfile.gettempdir()) / "gongshu-bench-tabular")  # generated files, cached
DISTRICTS = [
    "浦东新区", "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区",
    "闵行区", "宝山区", "嘉定区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区",
]  # fmt: skip
ROADS = [
    "世纪大道", "南京东路", "肇嘉浜路", "延安西路", "中山北路", "四平路", "沪闵路", "共和新路",
    "曹安公路", "沪松公路", "浦东大道", "龙阳路", "虹桥路", "漕溪北路", "武宁路", "逸仙路",
]  # fmt: skip
WEATHER = ["晴", "多云", "阴", "小雨", "中雨", "大雨", "雾", "霾"]

# Column name -> Table Schema type, in file order.
FIELDS = {
    "id": "integer",
    "station_code": "string",
    "district": "string",
    "road": "string",
    "observed_on": "date",
    "hour": "integer",
    "vehicle_count": "integer",
    "avg_speed": "number",
    "occupancy": "number",
    "weather": "string",
    "remark": "string",
}
# PostgreSQL / SQLite column types for the same table.
PG_TYPES = {
    "integer": "bigint",
    "string": "text",
    "date": "date",
    "number": "double precision",
}
SQLITE_TYPES = {"integer": "INTEGER", "string": "TEXT", "date": "TEXT", "number": "REAL"}


def _list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def select_sql(rows: int) -> str:
    """DuckDB SQL for the table; the same rows whatever the output format."""
    # hash() gives deterministic pseudo-random values, so the Parquet compresses like real
    # observations rather than like a repeating pattern. A station belongs to one district
    # and one road; rows are in time order, as a monitoring system appends them.
    return f"""
SELECT i AS id,
       'S' || lpad(s::VARCHAR, 4, '0') AS station_code,
       {_list(DISTRICTS)}[1 + s % 16] AS district,
       {_list(ROADS)}[1 + (s // 16) % 16] AS road,
       DATE '2021-01-01' + ((i * 1461) // {rows})::INTEGER AS observed_on,
       ((i * 1461 * 24) // {rows}) % 24 AS hour,
       CASE WHEN h % 37 = 0 THEN NULL ELSE (h // 37) % 1200 END AS vehicle_count,
       CASE WHEN h % 53 = 1 THEN NULL ELSE round(5 + ((h // 53) % 900) / 10.0, 1) END
           AS avg_speed,
       round(((h // 4096) % 1000) / 1000.0, 3) AS occupancy,
       CASE WHEN h % 50 = 2 THEN NULL
            ELSE {_list(WEATHER)}[1 + (hash(i // 5000) % 8)::BIGINT] END AS weather,
       CASE WHEN h % 97 = 3 THEN '设备检修，数据为估算值'
            WHEN h % 389 = 4 THEN '临时封闭, "施工"'
            ELSE NULL END AS remark
FROM (SELECT i, (hash(i) % 5000)::BIGINT AS s, (hash(i * 7 + 1) >> 8)::BIGINT AS h
      FROM range(1, {rows} + 1) t(i))
"""


def table_schema(*, declared: bool = False) -> dict:
    """The Table Schema; ``declared`` adds what a publisher would declare (a primary key and
    required columns), which the ingest then checks over every row."""
    fields = [{"name": n, "type": t} for n, t in FIELDS.items()]
    schema: dict = {"fields": fields}
    if declared:
        for field in fields:
            if field["name"] in ("station_code", "district", "observed_on"):
                field["constraints"] = {"required": True}
        schema["primaryKey"] = ["id"]
    return schema


def generate(rows: int, path: Path, *, threads: int | None = None) -> float:
    """Write ``rows`` rows to ``path`` (.csv or .parquet) unless it is cached; seconds spent."""
    import duckdb

    path = Path(path)
    marker = path.with_name(path.name + ".done")
    if path.exists() and marker.exists() and marker.read_text() == f"{VERSION} {rows}":
        return 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    options = "FORMAT csv, HEADER true" if path.suffix == ".csv" else "FORMAT parquet, "
    if path.suffix != ".csv":
        options += "COMPRESSION zstd"
    started = time.perf_counter()
    con = duckdb.connect(config={"threads": threads} if threads else {})
    con.execute(f"COPY ({select_sql(rows)}) TO '{path}' ({options})")
    con.close()
    marker.write_text(f"{VERSION} {rows}")
    return time.perf_counter() - started


def machine(pg_url: str | None = None) -> dict:
    """What the run ran on, for docs/benchmarks.md."""
    import os
    import platform
    import sqlite3

    import duckdb

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    info = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024**2, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "sqlite": sqlite3.sqlite_version,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    if pg_url:
        import psycopg

        with psycopg.connect(pg_url) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    return info


def load_average() -> float:
    """The 1-minute load average now."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def proc_bytes(pid: int | str, file: str, key: str) -> int:
    """A "Key:  N kB" line of /proc/<pid>/<file>, in bytes (0 if the process is gone)."""
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    seconds = generate(int(sys.argv[1]), Path(sys.argv[2]))
    size = Path(sys.argv[2]).stat().st_size
    print(f"{sys.argv[2]}: {size / 1e6:,.0f} MB in {seconds:.1f} s")
