from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.backup import BackupError, database_restore


class Command(BaseCommand):
    help = "Restore a dump written by db_backup into the database, replacing its contents."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .dump file to restore")

    def handle(self, *args, **options):
        try:
            database_restore(path=Path(options["file"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {options['file']}")
