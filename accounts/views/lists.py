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

import bisect
from datetime import timedelta
from functools import cached_property
from html import escape

from django.core.paginator import Paginator
from django.db.models import Case, Value, When
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


#: an account filter's select lists at most this many accounts; the search finds any
ACCOUNT_OPTIONS_LIMIT = 300


def _by_name(row):
    return row[1], row[0]


class AccountOptions:
    """The ``<option>``s of a list's account filter: the visible active accounts by name,
    at most ``ACCOUNT_OPTIONS_LIMIT`` of them, the selected one always among them. One
    query, run only when the filter bar is shown. An executive sees 20,000 accounts:
    listing them all made the visit list's page 1.1 MB; ``truncated`` says some were
    left out, so the page can point to the search, which matches account names. Built in
    one pass, not by a template loop: one ``escape`` per name and a join, a tenth of the
    cost of ``format_html`` per option."""

    limit = ACCOUNT_OPTIONS_LIMIT

    def __init__(self, accounts, *, selected=None):
        if not (selected and selected.isascii() and selected.isdigit() and len(selected) < 19):
            selected = None  # no account id (a bigint): nothing is chosen
        self.accounts = accounts
        self.selected = selected

    @cached_property
    def _rows(self):
        accounts = self.accounts
        if self.selected is not None:  # read first, so it is never cut off
            accounts = accounts.annotate(
                chosen=Case(When(pk=int(self.selected), then=Value(0)), default=Value(1))
            ).order_by("chosen", "name", "pk")
        else:
            accounts = accounts.order_by("name", "pk")
        rows = list(accounts.values_list("pk", "name")[: self.limit + 1])
        truncated = len(rows) > self.limit
        rows = rows[: self.limit]
        if self.selected is not None and rows and rows[0][0] == int(self.selected):
            chosen = rows.pop(0)
            bisect.insort(rows, chosen, key=_by_name)  # back in its place by name
        return rows, truncated

    def __html__(self):
        selected = self.selected
        return mark_safe(  # noqa: S308 - every name is escaped, ids are integers
            "\n".join(
                f'<option value="{int(pk)}"{" selected" if str(pk) == selected else ""}>'
                f"{escape(str(name))}</option>"
                for pk, name in self._rows[0]
            )
        )

    __str__ = __html__

    @property
    def truncated(self) -> bool:
        return self._rows[1]
