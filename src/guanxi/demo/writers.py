"""Writing generated rows fast: binary COPY on PostgreSQL, executemany INSERT elsewhere (SQLite).

Both bypass model instances, save() and signals on purpose: building a model object per row
costs more than generating it, and the audit log records the load as one entry (loader.py)
instead of millions. Both write the columns named in tables.py with ids the generator chose,
so created_at keeps its generated value (bulk_create would overwrite an auto_now_add field).
"""

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import NamedTuple

from django.apps import apps
from django.db import DatabaseError, models, transaction
from psycopg.types.json import Jsonb

from guanxi.demo.tables import Table

# Fields whose Python value needs the backend's own conversion before an INSERT.
_CONVERTED_ON_INSERT = (models.DateTimeField, models.DateField, models.DecimalField, models.JSONField)


def _fields(table: Table) -> tuple[type[models.Model], list[models.Field]]:
    model = apps.get_model(table.model_label)
    return model, [model._meta.get_field(column) for column in table.columns]


def _converter(adapters: Sequence[Callable | None]) -> Callable[[tuple], Sequence]:
    """Applies the adapter of each column that has one to non-null values."""
    converted = [(index, adapt) for index, adapt in enumerate(adapters) if adapt is not None]
    if not converted:
        return lambda row: row

    def convert(row: tuple) -> list:
        values = list(row)
        for index, adapt in converted:
            if values[index] is not None:
                values[index] = adapt(values[index])
        return values

    return convert


class _Prepared(NamedTuple):
    sql: str
    convert: Callable[[tuple], Sequence]
    fields: list[models.Field]


class _Writer:
    """Prepares, once per table, the statement and the conversion of each row."""

    def __init__(self, connection):
        self.connection = connection
        self._prepared: dict[str, _Prepared] = {}

    def begin_chunk(self) -> None:
        """Called first in each chunk's transaction."""

    def write(self, table: Table, rows: list[tuple]) -> None:
        if not rows:
            return
        if table.key not in self._prepared:
            model, fields = _fields(table)
            quote = self.connection.ops.quote_name
            sql = self.statement(quote(model._meta.db_table), [quote(field.column) for field in fields])
            self._prepared[table.key] = _Prepared(sql, _converter([self.adapter(field) for field in fields]), fields)
        prepared = self._prepared[table.key]
        with self.connection.cursor() as cursor:
            self.send(cursor, prepared, map(prepared.convert, rows))

    def statement(self, db_table: str, columns: list[str]) -> str:
        raise NotImplementedError

    def adapter(self, field: models.Field) -> Callable | None:
        raise NotImplementedError

    def send(self, cursor, prepared: _Prepared, rows) -> None:
        raise NotImplementedError


class InsertWriter(_Writer):
    """executemany of one INSERT per table, values converted by each field as Django would."""

    def statement(self, db_table, columns):
        return f"INSERT INTO {db_table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"

    def adapter(self, field):
        if not isinstance(field, _CONVERTED_ON_INSERT):
            return None
        return lambda value: field.get_db_prep_value(value, self.connection)

    def send(self, cursor, prepared, rows):
        cursor.executemany(prepared.sql, list(rows))


class CopyWriter(_Writer):
    """PostgreSQL binary COPY FROM STDIN through psycopg 3: one stream per table and chunk.

    Binary, because then the server parses no text: on a large load the server, not Python,
    is the bottleneck (measured: about a quarter faster than text COPY).
    """

    def begin_chunk(self):
        """Skip the per-row foreign-key triggers in this transaction when the role may (as
        `pg_restore --disable-triggers` does): the generator makes every reference by
        construction, and those checks, each locking the referenced row, cost the server about
        as much as the rest of the load. Unique constraints and indexes stay in force. Without
        the privilege (a non-superuser role) the checks simply run."""
        try:
            with transaction.atomic(), self.connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass

    def statement(self, db_table, columns):
        return f"COPY {db_table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"

    def adapter(self, field):
        if isinstance(field, models.JSONField):
            return Jsonb
        return Decimal if isinstance(field, models.DecimalField) else None

    def send(self, cursor, prepared, rows):
        # "varchar(10)" -> "varchar": the name psycopg knows; the modifier does not change the wire format
        types = [re.sub(r"\(.*\)", "", field.db_type(self.connection)) for field in prepared.fields]
        with cursor.copy(prepared.sql) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)


def writer_for(connection):
    return CopyWriter(connection) if connection.vendor == "postgresql" else InsertWriter(connection)
