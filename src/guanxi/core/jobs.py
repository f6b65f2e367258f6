"""Background work acts as a named system actor, audited as such (channel "job").

The system user cannot sign in (no usable password, no token) and is the actor of every change a
job makes, so the audit log says "system, job" rather than leaving the actor empty.
"""

import contextlib

from django.db import IntegrityError, transaction

from guanxi.core.audit import Channel, audit_context
from guanxi.core.models import SYSTEM_USERNAME, User


def system_actor() -> User:
    """The system user, created on first use. It sees every row: jobs work for the whole network."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(username=SYSTEM_USERNAME, first_name="Guanxi", last_name="system", is_superuser=True)
                user.set_unusable_password()
                user.save()
        except IntegrityError:  # another worker made it first
            user = User.objects.get(username=SYSTEM_USERNAME)
    return user


@contextlib.contextmanager
def as_job():
    """Every change made inside is audited as the system actor's, through the job channel."""
    with audit_context(actor=system_actor(), channel=Channel.JOB):
        yield
