"""In-app notifications: how they are created and how their text reads.

The ``Notification`` rows keep their model (and table) in ``kam.models``; the code that
writes them, renders them, lists them and delivers them is this app's."""

from django.utils.translation import gettext as _

from kam.choices import NotificationKind
from kam.models import Notification

_COMPLAINT_KINDS = (
    NotificationKind.COMPLAINT_BREACHED,
    NotificationKind.COMPLAINT_DUE_SOON,
    NotificationKind.COMPLAINT_OVERDUE,
)
#: the choices whose codes a notification's params store ({param: choices}), each read
#: in the reader's language: registered by the app that owns them (accounts: severity)
PARAM_CHOICES: dict = {"severity": (), "report": ()}

_CADENCE_KINDS = (NotificationKind.CADENCE_OVERDUE, NotificationKind.CADENCE_ESCALATED)
_WORK_REPORT_KINDS = (
    NotificationKind.WORK_REPORT_DRAFTED,
    NotificationKind.WORK_REPORT_SUBMITTED,
    NotificationKind.WORK_REPORT_COMMENTED,
)


def render_message(notification) -> str:
    params = {key: value for key, value in notification.params.items() if isinstance(key, str)}
    params.setdefault("account", "")
    if notification.kind in _COMPLAINT_KINDS and "severity" in params:
        # stored as the code so each reader gets it in their own language
        labels = dict(PARAM_CHOICES["severity"])
        params["severity"] = str(labels.get(params["severity"], params["severity"])).lower()
    if notification.kind in _CADENCE_KINDS and not params.get("last"):
        params["last"] = _("none yet")
    if notification.kind == NotificationKind.LIFECYCLE_MOVED:
        # the stages and the rule, stored as their codes (lifecycle registers the labels)
        labels = dict(PARAM_CHOICES.get("stage", ()))
        for key in ("old", "new"):
            params[key] = str(labels.get(params.get(key), params.get(key, "")))
        rules = dict(PARAM_CHOICES.get("rule", ()))
        params["rule"] = str(rules.get(params.get("rule"), params.get("rule", ""))).lower()
    if notification.kind in _WORK_REPORT_KINDS and "report" in params:
        # "week" or "month", stored as the code (workreports registers the labels)
        labels = dict(PARAM_CHOICES["report"])
        params["report"] = str(labels.get(params["report"], params["report"]))
    templates = {
        NotificationKind.VISIT_COMMENTED: _(
            "%(author)s commented on your visit to %(account)s: %(excerpt)s"
        ),
        NotificationKind.KEY_CONTACT_LEFT: _(
            "%(contact)s, a key contact, has left %(account)s: the relationship map has a gap."
        ),
        NotificationKind.ACCOUNT_RECEIVED: _("%(account)s was handed over to you by %(by)s."),
        NotificationKind.ACCOUNT_HANDED_OVER: _("%(account)s was handed over to %(to)s by %(by)s."),
        NotificationKind.TIER_CHANGED: _("%(account)s moved from tier %(old)s to tier %(new)s."),
        NotificationKind.TIER_REVIEW_SUBMITTED: _(
            "%(by)s submitted the tier review %(period)s of %(team)s for approval."
        ),
        NotificationKind.TIER_REVIEW_RETURNED: _(
            "%(by)s returned the tier review %(period)s of %(team)s."
        ),
        NotificationKind.PLAN_SUBMITTED: _(
            "%(by)s submitted the %(year)s plan of %(account)s for approval."
        ),
        NotificationKind.PLAN_APPROVED: _("%(by)s approved the %(year)s plan of %(account)s."),
        NotificationKind.PLAN_RETURNED: _(
            "%(by)s returned the %(year)s plan of %(account)s: %(comment)s"
        ),
        NotificationKind.COMPLAINT_BREACHED: _(
            "A %(severity)s-severity complaint from %(account)s, owned by %(owner)s, was not "
            "answered in time (due %(due)s)."
        ),
        NotificationKind.HEALTH_RED: _(
            "The health of %(account)s turned red: score %(new)s (was %(old)s)."
        ),
        NotificationKind.HEALTH_DROPPED: _(
            "The health score of %(account)s dropped from %(old)s to %(new)s."
        ),
        # reminders (reminders.engine)
        NotificationKind.REVISIT_DUE: _("A revisit to %(account)s is due (planned for %(due)s)."),
        NotificationKind.CADENCE_OVERDUE: _(
            "%(account)s has gone %(days)s days without a visit, past its %(cadence)s-day "
            "visit cadence (last visit: %(last)s)."
        ),
        NotificationKind.CADENCE_ESCALATED: _(
            "%(account)s, owned by %(owner)s, has gone %(days)s days without a visit, twice "
            "its %(cadence)s-day visit cadence (last visit: %(last)s)."
        ),
        NotificationKind.ACTION_ITEM_DUE: _(
            "The action item “%(title)s” of the %(year)s plan of %(account)s is due (%(due)s)."
        ),
        NotificationKind.COMPLAINT_DUE_SOON: _(
            "The first response to a %(severity)s-severity complaint from %(account)s is due "
            "at %(due)s."
        ),
        NotificationKind.COMPLAINT_OVERDUE: _(
            "The first response to a %(severity)s-severity complaint from %(account)s is "
            "overdue (due %(due)s): it has been escalated."
        ),
        NotificationKind.CONTRACT_RENEWAL: _(
            "Contract %(number)s with %(account)s ends on %(ends)s: prepare the renewal "
            "(%(days)s-day reminder)."
        ),
        NotificationKind.PLAN_AWAITING_APPROVAL: _(
            "The %(year)s plan of %(account)s, owned by %(owner)s, has been waiting for "
            "approval since %(since)s."
        ),
        # weekly and monthly reports (workreports)
        NotificationKind.WORK_REPORT_DRAFTED: _(
            "Your %(report)s for %(period)s is drafted from the data: complete it and submit it."
        ),
        NotificationKind.WORK_REPORT_SUBMITTED: _(
            "%(by)s submitted the %(report)s for %(period)s."
        ),
        NotificationKind.WORK_REPORT_COMMENTED: _(
            "%(author)s commented on your %(report)s for %(period)s: %(excerpt)s"
        ),
        NotificationKind.COACHING_FOLLOW_UP: _(
            "The follow-up of “%(title)s” with %(kam)s is due (%(due)s)."
        ),
        # the tier service policy (accounts.policy)
        NotificationKind.POLICY_PLAN: _(
            "%(account)s has no account plan for %(year)s, which its tier's service policy "
            "requires."
        ),
        NotificationKind.POLICY_SPONSOR: _(
            "%(account)s has no executive sponsor on its account team, which its tier's "
            "service policy requires."
        ),
        NotificationKind.POLICY_CONTACTS: _(
            "At %(account)s, contact levels its tier's service policy requires were not met "
            "within %(days)s days."
        ),
        NotificationKind.POLICY_EXECUTIVE_MEETINGS: _(
            "%(account)s has had %(meetings)s executive meetings with its sponsor this year; "
            "its tier's service policy sets %(target)s."
        ),
        # credit and receivables (credit.engine)
        NotificationKind.CREDIT_WARNING: _(
            "The credit exposure of %(account)s, %(exposure)s, has reached %(share)s%% of its "
            "credit limit of %(limit)s (warning at %(threshold)s%%)."
        ),
        NotificationKind.CREDIT_OVER_LIMIT: _(
            "The credit exposure of %(account)s, %(exposure)s, is over its credit limit of "
            "%(limit)s (%(share)s%%)."
        ),
        NotificationKind.CREDIT_OVERDUE: _(
            "%(account)s has %(overdue)s of receivables overdue more than 90 days."
        ),
        # the account lifecycle (lifecycle.engine)
        NotificationKind.LIFECYCLE_MOVED: _("%(account)s moved from %(old)s to %(new)s: %(rule)s."),
        # the task force of a serious complaint (taskforce)
        NotificationKind.TASK_FORCE_ASSIGNED: _(
            "%(by)s gave you a task force task on the complaint of %(account)s: %(task)s "
            "(due %(due)s)."
        ),
        NotificationKind.TASK_FORCE_TASK_DUE: _(
            "Your task force task on the complaint of %(account)s is due (%(due)s): %(task)s"
        ),
    }
    template = templates.get(notification.kind)
    if template is None:
        return notification.get_kind_display()
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return notification.get_kind_display()


def notify(*, recipients, kind, about=None, url="", **params):
    """Create one notification per distinct recipient; ``about`` is the account it
    concerns, ``params`` fill the message. Returns the notifications."""
    seen = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, kind=kind, account=about, url=url, params=params))
    return Notification.objects.bulk_create(rows)


def notify_each(*, kind, notes):
    """One notification per (recipient, url, params) of ``notes``, in one statement
    whatever their number (set-based jobs: each recipient's own link and details).
    Inactive recipients are skipped. Returns the notifications."""
    rows = [
        Notification(recipient=user, kind=kind, url=url, params=params)
        for user, url, params in notes
        if user is not None and user.is_active
    ]
    return Notification.objects.bulk_create(rows) if rows else []
