"""What Guanxi asks of the telephone system, behind one small interface a deployment can replace.

Most decisions go back to the PBX in the answer to its own webhook call (voice.py). Some cannot:
a call that waited in the queue is connected later, when an agent frees up, an agent's
click-to-dial starts a call, and an agent transfers or consults from the desktop. Those go through
the gateway named by GUANXI_TELEPHONY_GATEWAY (a dotted path to a class with `connect`, `dial`,
`hold` and `consult`); the default, `LoggingGateway`, writes each
command to the contact's event log and the server log, which is what the demo and the tests read.
The agents' SMS and WeChat replies go out the same way, through GUANXI_MESSAGING_GATEWAY.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from guanxi.contact_center.models import ContactEvent, Message, QueuedContact

log = logging.getLogger(__name__)


class TelephonyGateway(Protocol):
    def connect(self, contact: QueuedContact, extension: str) -> None:
        """Put the waiting call `contact.external_id` through to `extension`."""

    def dial(self, contact: QueuedContact, extension: str, number: str) -> None:
        """Ring `extension`, then call `number`; the PBX reports the call's events under `contact.external_id`."""

    def hold(self, contact: QueuedContact) -> None:
        """Take the call `contact.external_id` off the agent's extension and keep the caller waiting in the queue
        until `connect` puts it through (an agent transferred it to a queue from the desktop)."""

    def consult(self, contact: QueuedContact, extension: str, to_extension: str) -> None:
        """Hold the caller of `contact.external_id` and ring `to_extension` from `extension` (a consultation: the
        call stays with `extension`, which takes the caller back or joins the three)."""


class LoggingGateway:
    """Commands recorded, not sent: the demo's and the tests' telephone system."""

    def connect(self, contact: QueuedContact, extension: str) -> None:
        self._record(contact, {"command": "connect", "call_id": contact.external_id, "extension": extension})

    def dial(self, contact: QueuedContact, extension: str, number: str) -> None:
        self._record(contact, {"command": "dial", "call_id": contact.external_id, "extension": extension,
                               "number": number})

    def hold(self, contact: QueuedContact) -> None:
        self._record(contact, {"command": "hold", "call_id": contact.external_id})

    def consult(self, contact: QueuedContact, extension: str, to_extension: str) -> None:
        self._record(contact, {"command": "consult", "call_id": contact.external_id, "extension": extension,
                               "to_extension": to_extension})

    @staticmethod
    def _record(contact: QueuedContact, command: dict) -> None:
        ContactEvent.objects.create(contact=contact, kind=ContactEvent.Kind.COMMAND, at=timezone.now(), data=command)
        log.info("telephony command %s", command)


def telephony() -> TelephonyGateway:
    return import_string(settings.GUANXI_TELEPHONY_GATEWAY)()


class MessagingGateway(Protocol):
    """What Guanxi asks of an SMS provider or a WeChat official account: the agents' replies (messaging.py).
    Named by GUANXI_MESSAGING_GATEWAY (a dotted path to a class with `send`), like the telephony gateway."""

    def send(self, message: Message) -> None:
        """Deliver `message.body` to `message.recipient` (a phone number, a WeChat openid) on `message.channel`,
        under our reference `message.external_id`; raise if the provider does not take it (nothing is recorded
        then, and the agent is told why)."""


class LoggingMessagingGateway:
    """Messages recorded, not sent: the demo's and the tests' SMS provider and WeChat account."""

    def send(self, message: Message) -> None:
        command = {"command": "send", "channel": message.channel, "to": message.recipient,
                   "message_id": message.external_id}
        ContactEvent.objects.create(contact=message.contact, kind=ContactEvent.Kind.COMMAND, at=timezone.now(),
                                    data=command)
        log.info("messaging command %s %s", message.channel, message.external_id)  # no number: personal data


def messaging() -> MessagingGateway:
    return import_string(settings.GUANXI_MESSAGING_GATEWAY)()
