"""What Guanxi asks of the telephone system, behind one small interface a deployment can replace.

Most decisions go back to the PBX in the answer to its own webhook call (voice.py). Two cannot:
a call that waited in the queue is connected later, when an agent frees up, and an agent's
click-to-dial starts a call. Those go through the gateway named by GUANXI_TELEPHONY_GATEWAY (a
dotted path to a class with `connect` and `dial`); the default, `LoggingGateway`, writes each
command to the contact's event log and the server log, which is what the demo and the tests read.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from guanxi.contact_center.models import ContactEvent, QueuedContact

log = logging.getLogger(__name__)


class TelephonyGateway(Protocol):
    def connect(self, contact: QueuedContact, extension: str) -> None:
        """Put the waiting call `contact.external_id` through to `extension`."""

    def dial(self, contact: QueuedContact, extension: str, number: str) -> None:
        """Ring `extension`, then call `number`; the PBX reports the call's events under `contact.external_id`."""


class LoggingGateway:
    """Commands recorded, not sent: the demo's and the tests' telephone system."""

    def connect(self, contact: QueuedContact, extension: str) -> None:
        self._record(contact, {"command": "connect", "call_id": contact.external_id, "extension": extension})

    def dial(self, contact: QueuedContact, extension: str, number: str) -> None:
        self._record(contact, {"command": "dial", "call_id": contact.external_id, "extension": extension,
                               "number": number})

    @staticmethod
    def _record(contact: QueuedContact, command: dict) -> None:
        ContactEvent.objects.create(contact=contact, kind=ContactEvent.Kind.COMMAND, at=timezone.now(), data=command)
        log.info("telephony command %s", command)


def telephony() -> TelephonyGateway:
    return import_string(settings.GUANXI_TELEPHONY_GATEWAY)()
