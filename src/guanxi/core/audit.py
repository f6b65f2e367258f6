"""Who changed customer data, and through which channel (ui, api, import, job, cli).

django-auditlog records every change of a registered model; this module adds the channel
to each entry (in `additional_data`) and lets code outside a web request name its actor.
"""

import contextlib

from auditlog.context import auditlog_value, set_extra_data


class Channel:
    UI = "ui"
    API = "api"
    IMPORT = "import"
    JOB = "job"
    CLI = "cli"


@contextlib.contextmanager
def audit_context(actor=None, channel: str = Channel.CLI):
    """Every change made inside is logged with this actor and channel.

    django-auditlog leaves its context variable set after its block ends, so a later change in the
    same thread (the next test, a job after a request) would be attributed to the previous actor:
    the previous value is put back on the way out.
    """
    previous = auditlog_value.get({})
    try:
        with set_extra_data({"actor": actor, "additional_data": {"channel": channel}}):
            yield
    finally:
        auditlog_value.set(previous)


def set_request_actor(user, channel: str | None = None) -> None:
    """Name the actor once authentication happened late (an API token checked inside the view)."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    context["actor"] = user
    if channel:
        context["additional_data"] = {"channel": channel}


def current_channel() -> str:
    """The channel of the change under way, for records that keep their own history (stage changes)."""
    try:
        return (auditlog_value.get().get("additional_data") or {}).get("channel", "")
    except LookupError:
        return ""


def current_actor():
    """The user the change under way is attributed to (None outside a request or job)."""
    try:
        return auditlog_value.get().get("actor")
    except LookupError:
        return None


def channel_of(entry) -> str:
    return (entry.additional_data or {}).get("channel", "")
