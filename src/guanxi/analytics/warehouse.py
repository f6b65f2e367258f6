"""The warehouse: the operational tables copied to Parquet as a star schema, opened in DuckDB.

Analytics never read the live database row by row: a job copies what they need to Parquet
(columnar, compressed, readable by DuckDB here and by Spark when one machine is outgrown) and
every model reads from there. No names, phone numbers or ID numbers are copied: the warehouse
holds ids, codes, dates and amounts only.

Copies are incremental: customers by change time, interactions by id, each run adding a part
file; a reader keeps, per id, the row from the newest part. Re-reading a margin before the
watermark catches rows whose transaction committed after the previous copy read past them.
Vehicles, ownerships and org units carry no change time and are copied whole each run; a full
copy (`full=True`, weekly by the job) also drops what was deleted since, such as merged customers.
"""

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import BooleanField, Case, ExpressionWrapper, Q, When
from django.utils import timezone

from guanxi.analytics import engines
from guanxi.core.models import OrgUnit
from guanxi.customers.models import Customer, Interaction, Ownership, Vehicle

CHUNK_ROWS = 100_000
DAYS = pa.int32()  # dates are stored as day numbers (days since 1970-01-01): plain integers in every engine
CHANGE_MARGIN = dt.timedelta(minutes=10)
ID_MARGIN = 10_000


@dataclass(frozen=True)
class Table:
    """One table of the star schema: a query over the live database and the Parquet types of its columns."""

    name: str
    rows: object  # () -> queryset of values_list in the order of `columns`
    columns: dict[str, pa.DataType]
    incremental_by: str = ""  # "updated_at" or "id"; empty: copied whole each run
    still_in: str = ""  # a table of the ids still in the live database: rows deleted since are left out
    # day-number column -> the UTC timestamp column it is taken from, as a date in the local time zone
    local_days: dict[str, str] = field(default_factory=dict)
    day_columns: tuple[str, ...] = ()  # date columns of the live table, stored as day numbers


def _live_customer_ids():
    return Customer.objects.values_list("id")


def _customers():
    return Customer.objects.values_list(
        "id", "kind", "segment", "lifecycle_stage", "tier", "source", "home_dealer_id", "province", "city", "gender",
        "birth_date__year", "created_at", "updated_at",
        ExpressionWrapper(Q(erased_at__isnull=True), output_field=BooleanField()), "referred_by_id",
    )


def _vehicles():
    return Vehicle.objects.values_list("id", "model", "model_year", "purchase_date", "selling_dealer_id",
                                       "service_unit_id", "warranty_end", "mileage_km", "price")


def _ownerships():
    return Ownership.objects.values_list("id", "vehicle_id", "customer_id", "start_date", "end_date")


def _org_units():
    return OrgUnit.objects.values_list("id", "code", "name", "kind", "parent_id")


def _interactions():
    vehicle_type = ContentType.objects.get_for_model(Vehicle)
    return Interaction.objects.values_list(
        "id", "customer_id", "channel", "direction", "occurred_at", "org_unit_id", "amount",
        # the vehicle an interaction concerns, when it points at one
        _when_links_to(vehicle_type),
    )


def _when_links_to(content_type):
    return Case(When(link_type=content_type, then="link_id"), default=None)


TABLES = (
    # every run: which customers still exist (a merge deletes one), so that no score is written for a
    # customer who is gone, whatever the incremental copy of dim_customer still holds
    Table("live_customer_ids", _live_customer_ids, {"id": pa.int64()}),
    Table("dim_customer", _customers, {
        "id": pa.int64(), "kind": pa.string(), "segment": pa.string(), "lifecycle_stage": pa.string(),
        "tier": pa.string(), "source": pa.string(), "home_dealer_id": pa.int64(), "province": pa.string(),
        "city": pa.string(), "gender": pa.string(), "birth_year": pa.int32(),
        "created_at": pa.timestamp("us", tz="UTC"), "updated_at": pa.timestamp("us", tz="UTC"),
        "active": pa.bool_(), "referred_by_id": pa.int64(),
    }, incremental_by="updated_at", local_days={"created_day": "created_at"}, still_in="live_customer_ids"),
    Table("dim_vehicle", _vehicles, {
        "id": pa.int64(), "model": pa.string(), "model_year": pa.int32(), "purchase_day": DAYS,
        "selling_dealer_id": pa.int64(), "service_unit_id": pa.int64(), "warranty_end_day": DAYS,
        "mileage_km": pa.int64(), "price": pa.float64(),
    }, day_columns=("purchase_day", "warranty_end_day")),
    Table("bridge_ownership", _ownerships, {
        "id": pa.int64(), "vehicle_id": pa.int64(), "customer_id": pa.int64(), "start_day": DAYS, "end_day": DAYS,
    }, day_columns=("start_day", "end_day")),
    Table("dim_org_unit", _org_units, {
        "id": pa.int64(), "code": pa.string(), "name": pa.string(), "kind": pa.string(), "parent_id": pa.int64(),
    }),
    Table("fact_interaction", _interactions, {
        "id": pa.int64(), "customer_id": pa.int64(), "channel": pa.string(), "direction": pa.string(),
        "occurred_at": pa.timestamp("us", tz="UTC"), "org_unit_id": pa.int64(), "amount": pa.float64(),
        "vehicle_id": pa.int64(),
    }, incremental_by="id", local_days={"occurred_day": "occurred_at"}),
)


def directory() -> Path:
    return Path(settings.GUANXI_WAREHOUSE_DIR)


def extract(*, full: bool = False, progress=None) -> dict:
    """Copy what changed since the last run (everything when `full`); returns the manifest.

    `progress(table_name, rows_so_far)` is called after each chunk, for a progress bar.
    """
    root = directory()
    manifest = _read_manifest(root)
    if full or not manifest.get("tables"):
        shutil.rmtree(root, ignore_errors=True)
        manifest = {"tables": {}}
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # the copy of the customer base is nobody else's to read
    started = timezone.now()
    for table in TABLES:
        state = manifest["tables"].get(table.name, {"parts": 0})
        columns = list(_schema(table).names)
        if state["parts"] and state.get("columns") != columns:  # a release that copies more: old parts go
            shutil.rmtree(root / table.name, ignore_errors=True)
            state = {"parts": 0}
        # in no order: the models' default one (an interaction's newest first) made PostgreSQL sort 30 million
        # rows on disk before the first was copied, most of the copy's time at 3 million customers
        rows = table.rows().order_by()
        watermark = state.get("watermark")
        if table.incremental_by == "updated_at" and watermark:
            rows = rows.filter(updated_at__gte=dt.datetime.fromisoformat(watermark) - CHANGE_MARGIN)
        elif table.incremental_by == "id" and watermark:
            rows = rows.filter(id__gt=int(watermark) - ID_MARGIN)
        part = state["parts"] + 1 if table.incremental_by else 1
        copied, newest = _write_part(table, rows, root / table.name, part, progress)
        state = {"parts": part, "rows": state.get("rows", 0) + copied if table.incremental_by else copied,
                 "watermark": _newer(watermark, newest, table.incremental_by), "columns": columns}
        manifest["tables"][table.name] = state
    manifest["extracted_at"] = started.isoformat()
    manifest["full_at"] = started.isoformat() if full or "full_at" not in manifest else manifest["full_at"]
    _write_manifest(root, manifest)
    return manifest


def open_warehouse(root: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per table: the newest version of each row (for ad-hoc reads)."""
    return engines.duckdb_connection(root or directory(), TABLES)


def open_query(root: Path | None = None, in_memory: bool = False):
    """`query(sql)` on the engine the deployment chose (GUANXI_ANALYTICS_ENGINE: duckdb or spark); `in_memory`
    for a session of many queries (engines.view_statements)."""
    return engines.open_query(settings.GUANXI_ANALYTICS_ENGINE, root or directory(), TABLES, in_memory=in_memory)


def _write_part(table: Table, rows, folder: Path, part: int, progress) -> tuple[int, object]:
    """Write the rows as one Parquet part; returns the count and the newest watermark value. A table
    copied whole replaces its previous part only once the new one is written."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".part-{part:06d}.tmp"
    if connection.vendor == "postgresql":
        copied, newest = _write_part_by_copy(table, rows, temporary, part)
    else:
        copied, newest = _write_part_by_rows(table, rows, temporary, part, progress)
    if not table.incremental_by:
        for previous in folder.glob("part-*.parquet"):
            previous.unlink()
    os.replace(temporary, folder / f"part-{part:06d}.parquet")
    if progress:
        progress(table.name, copied)
    return copied, newest


def _write_part_by_rows(table: Table, rows, temporary: Path, part: int, progress) -> tuple[int, object]:
    """Any database: fetch the rows in chunks and convert them in Python (about 100,000 rows a second)."""
    schema = _schema(table)
    sql, params = rows.query.sql_with_params()
    copied, newest = 0, None
    position = list(table.columns).index(table.incremental_by) if table.incremental_by else None
    with pq.ParquetWriter(temporary, schema, compression="zstd") as writer, connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            batch = _batch(table, schema, chunk, part)
            writer.write_batch(batch)
            copied += len(chunk)
            if position is not None:
                newest = _newer(newest, pc.max(batch.column(position)).as_py(), table.incremental_by)
            if progress:
                progress(table.name, copied)
    return copied, newest


DUCKDB_TYPES = {pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.string(): "VARCHAR", pa.float64(): "DOUBLE",
                pa.bool_(): "BOOLEAN", pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ"}


def _write_part_by_copy(table: Table, rows, temporary: Path, part: int) -> tuple[int, object]:
    """PostgreSQL: COPY the query out as CSV and let DuckDB type it and write the Parquet, no Python
    per row. The result is the same file the row path writes (same columns, types and local days)."""
    sql, params = rows.query.sql_with_params()
    text = temporary.with_suffix(".csv")
    with connection.cursor() as cursor, open(text, "wb") as out:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
            for block in copy:
                out.write(block)
    if text.stat().st_size == 0:  # DuckDB cannot read the columns' types out of an empty CSV
        text.unlink()
        pq.write_table(_schema(table).empty_table(), temporary, compression="zstd")
        return 0, None
    read_as = {name: "DATE" if name in table.day_columns else DUCKDB_TYPES[kind]
               for name, kind in table.columns.items()}
    columns = [f"CAST({name} - DATE '1970-01-01' AS INTEGER) AS {name}" if name in table.day_columns else name
               for name in table.columns]
    columns += [f"CAST(CAST(timezone('{settings.TIME_ZONE}', {moment}) AS DATE) - DATE '1970-01-01' AS INTEGER) "
                f"AS {day}" for day, moment in table.local_days.items()]
    duck = duckdb.connect()
    try:
        duck.execute(f"""COPY (SELECT {', '.join(columns)}, CAST({part} AS INTEGER) AS _part
                         FROM read_csv(?, header = false, columns = {read_as!r}, allow_quoted_nulls = false,
                                       timestampformat = '%Y-%m-%d %H:%M:%S.%g%z'))
                         TO '{temporary}' (FORMAT parquet, COMPRESSION zstd)""", [str(text)])
        copied, newest = duck.execute(
            f"SELECT count(*), max({table.incremental_by or 'NULL'}) FROM read_parquet('{temporary}')").fetchone()
    finally:
        duck.close()
        text.unlink(missing_ok=True)
    return copied, newest


def _schema(table: Table) -> pa.Schema:
    fields = [pa.field(name, kind) for name, kind in table.columns.items()]
    fields += [pa.field(name, DAYS) for name in table.local_days]
    return pa.schema([*fields, pa.field("_part", pa.int32(), nullable=False)])


def _batch(table: Table, schema: pa.Schema, chunk: list[tuple], part: int) -> pa.RecordBatch:
    columns = {}
    for (name, kind), values in zip(table.columns.items(), zip(*chunk)):
        if name in table.day_columns:
            columns[name] = pa.array(values, type=pa.date32()).cast(DAYS)
            continue
        if pa.types.is_timestamp(kind):
            values = [_aware(value) for value in values]
        elif pa.types.is_floating(kind):
            values = [None if value is None else float(value) for value in values]
        elif pa.types.is_boolean(kind):
            values = [bool(value) for value in values]
        columns[name] = pa.array(values, type=kind)
    local = settings.TIME_ZONE
    for day_name, moment_name in table.local_days.items():
        moments = columns[moment_name].cast(pa.timestamp("us", tz=local))
        columns[day_name] = pc.local_timestamp(moments).cast(pa.date32()).cast(DAYS)
    columns["_part"] = pa.array([part] * len(chunk), type=pa.int32())
    return pa.RecordBatch.from_pydict(columns, schema=schema)


def _aware(value):
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _newer(old, new, kind: str):
    if new is None:
        return old
    if kind == "updated_at":
        new = new if isinstance(new, str) else new.isoformat()
        return new if old is None or dt.datetime.fromisoformat(new) > dt.datetime.fromisoformat(old) else old
    return max(int(old or 0), int(new))


def _read_manifest(root: Path) -> dict:
    try:
        return json.loads((root / "manifest.json").read_text())
    except FileNotFoundError:
        return {}


def _write_manifest(root: Path, manifest: dict) -> None:
    temporary = root / ".manifest.tmp"
    temporary.write_text(json.dumps(manifest, indent=1))
    os.replace(temporary, root / "manifest.json")
