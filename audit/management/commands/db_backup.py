from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.backup import BackupError, database_backup


class Command(BaseCommand):
    help = "Write a pg_dump (custom format) of the database to backups/kam-<timestamp>.dump."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="where to write the dump instead")

    def handle(self, *args, **options):
        try:
            path = database_backup(path=Path(options["file"]) if options["file"] else None)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(path))
