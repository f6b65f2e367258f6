"""The platform's background jobs (huey), run by `guanxi worker`.

The outbox is dispatched as soon as a change commits (emit wakes the worker), when a worker
starts (events left by a worker that was stopped mid-batch) and every minute (events whose
wake-up was lost, consumers to retry).
"""

from datetime import timedelta

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from guanxi.core import exports, outbox
from guanxi.core.jobs import as_job


@db_task()
def dispatch_outbox() -> int:
    with as_job():
        return outbox.dispatch()


@db_periodic_task(crontab(minute="*"))
def dispatch_outbox_every_minute() -> int:
    with as_job():
        return outbox.dispatch()


@on_startup()
def dispatch_what_was_left() -> None:
    dispatch_outbox()


@db_periodic_task(crontab(minute="17"))
def delete_expired_exports() -> int:
    """Export files hold personal data: they are kept GUANXI_EXPORT_KEEP_DAYS, then deleted."""
    from django.conf import settings
    from django.utils import timezone

    from guanxi.core.models import Export

    cutoff = timezone.now() - timedelta(days=settings.GUANXI_EXPORT_KEEP_DAYS)
    expired = list(Export.objects.filter(created_at__lt=cutoff))
    for export in expired:
        export.delete()  # its file with it
    return len(expired)


@db_task()
def run_export(export_id: int) -> None:
    """A list too large for a request, written to a file with progress (core.exports)."""
    from guanxi.core.models import Export

    export = Export.objects.select_related("user").get(pk=export_id)
    try:
        with as_job():
            exports.run(export)
    except Exception as exc:
        Export.objects.filter(pk=export_id).update(state=Export.State.FAILED, error=repr(exc)[:2000])
        raise
