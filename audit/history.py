"""Reads of the history: each tracked object's events as a readable list (who, when,
which fields from what to what), in the reader's language. A fixed number of queries
whatever the length of the history: the events with their context, the users, and one
query per kind of related record named in the changes."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from attachments.models import TARGETS as ATTACHMENT_TARGETS
from attachments.models import AttachmentEvent
from audit import models as events

#: url kind -> (tracked model, event model, label)
TRACKED = {
    "account": events.AccountEvent,
    "contact": events.ContactEvent,
    "visit": events.VisitEvent,
    "plan": events.AccountPlanEvent,
    "plan-target": events.PlanTargetEvent,
    "opportunity": events.OpportunityEvent,
    "contract": events.ContractEvent,
    "complaint": events.ComplaintEvent,
    "risk": events.RiskEventEvent,
    "scoring-model": events.ScoringModelEvent,
}

KIND_BY_MODEL = {event.pgh_tracked_model: kind for kind, event in TRACKED.items()}

#: kinds with a history page of their own, by id (plan targets show on their plan's page,
#: the scoring model on its own page without an id)
PAGES = [kind for kind in TRACKED if kind not in ("plan-target", "scoring-model")]

#: kinds whose page also lists the history of their parts: {kind: [(event model, fk)]}
PARTS = {"plan": [(events.PlanTargetEvent, "plan_id")]}
# files attached to a record are in its history (an account's page: those of its records too)
for _kind in ATTACHMENT_TARGETS:
    PARTS.setdefault(_kind, []).append((AttachmentEvent, f"{_kind}_id"))
#: parts named by a column of theirs rather than by their id
PART_NAMES = {AttachmentEvent: "name"}

VERBS = {
    "insert": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
}

MAX_EVENTS = 500
EMPTY = "—"


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    at: object
    who: str
    verb: str
    label: str
    subject: str = ""
    changes: list = field(default_factory=list)


def history_kind(obj) -> str | None:
    """The history page's kind for an object, or None when it is not tracked."""
    return KIND_BY_MODEL.get(type(obj))


def history_url(obj) -> str:
    """The URL of the history page of ``obj`` ("" when it has none); no query."""
    kind = history_kind(obj)
    if kind == "scoring-model":
        return reverse("audit:scoring-model-history")
    if kind in PAGES and obj.pk:
        return reverse(f"audit:{kind}-history", args=[obj.pk])
    return ""


def _tracked_fields(event_model):
    tracked = {f.name for f in event_model.pgh_tracked_model._meta.concrete_fields}
    return [
        f
        for f in event_model._meta.concrete_fields
        if f.name in tracked and not f.primary_key and f.name != "id"
    ]


def _raw(event, f):
    return getattr(event, f.attname)


def _display(f, value, related):
    if value is None or value == "" or value == []:
        return EMPTY
    if f.is_relation:
        return related.get((f.related_model, value), f"#{value}")
    if f.flatchoices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(f, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(f, models.DateField):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or EMPTY
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or EMPTY
    return str(formats.localize(value, use_l10n=True))


def _related_names(user, wanted):
    """{(model, pk): str} for the related records the changes name; one query per model,
    restricted by the visibility rule where the model has one."""
    names = {}
    for model, ids in wanted.items():
        queryset = model._default_manager.all()
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(user)
        for obj in queryset.filter(pk__in=ids):
            names[(model, obj.pk)] = str(obj)
    return names


def _collect(event_model, lookup, subject, diffs, wanted, user_ids):
    """One query: the newest MAX_EVENTS events of one source, diffed row by row against
    the previous event of the same object."""
    rows = list(
        event_model.objects.filter(**lookup)
        .select_related("pgh_context")
        .order_by("-pgh_id")[:MAX_EVENTS]
    )
    rows.reverse()
    fields = _tracked_fields(event_model)
    previous_by_obj = {}
    for event in rows:
        previous = previous_by_obj.get(event.pgh_obj_id)
        if event.pgh_label == "update" and previous is not None:
            pairs = [
                (f, _raw(previous, f), _raw(event, f))
                for f in fields
                if _raw(event, f) != _raw(previous, f)
            ]
        else:
            pairs = []
        for f, old, new in pairs:
            if f.is_relation:
                for value in (old, new):
                    if value is not None:
                        wanted[f.related_model].add(value)
        context = event.pgh_context.metadata if event.pgh_context_id else {}
        if context.get("user"):
            user_ids.add(context["user"])
        name_field = PART_NAMES.get(event_model)
        suffix = getattr(event, name_field) if name_field else f"#{event.pgh_obj_id}"
        label = f"{subject} {suffix}" if subject else ""
        diffs.append((event, pairs, context, label))
        previous_by_obj[event.pgh_obj_id] = event


def object_history(*, user, obj) -> list[Entry]:
    """Newest first. ``obj`` must already be visible to ``user`` (the view checks)."""
    kind = history_kind(obj)
    sources = [(TRACKED[kind], {"pgh_obj_id": obj.pk}, "")]
    for part_model, fk in PARTS.get(kind, []):
        part_name = str(part_model.pgh_tracked_model._meta.verbose_name)
        sources.append((part_model, {fk: obj.pk}, part_name))
    return history_entries(user=user, sources=sources)


def history_entries(*, user, sources) -> list[Entry]:
    """Newest first: the events of ``sources`` [(event model, lookup, subject)] as
    entries; a page that keeps the history of a whole configuration table (every row:
    lookup {}, each named by ``subject`` and its id) reads it here too."""
    diffs, wanted, user_ids = [], defaultdict(set), set()
    for event_model, lookup, subject in sources:
        _collect(event_model, lookup, subject, diffs, wanted, user_ids)
    diffs.sort(key=lambda item: (item[0].pgh_created_at, item[0].pgh_id))

    users = {u.pk: u.display_name for u in get_user_model().objects.filter(pk__in=user_ids)}
    related = _related_names(user, wanted)
    entries = []
    for event, pairs, context, subject in reversed(diffs):
        if context.get("user"):
            who = users.get(context["user"], f"#{context['user']}")
        elif context.get("task"):
            who = str(_("System task"))
        else:
            who = str(_("System"))
        if event.pgh_label == "update" and not pairs:
            continue  # only untracked columns changed
        entries.append(
            Entry(
                at=event.pgh_created_at,
                who=who,
                verb=event.pgh_label,
                label=str(VERBS.get(event.pgh_label, event.pgh_label)),
                subject=subject,
                changes=[
                    Change(
                        label=str(f.verbose_name),
                        old=_display(f, old, related),
                        new=_display(f, new, related),
                    )
                    for f, old, new in pairs
                ],
            )
        )
    return entries
