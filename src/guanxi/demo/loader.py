"""Loading the demo data set: chunk by chunk, each chunk generated, written and committed.

Memory stays flat whatever the size (one chunk of rows at a time), a failure loses at most
the chunk in progress, and the database sequences are moved past the ids the generator
chose after every chunk, so the application's own inserts never collide with them.
Loading into a database that already holds customers appends: ids, and with them phone
numbers and VINs (identifiers.py), continue after the highest existing ones. Run it while
nobody else writes customers: the ids are read once, at the start.
"""

import datetime as dt
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from guanxi.core.audit import Channel
from guanxi.customers.models import Customer, Vehicle
from guanxi.customers.relationships import derive_from_records
from guanxi.demo.generator import DemoGenerator, GeneratorSettings
from guanxi.demo.orgtree import build_org_tree, snapshot_network
from guanxi.demo.tables import CUSTOMERS, TABLES
from guanxi.demo.writers import writer_for

CHUNK_CUSTOMERS = 5_000


@dataclass
class LoadReport:
    customers: int
    seed: int
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        counts = ", ".join(f"{key} {count:,}" for key, count in self.rows.items())
        return (f"loaded {self.total_rows:,} rows in {self.seconds:.1f} s ({self.rows_per_second:,.0f} rows/s): "
                f"{counts}")


def _models():
    return [apps.get_model(table.model_label) for table in TABLES]


def _next_ids() -> dict[str, int]:
    return {
        table.key: (model.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        for table, model in zip(TABLES, _models())
    }


def _move_sequences_past_loaded_ids() -> None:
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), _models()):
            cursor.execute(sql)


def _generated_ahead(generator: DemoGenerator, sizes: list[int]) -> Iterator[dict[str, list[tuple]]]:
    """Chunks in order, the next one generated in a thread while the current one is written.

    Writing is largely waiting for the database (the COPY or INSERT, the commit), during
    which the thread's pure-Python generation runs; at most two chunks are in memory.
    """
    if not sizes:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-generator") as pool:
        upcoming = pool.submit(generator.chunk, sizes[0])
        for following in sizes[1:]:
            rows = upcoming.result()
            upcoming = pool.submit(generator.chunk, following)
            yield rows
        yield upcoming.result()


def load(customers: int, seed: int = 42, *, chunk_size: int = CHUNK_CUSTOMERS, progress: bool = True,
         as_of: dt.date | None = None) -> LoadReport:
    """Append `customers` demo customers with their contacts, consents, vehicles and timeline."""
    started = time.perf_counter()
    build_org_tree()
    settings = GeneratorSettings(
        seed=seed, network=snapshot_network(), vehicle_type_id=ContentType.objects.get_for_model(Vehicle).pk,
        as_of=as_of or timezone.now().date(), pii_key=django_settings.GUANXI_PII_KEY,
    )
    generator = DemoGenerator(settings, _next_ids())
    writer = writer_for(connection)
    report = LoadReport(customers, seed, rows={table.key: 0 for table in TABLES})
    sizes = [min(chunk_size, customers - done) for done in range(0, customers, chunk_size)]
    with tqdm(total=customers, unit=" customers", disable=not progress, smoothing=0.1) as bar:
        for count, rows in zip(sizes, _generated_ahead(generator, sizes)):
            with transaction.atomic():
                writer.begin_chunk()
                for table in TABLES:
                    writer.write(table, rows[table.key])
                    report.rows[table.key] += len(rows[table.key])
                customer_ids = [row[0] for row in rows[CUSTOMERS.key]]
                derive_from_records(min(customer_ids), max(customer_ids))
                _move_sequences_past_loaded_ids()
            bar.update(count)
    report.seconds = time.perf_counter() - started
    _record_in_audit_log(report)
    return report


def load_up_to(total: int, seed: int = 42, *, progress: bool = True) -> LoadReport | None:
    """Tops the database up to `total` customers (None when it holds as many already): a load
    that was interrupted, run again with the same number, ends with the number asked for. Each
    chunk commits on its own, so an interruption loses at most the chunk being written."""
    missing = total - Customer.objects.count()
    return load(missing, seed, progress=progress) if missing > 0 else None


def _record_in_audit_log(report: LoadReport) -> None:
    """One entry for the whole load: the rows bypass the per-change audit on purpose (writers.py)."""
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        object_pk="",
        object_repr=f"demo data set: {report.customers:,} customers (seed {report.seed})",
        action=LogEntry.Action.CREATE,
        changes_text=report.summary(),
        additional_data={"channel": Channel.IMPORT, "seed": report.seed, "rows": report.rows},
    )
