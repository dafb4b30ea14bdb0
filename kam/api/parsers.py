"""The API's JSON parser: DRF's, with two limits that keep bad input a 4xx:

- a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) answers 413, as Django
  does for forms (DRF's parser reads the stream past Django's check);
- a document nested too deeply for Python's parser (``[[[[…`` a hundred thousand
  times) is a 400 like any other malformed body, not a ``RecursionError`` and a 500.
"""

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class BodyTooLargeError(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "body_too_large"


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise BodyTooLargeError
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding), parse_constant=self._refuse_constant)
        except RecursionError as error:
            raise ParseError(_("JSON parse error - nested too deeply.")) from error
        except ValueError as error:
            raise ParseError(_("JSON parse error - %s") % str(error)) from error

    @staticmethod
    def _refuse_constant(name):
        raise ValueError(f"{name} is not valid JSON")
