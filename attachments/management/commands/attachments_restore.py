from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from attachments.backup import NotOnDiskError, files_restore


class Command(BaseCommand):
    help = "Put back the attachments' files from an archive of attachments_backup."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            count = files_restore(path=Path(options["file"]))
        except NotOnDiskError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{count} files restored")
