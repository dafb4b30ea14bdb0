import time

from django.core.management.base import BaseCommand

from kam.choices import NotificationKind
from reminders.services import reminders_sweep


class Command(BaseCommand):
    help = "Send the reminders that are due now (the beat task's code) and summarise."

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = reminders_sweep()
        seconds = time.perf_counter() - started
        kinds = ", ".join(
            f"{NotificationKind(kind).label}: {count}"
            for kind, count in sorted(result.created.items())
        )
        self.stdout.write(
            f"{result.total} reminders sent ({kinds or 'none due'}); "
            f"{result.breached} complaints marked breached; in {seconds:.2f} s."
        )
