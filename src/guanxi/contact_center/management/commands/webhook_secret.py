"""Prints the secret a channel provider signs its webhooks with, for its configuration page."""

from django.core.management.base import BaseCommand

from guanxi.contact_center import webhooks


class Command(BaseCommand):
    help = "Print the secret the PBX (cti), the SMS gateway (sms) or WeChat (wechat) signs its calls with."

    def add_arguments(self, parser):
        parser.add_argument("source", choices=webhooks.SOURCES)

    def handle(self, *args, source, **options):
        self.stdout.write(webhooks.secret_for(source))
