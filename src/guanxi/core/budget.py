"""A time budget for the database work of pages and API calls.

A filter no index serves over 3 million customers, a deep page of a long list or a report over
everything would otherwise hold a server worker, and the database, for as long as it takes. With
GUANXI_DB_SECONDS set (`guanxi serve` sets 10 unless told otherwise), PostgreSQL cancels any
statement of the web server's connections that runs longer (statement_timeout), and on SQLite a
progress handler interrupts the request's database work once the request has spent that long.
The request is answered 503 with the reason; a write in progress is rolled back with its
transaction. Jobs in the worker, migrations and commands run without a budget.
"""

import contextvars
import math
import time

from django.conf import settings
from django.db import OperationalError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.utils.translation import gettext as _

from guanxi.core.errors import unavailable

SQLITE_CHECK_EVERY = 10_000  # virtual-machine steps between looks at the clock (no cost measurable)
_sqlite_deadline = contextvars.ContextVar("sqlite_deadline", default=math.inf)


@receiver(connection_created)
def limit_statements(sender, connection, **kwargs):
    """Under a budget (the server's connections), each new connection is limited; without one
    (jobs, commands, tests) nothing is installed at all."""
    seconds = settings.GUANXI_DB_SECONDS
    if not seconds:
        return
    if connection.vendor == "sqlite":
        # the deadline is the request's, set by DatabaseBudgetMiddleware; none outside a request
        connection.connection.set_progress_handler(_sqlite_over_budget, SQLITE_CHECK_EVERY)
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{round(seconds * 1000)}ms"])


def _sqlite_over_budget() -> bool:
    return time.monotonic() > _sqlite_deadline.get()


def is_over_budget(error: BaseException) -> bool:
    """PostgreSQL's cancelled statement (psycopg's QueryCanceled) or SQLite's interrupted one."""
    cause = error.__cause__
    return isinstance(error, OperationalError) and (
        type(cause).__name__ == "QueryCanceled" or str(error) == "interrupted"
    )


class DatabaseBudgetMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.GUANXI_DB_SECONDS
        if not seconds:
            return self.get_response(request)
        token = _sqlite_deadline.set(time.monotonic() + seconds)
        try:
            return self.get_response(request)
        finally:
            _sqlite_deadline.reset(token)

    def process_exception(self, request, exception):
        if is_over_budget(exception):
            return unavailable(request, _("This took longer than the %(seconds)g seconds a page may take. Narrow the "
                                          "filter or search, or export the list (exports run in the background).")
                               % {"seconds": settings.GUANXI_DB_SECONDS})
        return None
