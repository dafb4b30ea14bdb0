import time

from django.core.management.base import BaseCommand
from django.db.models import Count

from accounts.tiering.models import Tier, TierScore
from accounts.tiering.services import accounts_score


class Command(BaseCommand):
    help = "Score every active account now and print a summary of the run."

    def handle(self, *args, **options):
        started = time.perf_counter()
        run = accounts_score()
        seconds = time.perf_counter() - started
        counts = dict(TierScore.objects.filter(run=run).values_list("tier").annotate(n=Count("id")))
        tiers = ", ".join(f"{tier}: {counts.get(tier, 0)}" for tier in Tier.values)
        self.stdout.write(
            f"Run {run.pk}: {run.account_count} accounts scored ({tiers}) in {seconds:.2f} s."
        )
