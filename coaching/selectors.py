"""Reads of coaching: whose coaching a reader sees, a KAM's page (the trend per
competence over the last quarters, the latest tags, the sessions) in a fixed number of
queries, the tags of a reviewed record, and the follow-up reminders' SQL."""

from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncQuarter
from django.urls import reverse
from django.utils import timezone

from coaching.choices import TagKind
from coaching.models import CoachingSession, CoachingTag, Competence
from kam.capabilities import may
from kam.models import TeamMembership, User
from kam.scoping import leads_user, led_member_ids

#: the trend covers this many quarters, the current one included
TREND_QUARTERS = 4
LATEST_TAGS = 20


def coaching_kams(user):
    """The people whose coaching ``user`` reads, within what ``kam.scoping`` lets them
    see: themselves (a team member); the members of the teams they lead (a supervisor);
    every team member ("coaching.all": executives and admins). A lazy queryset."""
    people = User.objects.visible_to(user)
    members = TeamMembership.objects.values("user_id")
    if may(user, "coaching.all"):
        return people.filter(pk__in=members)
    return people.filter(Q(pk__in=led_member_ids(user)) | Q(pk=user.pk, pk__in=members))


def recorded_kams(user):
    """The people ``user`` tags and records coaching for: with "coaching.record", the
    members of the teams they lead (every team with "teams.all"). A lazy queryset."""
    if not may(user, "coaching.record"):
        return User.objects.none()
    members = TeamMembership.objects.values("user_id")
    led = members if may(user, "teams.all") else led_member_ids(user)
    return User.objects.filter(pk__in=led)


def may_record_for(user, kam_id) -> bool:
    """Whether ``user`` tags and records coaching for the KAM ``kam_id``: the capability
    "coaching.record" and leading them (kam.scoping). One query at most."""
    return may(user, "coaching.record") and leads_user(user, kam_id)


def competence_choices():
    """The active competences, in their order (each shows in the reader's language)."""
    return Competence.objects.active().order_by("order", "pk")


# --- quarters ------------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def last_quarters(today: date, count: int = TREND_QUARTERS) -> list[date]:
    """The first days of the last ``count`` quarters, oldest first, ending with today's."""
    start = quarter_start(today)
    quarters = []
    for back in range(count - 1, -1, -1):
        months = start.year * 12 + start.month - 1 - 3 * back
        quarters.append(date(months // 12, months % 12 + 1, 1))
    return quarters


def quarter_label(start: date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


# --- a KAM's page --------------------------------------------------------------------------


@dataclass
class TrendRow:
    competence: Competence
    #: [(strengths, gaps)] per quarter, oldest first
    cells: list = field(default_factory=list)

    @property
    def strengths(self) -> int:
        return sum(strengths for strengths, _gaps in self.cells)

    @property
    def gaps(self) -> int:
        return sum(gaps for _strengths, gaps in self.cells)


@dataclass
class CoachingPage:
    kam: User
    quarters: list  # [(first day, label)]
    trend: list  # [TrendRow]
    tags: list  # the latest CoachingTags
    sessions: list  # CoachingSessions, newest first
    tag_count: int = 0


def trend(*, kam, today=None) -> tuple[list, list]:
    """(quarters, rows): the strengths and gaps tagged on ``kam`` per competence and
    quarter over the last TREND_QUARTERS quarters, by the day each tag was made. The
    active competences and those tagged in the window; two queries."""
    today = today or timezone.localdate()
    quarters = last_quarters(today)
    counts = {
        (row["competence_id"], row["quarter"], row["kind"]): row["n"]
        for row in CoachingTag.objects.filter(
            kam=kam, tagged_on__gte=quarters[0], tagged_on__lte=today
        )
        .annotate(quarter=TruncQuarter("tagged_on"))
        .values("competence_id", "quarter", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    tagged = {competence_id for competence_id, _q, _k in counts}
    competences = Competence.objects.filter(Q(active=True) | Q(pk__in=tagged))
    rows = []
    for competence in competences.order_by("order", "pk"):
        cells = [
            (
                counts.get((competence.pk, quarter, TagKind.STRENGTH), 0),
                counts.get((competence.pk, quarter, TagKind.GAP), 0),
            )
            for quarter in quarters
        ]
        rows.append(TrendRow(competence, cells))
    return [(quarter, quarter_label(quarter)) for quarter in quarters], rows


def tags_with_records():
    return CoachingTag.objects.select_related(
        "competence", "tagged_by", "visit__account", "plan__account"
    )


def coaching_page(*, kam, today=None) -> CoachingPage:
    """A KAM's coaching page: the trend, the latest tags with their visit or plan, the
    sessions. Four queries whatever the number of tags and sessions."""
    quarters, rows = trend(kam=kam, today=today)
    tags = list(tags_with_records().filter(kam=kam).order_by("-tagged_on", "-pk")[:LATEST_TAGS])
    sessions = list(
        CoachingSession.objects.filter(kam=kam)
        .select_related("recorded_by")
        .order_by("-held_on", "-pk")
    )
    return CoachingPage(kam=kam, quarters=quarters, trend=rows, tags=tags, sessions=sessions)


def record_tags(*, reader, visit=None, plan=None) -> list:
    """The tags of a reviewed visit or plan that ``reader`` may read (those of the KAMs
    whose coaching they see), in the competences' order: one query."""
    tags = tags_with_records().filter(kam__in=coaching_kams(reader).values("pk"))
    tags = tags.filter(visit=visit) if visit is not None else tags.filter(plan=plan)
    return list(tags.order_by("competence__order", "competence_id"))


# --- the follow-up reminders (reminders.engine) --------------------------------------------


def follow_up_sql() -> str:
    """The reminder sweep's candidates for coaching follow-ups (reminders.engine's eight
    columns): a session whose follow-up date has come, due on that date, to the
    supervisor who recorded it; the link is the KAM's coaching page."""
    quote = connection.ops.quote_name
    table = quote(CoachingSession._meta.db_table)
    users = quote(apps.get_model("kam.User")._meta.db_table)
    name = User.display_name_sql("k")
    return f"""
    SELECT %(k_coaching_follow_up)s::text, %(s_coaching_session)s::text, s.id, s.follow_up_on,
           s.recorded_by_id, NULL::bigint,
           %(u_coaching_0)s::text || s.kam_id || %(u_coaching_1)s::text || '#session-' || s.id,
           jsonb_build_object('kam', {name}, 'title', s.title,
                              'due', to_char(s.follow_up_on, 'YYYY-MM-DD'))
    FROM {table} s JOIN {users} k ON k.id = s.kam_id
    WHERE s.follow_up_on IS NOT NULL AND s.follow_up_on <= %(today)s"""  # noqa: S608


def follow_up_params(context) -> dict:
    """The parameters of ``follow_up_sql``: the coaching page's URL around the KAM's id."""
    before, after = reverse("coaching:kam", args=[987654321]).split("987654321")
    return {"u_coaching_0": before, "u_coaching_1": after}
