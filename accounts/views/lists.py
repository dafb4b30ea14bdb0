"""What the long lists share (a team's visits run to tens of thousands).

The paginator counts no further than a few pages past the page asked for, so the count costs
what those pages cost, not the whole history: "1–50 of 550+", as CRMs show a long
list. The page's ids are read first and then its rows with what they show; sorting the
full rows of every match is what made the list slow.

A list ordered newest first can also name its date field as ``recent``: the ids are then
read first among the rows of the last few days (``RECENT_WINDOWS``), an index range that
costs what those days hold. The rows newer than a cut-off are exactly the head of a
newest-first order, so when that head holds the whole page the page is the same as the
one read over the full history; when it does not (a deep page, a quiet list) the next,
wider window is tried and the last read has no window at all.
"""

from datetime import timedelta
from functools import cached_property
from html import escape

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.safestring import mark_safe

#: pages counted past the one asked for
LOOKAHEAD_PAGES = 10
#: how far back the ids of a page are read first (the last read has no limit)
RECENT_WINDOWS = (timedelta(days=30), timedelta(days=365))


class LookaheadPaginator(Paginator):
    def __init__(self, object_list, per_page, *, number=None, rows=None, recent=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        # ``number`` None counts everything (for ``?page=last``).
        self.limit = None if number is None else (number + LOOKAHEAD_PAGES) * self.per_page
        self.rows = rows  # ids -> the rows to show, in any order
        # Only a newest-first order has the recent rows at its head (a list sorted by
        # another column reads its pages over the full history).
        ordering = list(getattr(getattr(object_list, "query", None), "order_by", None) or ())
        self.recent = recent if ordering[:1] == [f"-{recent}"] else None

    @cached_property
    def count(self):
        if self.limit is None:
            return super().count
        return self.object_list.order_by()[: self.limit + 1].count()

    @property
    def count_is_capped(self):
        return self.limit is not None and self.count > self.limit

    @property
    def display_count(self):
        return f"{self.limit}+" if self.count_is_capped else self.count

    @property
    def display_num_pages(self):
        return f"{self.limit // self.per_page}+" if self.count_is_capped else self.num_pages

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.rows is None:
            return self._get_page(self.object_list[bottom:top], number, self)
        ids = self._page_ids(bottom, top)
        by_id = {row.pk: row for row in self.rows(ids)}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)

    def _page_ids(self, bottom, top):
        # ``top`` is never past the count, so a read that returns top - bottom ids
        # returned the whole page.
        ids = self.object_list.values_list("pk", flat=True)
        if self.recent is not None:
            now = timezone.now()
            for window in RECENT_WINDOWS:
                head = list(ids.filter(**{f"{self.recent}__gte": now - window})[bottom:top])
                if len(head) == top - bottom:
                    return head
        return list(ids[bottom:top])


def requested_page(request, page_kwarg="page"):
    """The page number asked for, 1 when unreadable, None for "last"."""
    value = request.GET.get(page_kwarg) or 1
    if value == "last":
        return None
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


class SelectOptions:
    """The ``<option>``s of a long select (a supervisor sees a thousand accounts), built
    in one pass when the template shows them rather than by a template loop: one
    ``escape`` per name and a join, a tenth of the cost of ``format_html`` per option."""

    def __init__(self, choices, *, selected=None):
        self.choices = choices
        self.selected = selected

    def __html__(self):
        selected = self.selected
        return mark_safe(  # noqa: S308 - every name is escaped, ids are integers
            "\n".join(
                f'<option value="{int(pk)}"{" selected" if str(pk) == selected else ""}>'
                f"{escape(str(name))}</option>"
                for pk, name in self.choices
            )
        )

    __str__ = __html__
