"""Photos before they are stored: turned upright, resized, their metadata removed.

A phone's photo carries its EXIF block: the camera, the time and, above all, the GPS
position. Unless the user asks to keep the location (for a check-in), the stored copy
is re-encoded from its pixels only, so nothing of that block survives. A small
thumbnail is made at the same time for the lists.
"""

import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from attachments.content import JPEG, PNG, WEBP, FileRejectedError, FileType

#: pixels an image may have before it is decoded (a "decompression bomb" is refused)
MAX_PIXELS = 60_000_000
THUMBNAIL_SIDE = 320
ORIENTATION_TAG = 0x0112
PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}


@dataclass
class ProcessedImage:
    data: bytes
    width: int
    height: int
    thumbnail: bytes


def _encode(image, file_type: FileType, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    options = {}
    if file_type is JPEG:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        options = {"quality": 85, "optimize": True}
    elif file_type is WEBP:
        options = {"quality": 85}
    elif file_type is PNG:
        options = {"optimize": True}
    if exif:
        options["exif"] = exif
    image.save(out, PIL_FORMATS[file_type], **options)
    return out.getvalue()


def process_image(*, fileobj, file_type: FileType, name: str, keep_location: bool):
    """The image to store (upright, at most ATTACHMENT_IMAGE_MAX_SIDE, without EXIF
    unless ``keep_location``) and its JPEG/PNG thumbnail."""
    fileobj.seek(0)
    try:
        with Image.open(fileobj) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise FileRejectedError(
                    _("%(name)s is too large an image (%(w)s × %(h)s pixels).")
                    % {"name": name, "w": width, "h": height}
                )
        fileobj.seek(0)
        image = Image.open(fileobj)
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise FileRejectedError(
            _("%(name)s could not be read as an image.") % {"name": name}
        ) from exc
    exif = None
    if keep_location:
        kept = image.getexif()
        kept.pop(ORIENTATION_TAG, None)  # the pixels are turned upright below
        exif = kept.tobytes() if len(kept) else None
    upright = ImageOps.exif_transpose(image)
    # a fresh image from the pixels alone: no EXIF, XMP, ICC comments or text chunks
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    if upright.mode == "P" and upright.getpalette():
        clean.putpalette(upright.getpalette())
    side = settings.ATTACHMENT_IMAGE_MAX_SIDE
    clean.thumbnail((side, side), Image.Resampling.LANCZOS)
    data = _encode(clean, file_type, exif)
    thumb = clean.copy()
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    thumb_type = PNG if thumb.mode in ("RGBA", "LA", "P") else JPEG
    return ProcessedImage(
        data=data,
        width=clean.width,
        height=clean.height,
        thumbnail=_encode(thumb, thumb_type),
    )
