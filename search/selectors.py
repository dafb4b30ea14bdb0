"""The navbar search: what a user may see that matches a query, grouped by kind.

Each kind is found by its model's own ``search`` (kam.textsearch), the same one that
its list's ``q`` and the API's ``search`` use, inside ``visible_to(user)``: nobody finds
what they may not see. One query per kind, whatever the query and the user: a kind's
first rows (one more than shown, to tell whether there are more) with the few columns
the dropdown shows.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Contact
from accounts.service.models import Complaint
from kam.textsearch import relevance, search_terms
from opportunities.models import Contract, Opportunity

#: the shortest query the search answers: one Chinese character, or two letters or digits
MIN_LENGTH_ASCII = 2


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    icon: str
    list_url: str  # the kind's list page, whose q is the same search
    model: type
    ordering: str  # after relevance: the field the rows come by ("-" for newest first)
    columns: tuple  # the fields read for the row
    related: tuple = ()  # (foreign key, field) pairs read through a join
    archived_path: str = "archived_at"  # live rows only, as the lists show them

    def rows(self, user, q, limit):
        queryset = (
            self.model.objects.visible_to(user)
            .filter(**{f"{self.archived_path}__isnull": True})
            .search(q)
        )
        if self.related:
            queryset = queryset.select_related(*{fk for fk, _ in self.related})
        names = ["pk", *self.columns, *(f"{fk}__{name}" for fk, name in self.related)]
        return list(queryset.order_by(relevance(q), self.ordering, "pk").only(*names)[: limit + 1])


KINDS = (
    Kind("accounts", _("Key accounts"), "bi-buildings", "accounts:list", Account,
         "name", ("name", "legal_name", "credit_code")),
    Kind("contacts", _("Contacts"), "bi-person-vcard", "accounts:contact-list", Contact,
         "name", ("name", "title", "phone", "email"), (("account", "name"),)),
    Kind("opportunities", _("Opportunities"), "bi-kanban", "opportunities:list", Opportunity,
         "name", ("name",), (("account", "name"),)),
    Kind("contracts", _("Contracts"), "bi-file-earmark-text", "opportunities:contract-list",
         Contract, "number", ("number", "title"), (("account", "name"),)),
    Kind("complaints", _("Complaints"), "bi-megaphone", "accounts:complaint-list", Complaint,
         "-received_at", ("description", "received_at"), (("account", "name"),),
         archived_path="account__archived_at"),
)  # fmt: skip


@dataclass
class Group:
    kind: Kind
    rows: list
    more: bool  # more rows match than are shown
    list_url: str  # the kind's list, searching for the same query


def searchable(q) -> bool:
    """Whether a query is long enough to search: a Chinese character, or two characters."""
    text = "".join(search_terms(q))
    return bool(text) and (len(text) >= MIN_LENGTH_ASCII or not text.isascii())


def search_everything(user, q, *, limit=5, kinds=KINDS) -> list[Group]:
    """The groups that have matches, in a fixed order, each with at most ``limit`` rows."""
    if not searchable(q):
        return []
    groups = []
    for kind in kinds:
        rows = kind.rows(user, q, limit)
        if rows:
            url = f"{reverse(kind.list_url)}?{urlencode({'q': q})}"
            groups.append(Group(kind, rows[:limit], len(rows) > limit, url))
    return groups
