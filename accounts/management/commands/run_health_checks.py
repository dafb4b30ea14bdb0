import time

from django.core.management.base import BaseCommand
from django.db.models import Count

from accounts.health.models import HealthSnapshot, HealthStatus
from accounts.health.services import health_check_run


class Command(BaseCommand):
    help = "Check every active account's health now (the nightly task's code) and summarise."

    def handle(self, *args, **options):
        started = time.perf_counter()
        run = health_check_run()
        seconds = time.perf_counter() - started
        today = HealthSnapshot.objects.order_by("-taken_on").values_list("taken_on", flat=True)
        counts = dict(
            HealthSnapshot.objects.filter(taken_on=today[:1])
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        statuses = ", ".join(f"{status}: {counts.get(status, 0)}" for status in HealthStatus.values)
        self.stdout.write(
            f"{run.checked} accounts checked ({statuses}), {len(run.alerts)} alerts, "
            f"in {seconds:.2f} s."
        )
