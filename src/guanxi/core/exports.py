"""Exporting a list as CSV or Excel, honouring its filters and the user's scope, audited.

A list of up to GUANXI_EXPORT_MAX_ROWS rows is sent while the user waits; a larger one becomes an
Export written by the worker, with progress, so that no request times out. Either way the rows
come from the same restricted queryset, filters and table columns as the list page (an
ExportSpec registered by the app), are read in keyset chunks (memory stays flat at millions of
rows), and one audit entry records who exported what.
"""

import csv
import io
from collections.abc import Iterator
from types import SimpleNamespace

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from guanxi.core.audit import current_channel
from guanxi.core.models import Export
from guanxi.core.registry import ExportSpec, registry
from guanxi.core.scoping import require

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 2_000


def spec_for(key: str) -> ExportSpec:
    return registry.exports[key]


def export_rows(spec: ExportSpec, user, params: dict):
    """The rows the list page shows with these filters, of the units where the user may export
    (a user who exports at one dealer and only reads nationwide exports that dealer's rows).
    PermissionDenied where the user may export nothing; ValidationError on a bad filter."""
    require(user, spec.model.permission_key, "export")
    rows = spec.refine(spec.model.objects.restrict(user, "export"))
    filterset = spec.filterset_class(params, queryset=rows, request=SimpleNamespace(user=user))
    if not filterset.is_valid():
        raise ValidationError({field: " ".join(errors) for field, errors in filterset.errors.items()})
    return filterset.qs.order_by("-pk")


EXCEL_MAX_ROWS = 1_048_575  # a worksheet's 1,048,576 rows, less the header


def check_size(rows, file_format: str) -> None:
    """Refuses, before any work, a file that could not hold the rows (Excel would drop the rest)."""
    if file_format == "xlsx" and rows.values("pk")[: EXCEL_MAX_ROWS + 1].count() > EXCEL_MAX_ROWS:
        raise ValidationError({"format": _("An Excel sheet holds at most %(rows)s rows: export as CSV, or narrow "
                                           "the filter.") % {"rows": f"{EXCEL_MAX_ROWS:,}"}})


def fits_in_a_request(rows) -> bool:
    limit = settings.GUANXI_EXPORT_MAX_ROWS
    return len(rows.values_list("pk", flat=True)[: limit + 1]) <= limit


def _values(spec: ExportSpec, rows, on_chunk=None) -> Iterator[list]:
    """The header, then every row's plain values, read by keyset in chunks."""
    yield [str(column.header) for column in spec.table_class([]).columns]
    last_pk = None
    while True:
        chunk = rows if last_pk is None else rows.filter(pk__lt=last_pk)
        chunk = list(chunk[:CHUNK])
        if not chunk:
            return
        values = spec.table_class(chunk).as_values()
        next(values)  # the header again
        yield from ([_plain(value) for value in row] for row in values)
        last_pk = chunk[-1].pk
        if on_chunk:
            on_chunk(len(chunk))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value):
    """A cell's value: numbers stay numbers; text loses the control characters Excel refuses and
    is kept from being read as a formula (a customer named "=HYPERLINK(…)")."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write(spec: ExportSpec, rows, file_format: str, out, on_chunk=None) -> None:
    """Writes the export to a binary file object."""
    if file_format == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")  # the BOM lets Excel read Chinese
        csv.writer(text).writerows(_values(spec, rows, on_chunk))
        text.flush()
        text.detach()
        return
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(spec.title or spec.key)[:31])
    for row in _values(spec, rows, on_chunk):
        sheet.append(row)
    book.save(out)


def audit(user, spec: ExportSpec, params: dict, file_format: str, rows: int) -> None:
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(spec.model),
        object_pk="",
        object_repr=f"export of {rows:,} rows ({spec.key}, {file_format})",
        action=LogEntry.Action.ACCESS,
        actor=user,
        # auditlog fills additional_data with the channel; what was exported goes into `changes`
        changes={"format": [None, file_format], "filters": [None, params], "rows": [None, rows]},
        changes_text=f"{rows} rows, {file_format}, filters {params}",
        additional_data={"channel": current_channel() or "job"},
    )


def run(export: Export) -> None:
    """The background export: writes the file, counting progress as it goes."""
    spec = spec_for(export.list_key)
    rows = export_rows(spec, export.user, export.params)
    export.state, export.rows_total = Export.State.RUNNING, rows.count()
    export.save(update_fields=["state", "rows_total"])

    def progress(count):
        export.rows_written += count
        Export.objects.filter(pk=export.pk).update(rows_written=export.rows_written)

    export.file_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(export.file_path, "wb") as out:
        write(spec, rows, export.file_format, out, progress)
    export.state, export.finished_at = Export.State.DONE, timezone.now()
    export.save(update_fields=["state", "finished_at", "rows_written"])
    audit(export.user, spec, export.params, export.file_format, export.rows_written)
