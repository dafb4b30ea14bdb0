from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from attachments.backup import NotOnDiskError, files_sweep


class Command(BaseCommand):
    help = (
        "Delete stored attachment files that no attachment names (a purged account's, "
        "an upload rolled back), older than an hour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list them only")

    def handle(self, *args, **options):
        try:
            names = files_sweep(older_than=timedelta(hours=1), dry_run=options["dry_run"])
        except NotOnDiskError as error:
            raise CommandError(str(error)) from error
        for name in names:
            self.stdout.write(name)
        self.stdout.write(f"{len(names)} files {'to delete' if options['dry_run'] else 'deleted'}")
