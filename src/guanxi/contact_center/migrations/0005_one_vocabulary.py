"""One vocabulary of contact channels (voice, email, chat, sms, wechat) and one agent per user: the rows
are brought in line before 0006 constrains them.

Channels: the names earlier code or imports may have used for the same channel ("phone", "webchat",
"weixin" …) become the vocabulary's, in the queue and in the agents' capacity. A capacity on a
channel outside the vocabulary is dropped (no contact could ever come through it); a contact still
waiting on such a channel could never be claimed, so it goes to voicemail with the reason, as the
policy's fallback would have done; handled and finished contacts keep what they said.

Agents: a user on the roster more than once keeps the first agent row (lowest id); the contacts the
other rows were offered or were handling move to it (the same person holds them).
"""

from django.db import migrations

CHANNELS = ("voice", "email", "chat", "sms", "wechat")
ALIASES = {
    "phone": "voice", "call": "voice", "telephone": "voice", "tel": "voice", "voip": "voice", "cti": "voice",
    "e-mail": "email", "mailbox": "email",
    "webchat": "chat", "web_chat": "chat", "web-chat": "chat", "livechat": "chat", "live_chat": "chat", "im": "chat",
    "text": "sms", "message": "sms",
    "weixin": "wechat", "wx": "wechat", "we_chat": "wechat",
}


def _vocabulary(channel):
    name = str(channel).strip().lower()
    name = ALIASES.get(name, name)
    return name if name in CHANNELS else None


def one_vocabulary(apps, schema_editor):
    QueuedContact = apps.get_model("contact_center", "QueuedContact")
    Agent = apps.get_model("contact_center", "Agent")
    for channel in QueuedContact.objects.exclude(channel__in=CHANNELS).values_list("channel", flat=True).distinct():
        rows = QueuedContact.objects.filter(channel=channel)
        known = _vocabulary(channel)
        if known is not None:
            rows.update(channel=known)
        else:
            rows.filter(state="waiting").update(
                state="voicemail", fallback="voicemail",
                unroutable_reason=f"channel {channel!r} is not a contact channel ({', '.join(CHANNELS)})",
            )
    for agent in Agent.objects.all():
        capacity = {}
        for channel, slots in (agent.capacity or {}).items():
            known = _vocabulary(channel)
            if known is not None:
                capacity[known] = max(capacity.get(known, 0), slots)
        if capacity != agent.capacity:
            agent.capacity = capacity
            agent.save(update_fields=["capacity"])


def one_agent_per_user(apps, schema_editor):
    QueuedContact = apps.get_model("contact_center", "QueuedContact")
    Agent = apps.get_model("contact_center", "Agent")
    kept: dict[int, int] = {}
    for agent_id, user_id in Agent.objects.order_by("user_id", "pk").values_list("pk", "user_id"):
        if user_id not in kept:
            kept[user_id] = agent_id
            continue
        QueuedContact.objects.filter(offered_to_id=agent_id).update(offered_to_id=kept[user_id])
        Agent.objects.filter(pk=agent_id).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('contact_center', '0004_queue_permission'),
    ]

    operations = [
        migrations.RunPython(one_vocabulary, migrations.RunPython.noop),
        migrations.RunPython(one_agent_per_user, migrations.RunPython.noop),
    ]
