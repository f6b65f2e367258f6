"""Where the feature SQL runs: DuckDB on one machine, Apache Spark when one machine is outgrown.

Both engines read the same Parquet warehouse and answer the same `query(sql) -> {column: numpy
array}` the scorers take, so a deployment switches engine with one setting and no scorer or feature
statement changes (plain module: no Django; pyspark is imported only when Spark is asked for, so it
stays an optional extra).

The views that give the newest row of each id are written here once, in SQL both engines accept
(an explicit column list where DuckDB alone would say `SELECT * EXCLUDE`). Spark's answers are
handed over as DuckDB's `fetchnumpy()` hands them (decimals as float64, NULLs as masked arrays,
text as Python strings), because the scorers and the churn encoding were written against that.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

Query = Callable[[str], dict]

PART = "_part"  # the column every warehouse row carries: the number of the copy that wrote it
NEWEST = "_newest"

# DuckDB statements that answer with rows; the others (CREATE, INSERT, SET...) only report a count.
_DUCKDB_ANSWERS = frozenset({"SELECT", "EXPLAIN", "PRAGMA", "CALL", "RELATION"})


class View(NamedTuple):
    """What the readers need to know of a warehouse table; the copy job knows much more (`warehouse.Table`)."""

    name: str
    incremental: bool = False  # written in several parts: keep per id the row of the newest part
    still_in: str = ""  # a view of the ids still in the live database: rows of ids gone since are left out


def views(tables: Iterable) -> list[View]:
    """The views to open, from `warehouse.TABLES` or from `View`s (a test's own warehouse)."""
    return [table if isinstance(table, View) else View(table.name, bool(table.incremental_by), table.still_in)
            for table in tables]


def view_statements(tables: Iterable[View], parts: Callable[[str], tuple[str, list[str]]],
                    kept_as: str = "") -> Iterable[str]:
    """The CREATE VIEW statement of each table, in SQL DuckDB and Spark SQL both run.

    `parts(name)` gives the engine's expression for the table's Parquet files and their columns.
    Statements are yielded one by one because a view naming another (`still_in`) can only be
    created once that one exists. `kept_as`, the engine's words for keeping a query's rows for the
    session, keeps the incremental tables so: their newest rows are then picked once, not in every
    query that reads them (a window over 30 million interactions each time, a third of the nightly
    scoring's feature queries at 3 million customers)."""
    for view in tables:
        source, columns = parts(view.name)
        kept = ", ".join(column for column in columns if column not in (PART, NEWEST))
        if view.incremental:
            still_there = f" AND id IN (SELECT id FROM {view.still_in})" if view.still_in else ""
            select = (f"SELECT {kept} FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY {PART} DESC) "
                      f"AS {NEWEST} FROM {source}) versions WHERE {NEWEST} = 1{still_there}")
        else:
            select = f"SELECT {kept} FROM {source}"
        create = kept_as if kept_as and view.incremental else "CREATE OR REPLACE TEMPORARY VIEW"
        yield f"{create} {view.name} AS {select}"


class DuckDBQuery:
    """`query(sql)` over a DuckDB connection; the connection stays reachable for ad-hoc reads."""

    def __init__(self, connection: duckdb.DuckDBPyConnection):
        self.connection = connection

    def __call__(self, sql: str) -> dict:
        result = self.connection.execute(sql)
        # DuckDB answers a CREATE with a one-row "Count" table; the scorers expect nothing there
        last = duckdb.extract_statements(sql)[-1].type.name
        if result.description is None or last not in _DUCKDB_ANSWERS:
            return {}
        return result.fetchnumpy()

    def close(self) -> None:
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def duckdb_connection(root: Path, tables: Iterable, in_memory: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per table: the newest version of each row. `in_memory`: the incremental
    tables read once into temporary tables, for a session of many queries (spilled to disk past DuckDB's
    memory limit)."""
    root = Path(root)
    _require_copy(root)
    connection = duckdb.connect()

    def parts(name: str) -> tuple[str, list[str]]:
        source = "read_parquet('{}')".format(str(root / name / "*.parquet").replace("'", "''"))
        return source, connection.sql(f"SELECT * FROM {source}").columns

    kept_as = ""
    if in_memory:
        kept_as = "CREATE OR REPLACE TEMPORARY TABLE"
        # past DuckDB's memory limit the tables spill here, beside the copy they came from, not to the working folder
        connection.execute("SET temp_directory = '{}'".format(str(root / ".spill").replace("'", "''")))
    for statement in view_statements(views(tables), parts, kept_as):
        connection.execute(statement)
    return connection


def duckdb_query(root: Path, tables: Iterable, in_memory: bool = False) -> DuckDBQuery:
    return DuckDBQuery(duckdb_connection(root, tables, in_memory))


class SparkQuery:
    """`query(sql)` over a SparkSession; `close()` stops the session (and the local JVM's work)."""

    def __init__(self, spark):
        self.spark = spark

    def __call__(self, sql: str) -> dict:
        frame = self.spark.sql(sql)  # commands (CREATE VIEW...) run here, at once, and have no columns
        if not frame.schema.fields:
            return {}
        return arrow_to_numpy(frame.toArrow())

    def close(self) -> None:
        self.spark.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def spark_query(root: Path, tables: Iterable, in_memory: bool = False, *, master: str = "local[2]",
                shuffle_partitions: int = 4, config: dict | None = None) -> SparkQuery:
    """A SparkSession over the warehouse with the same views as DuckDB's.

    Local mode keeps everything on this machine: the driver binds to the loopback address, the web
    UI is off, and no package is fetched at start. Few shuffle partitions because Spark's default
    (200) spends most of a small job scheduling empty tasks. Times are read in UTC whatever the
    machine's zone, as DuckDB does (the warehouse already holds local days as day numbers).
    `config` adds or overrides Spark settings, such as a cluster's master and memory."""
    from pyspark.sql import SparkSession

    root = Path(root)
    _require_copy(root)
    if master.startswith("local"):
        # the JVM launcher otherwise looks the host name up and warns when it is not routable
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "true",  # an overflow or a bad cast fails, as in DuckDB, rather than giving NULL
        # no spark-warehouse folder left in the working directory: the views are temporary
        "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "guanxi-spark-warehouse"),
    }
    if master.startswith("local"):
        settings |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
    builder = SparkSession.builder.master(master).appName("guanxi-analytics")
    for key, value in (settings | (config or {})).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()

    def parts(name: str) -> tuple[str, list[str]]:
        frame = spark.read.parquet(str(root / name))
        source = f"{name}_parts"
        frame.createOrReplaceTempView(source)
        return source, frame.columns

    for statement in view_statements(views(tables), parts, "CACHE TABLE" if in_memory else ""):
        spark.sql(statement)
    return SparkQuery(spark)


ENGINES: dict[str, Callable[..., Query]] = {"duckdb": duckdb_query, "spark": spark_query}


def open_query(engine: str, root: Path, tables: Iterable, **options) -> Query:
    """The query of the engine a deployment chose by name (`ENGINES`); options go to that engine."""
    try:
        opener = ENGINES[engine]
    except KeyError:
        raise ValueError(f"unknown analytics engine {engine!r}: choose one of {', '.join(ENGINES)}") from None
    return opener(root, tables, **options)


def arrow_to_numpy(table: pa.Table) -> dict[str, np.ndarray]:
    """Columns as DuckDB's fetchnumpy() gives them, so that the scorers see no difference."""
    return {name: _column(table.column(name)) for name in table.column_names}


def _column(column: pa.ChunkedArray) -> np.ndarray:
    kind = column.type
    if pa.types.is_decimal(kind):
        column = column.cast(pa.float64())  # DuckDB hands DECIMAL over as float64
    elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        column = column.cast(pa.timestamp("us"))  # naive UTC microseconds, as DuckDB
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind) \
            or pa.types.is_timestamp(kind):
        # DuckDB leaves zeros (False, the epoch) under the mask
        zero = pa.scalar(0, kind) if not pa.types.is_boolean(kind) else pa.scalar(False)
        values = column.fill_null(zero).to_numpy() if column.null_count else column.to_numpy()
    else:  # text and nested values: Python objects, None where NULL
        values = np.empty(len(column), dtype=object)
        values[:] = column.to_pylist()
    if column.null_count:
        return np.ma.MaskedArray(values, mask=column.is_null().to_numpy(zero_copy_only=False))
    return values


def _require_copy(root: Path) -> None:
    try:
        manifest = json.loads((root / "manifest.json").read_text())
    except FileNotFoundError:
        manifest = {}
    if not manifest.get("tables"):
        raise FileNotFoundError("the warehouse is empty: run the extract first")
