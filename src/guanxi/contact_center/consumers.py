"""What the contact center does when other apps' events arrive (registered in apps.py)."""

from django.db.models import Q

from guanxi.contact_center.models import ContactEvent, IvrSession, Message, QueuedContact

# what the gateways' commands in the event log say of where a call or message went
ADDRESSES = ("to", "number")


def forget_erased(event) -> None:
    """An erased customer's numbers, addresses and texts leave the contact center too: the messages' senders,
    subjects and texts, the parties of their contacts, the numbers in the commands sent for them and the callers
    of their voice-menu calls. What stays is that the contacts happened, when and on which channel, for the
    figures."""
    # theirs, and the web chats of visitors who said they were them (the details typed were theirs)
    contacts = QueuedContact.objects.filter(pk__in=list(QueuedContact.objects.filter(
        Q(customer_id=event.object_id) | Q(claimed_customer_id=event.object_id)).values_list("pk", flat=True)))
    Message.objects.filter(contact__in=contacts).update(sender="", recipient="", subject="", body="")
    IvrSession.objects.filter(customer_id=event.object_id).update(caller="")
    contacts.update(party="", claimed_customer=None)
    commands = ContactEvent.objects.filter(contact__in=contacts, kind=ContactEvent.Kind.COMMAND)
    for command in commands.only("pk", "data"):
        command.data = {key: value for key, value in command.data.items() if key not in ADDRESSES}
        command.save(update_fields=["data"])
