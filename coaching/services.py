"""Writes of coaching: a tag on a reviewed visit or plan, a coaching session, the
competences. Each re-checks who may, inside its transaction (404 when not)."""

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.models import CoachingSession, CoachingTag, Competence, CompetenceEvent
from coaching.selectors import may_record_for
from kam.scoping import VIEW, ensure_visible


def record_owner_id(*, visit=None, plan=None) -> int:
    """The KAM a tag on a record is about: the visit's author, the plan's account owner."""
    return visit.logged_by_id if visit is not None else plan.account.owner_id


@transaction.atomic
def coaching_tag_set(*, actor, competence, kind, note="", visit=None, plan=None) -> CoachingTag:
    """Tag a strength or a gap on a visit or a plan of a KAM ``actor`` leads; the same
    competence tagged again on the record changes its tag."""
    record = visit if visit is not None else plan
    ensure_visible(actor, record, VIEW)
    kam_id = record_owner_id(visit=visit, plan=plan)
    if not may_record_for(actor, kam_id):
        raise Http404
    if not competence.active:
        raise ValidationError({"competence": _("This competence is no longer in use.")})
    lookup = {"visit": visit} if visit is not None else {"plan": plan}
    tag = CoachingTag.objects.select_for_update().filter(competence=competence, **lookup).first()
    if tag is None:
        tag = CoachingTag(competence=competence, **lookup)
    tag.kam_id, tag.kind, tag.note = kam_id, kind, note
    tag.tagged_by, tag.tagged_on = actor, timezone.localdate()
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def coaching_session_record(*, actor, kam, **fields) -> CoachingSession:
    """Record a coaching session or a training of ``kam``, whom ``actor`` leads."""
    if not may_record_for(actor, kam.pk):
        raise Http404
    session = CoachingSession(kam=kam, recorded_by=actor, **fields)
    session.full_clean()
    if session.follow_up_on and session.follow_up_on < session.held_on:
        raise ValidationError(
            {"follow_up_on": _("The follow-up comes on or after the session's date.")}
        )
    session.save()
    return session


def competences_save(*, formset) -> list[Competence]:
    """Save the configuration page's competences (history: coaching.models.CompetenceEvent)."""
    with transaction.atomic():
        return formset.save()


def competences_history_baseline(*, using="default", **kwargs) -> int:
    """Record the creation of the competences that have no history yet (after migrate).

    The seeded competences are inserted by a migration, before ``migrate`` installs the
    history triggers, so their first change would have nothing to compare with. Each row
    without an event gets its "created" event once; returns how many."""
    connection = connections[using]
    if Competence._meta.db_table not in connection.introspection.table_names():
        return 0
    with transaction.atomic(using=using):
        missing = Competence.objects.using(using).exclude(
            pk__in=CompetenceEvent.objects.using(using).values("pgh_obj_id")
        )
        fields = [f.attname for f in Competence._meta.concrete_fields]
        events = [
            CompetenceEvent(pgh_label="insert", pgh_obj_id=competence.pk,
                            **{name: getattr(competence, name) for name in fields})
            for competence in missing
        ]  # fmt: skip
        CompetenceEvent.objects.using(using).bulk_create(events)
    return len(events)
