from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from attachments.backup import NotOnDiskError, files_backup


class Command(BaseCommand):
    help = "Write the attachments' files to backups/kam-<timestamp>-attachments.tar.gz."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="where to write the archive instead")

    def handle(self, *args, **options):
        try:
            path = files_backup(path=Path(options["file"]) if options["file"] else None)
        except NotOnDiskError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(path))
