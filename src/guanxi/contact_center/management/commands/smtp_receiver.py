"""`guanxi manage smtp_receiver`: the contact center's inbound mail server, until stopped (Ctrl-C or SIGTERM)."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from guanxi.contact_center import mail


class Command(BaseCommand):
    help = ("Receive the contact center's e-mail over SMTP: each mail becomes a message on a contact, threaded or "
            "routed to an agent.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=2525, help="port to listen on (default 2525; 25 needs root "
                                                                   "or a port forward)")

    def handle(self, *args, host, port, **options):
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            server = mail.controller(host, port)
            server.start()
            self.stdout.write(f"Receiving mail on {host}:{port} (at most {settings.GUANXI_MAIL_MAX_BYTES // 2**20} "
                              "MB each); Ctrl-C stops")
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass
            finally:
                server.stop()
        finally:
            signal.signal(signal.SIGTERM, previous)
