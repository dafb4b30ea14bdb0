"""The web process: Django's WSGI application with the garbage collector tuned for it.

- What start-up loads (the URLconf imports every view) lives as long as the process, so
  it is frozen out of the collector's reach: each full collection walked it all again,
  and every 12th API request took 65 ms more (issue 11). gunicorn.conf.py loads this
  module in the master before forking, so the frozen objects are also shared by the
  workers.
- A request leaves reference cycles behind (a DRF view and its request, a serializer and
  its fields) that hold its whole page of objects. They are freed by a young collection
  once the server has sent the response and let go of it (``_Released.close``), not on
  ``request_finished``: Django sends that signal from ``response.close()``, while the
  server still holds the response, so a collection there promoted each page's objects to
  the oldest generation; and as it also reset the young generation's count, no automatic
  collection, and so no full one, ever ran. A worker grew from 88 MB to 2.5 GB in 4,000
  API requests; now it stays at about 92 MB (README, Performance).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_application = get_wsgi_application()


class _Released:
    """The response as the server iterates it. Closing it closes Django's response (which
    sends ``request_finished``), lets go of it, and only then collects the young
    generations, so the request's cycles are garbage by the time the collector looks."""

    __slots__ = ("_response",)

    def __init__(self, response):
        self._response = response

    def __iter__(self):
        return iter(self._response)

    def close(self):
        response, self._response = self._response, None
        try:
            if response is not None and hasattr(response, "close"):
                response.close()
        finally:
            del response
            gc.collect(1)


def application(environ, start_response):
    response = django_application(environ, start_response)
    file_wrapper = environ.get("wsgi.file_wrapper")
    if file_wrapper is not None and isinstance(response, file_wrapper):
        return response  # a file the server sends itself (sendfile): left as it is
    return _Released(response)


get_resolver().url_patterns  # noqa: B018 - imports the views now, not on the first request
gc.collect()
gc.freeze()
