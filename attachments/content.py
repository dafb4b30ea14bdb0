"""What a file is, read from its bytes (never from its name or the browser's word).

``sniff`` names the type from the first bytes and, for an Office document, from the
parts its zip directory lists (read without inflating anything). ``check_file`` then
asks that the name's extension agrees with the content: a PNG called ``.pdf`` and a
program called ``.jpg`` are both refused.
"""

import os
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class FileRejectedError(ValueError):
    """The file cannot be attached; the message says why, for the user."""


@dataclass(frozen=True)
class FileType:
    key: str
    content_type: str
    extensions: tuple[str, ...]
    # not part of the type's identity: a lazy text hashes as its translation, so a type
    # used as a key (attachments.images.PIL_FORMATS) would not be found in another language
    label: object = field(compare=False)
    is_image: bool = False


JPEG = FileType("jpeg", "image/jpeg", (".jpg", ".jpeg"), gettext_lazy("JPEG image"), True)
PNG = FileType("png", "image/png", (".png",), gettext_lazy("PNG image"), True)
WEBP = FileType("webp", "image/webp", (".webp",), gettext_lazy("WebP image"), True)
PDF = FileType("pdf", "application/pdf", (".pdf",), gettext_lazy("PDF document"))
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
    gettext_lazy("Word document"),
)
XLSX = FileType(
    "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
    gettext_lazy("Excel workbook"),
)
PPTX = FileType(
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    (".pptx",),
    gettext_lazy("PowerPoint presentation"),
)
TYPES = (JPEG, PNG, WEBP, PDF, DOCX, XLSX, PPTX)
#: the file input's ``accept``: what a picker offers
ACCEPT = ",".join([t.content_type for t in TYPES] + [ext for t in TYPES for ext in t.extensions])

#: an Office document's main part, by type (beside [Content_Types].xml)
OOXML_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml", PPTX: "ppt/presentation.xml"}
#: parts an Office document may list at most (its directory is read, nothing inflated)
MAX_ZIP_ENTRIES = 5000


def _ooxml(fileobj):
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return None
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for file_type, part in OOXML_PARTS.items():
        if part in names:
            return file_type
    return None


def sniff(fileobj) -> FileType | None:
    """The type of the file's content, or None when it is none of the accepted ones.
    Leaves the file at its start."""
    fileobj.seek(0)
    head = fileobj.read(16)
    fileobj.seek(0)
    found = None
    if head.startswith(b"\xff\xd8\xff"):
        found = JPEG
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = PNG
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = WEBP
    elif head.startswith(b"%PDF-"):
        found = PDF
    elif head.startswith(b"PK\x03\x04"):
        found = _ooxml(fileobj)
        fileobj.seek(0)
    return found


def check_file(*, name: str, fileobj) -> FileType:
    """The file's type when its content is an accepted one and its name agrees."""
    extension = os.path.splitext(name or "")[1].lower()
    found = sniff(fileobj)
    if found is None:
        raise FileRejectedError(
            _(
                "%(name)s is not a file KAM accepts: its content is not a JPEG, PNG or "
                "WebP image, a PDF or a Word, Excel or PowerPoint document."
            )
            % {"name": name}
        )
    if extension not in found.extensions:
        raise FileRejectedError(
            _("%(name)s holds a %(type)s, which its name does not say; rename it and retry.")
            % {"name": name, "type": found.label}
        )
    return found
