"""The monitoring worker, like healthchecks' `sendalerts`: escalates unacknowledged
medium/high alerts and raises overdue-measurement alerts, in a loop.

Safe to run as several copies at once: each alert is claimed with a conditional update,
and overdue checks lock the episode row. `make run` starts one next to the web server.

    hemma monitor            # loop every HEMMA_WORKER_INTERVAL_SECONDS
    hemma monitor --once     # one pass (cron, tests)
"""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from hemma.monitoring.services import alerts_escalate, overdue_check


class Command(BaseCommand):
    help = "Escalate unacknowledged alerts and flag overdue measurements (loop)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--interval", type=int, default=None, help="Seconds between passes.")

    def handle(self, *args, once=False, interval=None, **options):
        interval = interval or settings.HEMMA_WORKER_INTERVAL_SECONDS
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        while True:
            escalated, overdue = alerts_escalate(), overdue_check()
            if escalated or overdue or once:
                self.stdout.write(f"escalated {escalated}, overdue {overdue}")
            if once or self.stopping:
                return
            # A long-running loop drops connections that went stale while it slept.
            close_old_connections()
            for _second in range(interval):
                if self.stopping:
                    return
                time.sleep(1)

    def _stop(self, *args):
        self.stopping = True
