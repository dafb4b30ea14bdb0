"""What a role may do beyond seeing: the one capability table of the product.

``kam.scoping`` decides who *sees* which rows (and may change them, object by
object); this table decides which *kinds* of action a role may take at all:
configure the pipeline, approve plans, review tiers, purge, manage tokens and
webhooks, and so on. Everything else reads it through

- ``may(user, capability)`` in services, views, forms and templates (``user|may:"…"``);
- ``CapabilityRequiredMixin`` (``capability = "…"``) on pages;
- ``CapabilityPermission`` (``capability`` / ``write_capability`` on the viewset, or
  ``requires("…")`` on one action) in the API.

A user without the capability gets 404, the same answer as for an object outside
the visibility rule: a page or action that is not yours does not exist for you.
A role comparison anywhere else is a defect; the access matrix test reads this
table, so a capability added here is checked there.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from kam.choices import Role

KAM, SUPERVISOR, EXECUTIVE, ADMIN = (
    Role.ACCOUNT_MANAGER,
    Role.SUPERVISOR,
    Role.EXECUTIVE,
    Role.ADMIN,
)

# capability: (the roles that hold it, what it allows)
CAPABILITIES = {
    # records (accounts, contacts, visits, plans, opportunities, complaints, …)
    "records.change": (
        {KAM, SUPERVISOR, ADMIN},
        "create and change records (executives read only)",
    ),
    "accounts.own": ({KAM, SUPERVISOR}, "own accounts and opportunities"),
    "accounts.assign": ({SUPERVISOR, ADMIN}, "give an account to someone else than oneself"),
    "accounts.handover": ({SUPERVISOR, ADMIN}, "hand accounts over to a colleague"),
    "accounts.import": ({KAM, SUPERVISOR, ADMIN}, "import and bulk-upsert accounts and contacts"),
    "accounts.purge": ({ADMIN}, "purge archived accounts and read the purge log"),
    "teams.lead": ({SUPERVISOR}, "lead a team (and get its weekly digest)"),
    "teams.all": ({ADMIN}, "act for every team where a supervisor acts for the teams they lead"),
    "visits.comment": ({SUPERVISOR, ADMIN}, "review (comment on) a team member's visit"),
    # plans, actuals and quotas
    "plans.approve": ({SUPERVISOR, ADMIN}, "approve or return the plans of the team one leads"),
    "plans.submit_any": ({ADMIN}, "submit a plan on behalf of its account's owner"),
    "actuals.import": ({ADMIN}, "load actuals from the ERP"),
    "quotas.set": ({SUPERVISOR, ADMIN}, "set the quotas of the team one leads"),
    # tiering
    "tiers.override": ({SUPERVISOR, ADMIN}, "override an account's tier"),
    "tier_reviews.review": ({SUPERVISOR, ADMIN}, "open and submit the tier review of one's team"),
    "tier_reviews.decide": ({ADMIN}, "approve or return a submitted tier review"),
    # configuration
    "pipeline.configure": ({ADMIN}, "configure stages and product lines"),
    "scoring.configure": ({ADMIN}, "edit the scoring model and run a scoring"),
    "health.configure": ({ADMIN}, "edit the health settings and run a health check"),
    "service.configure": ({ADMIN}, "edit the complaint response commitments"),
    "policy.configure": ({ADMIN}, "edit the tier service policy (a new version each time)"),
    "users.manage": ({ADMIN}, "manage users and teams; open the admin site (every permission)"),
    "records.view_all": ({EXECUTIVE, ADMIN}, "hold every view permission of the admin site"),
    # integrations and notification delivery
    "tokens.manage_others": ({ADMIN}, "revoke other people's API tokens"),
    "service_users.manage": ({ADMIN}, "create service users and their tokens"),
    "webhooks.manage": ({ADMIN}, "manage webhooks and redeliver their events"),
    "channels.manage": ({ADMIN}, "manage the IM channels"),
    # dashboards
    "dashboard.team": ({SUPERVISOR, EXECUTIVE, ADMIN}, "open the team dashboard"),
    # scorecards and incentives (a KAM reads their own scorecard)
    "scorecard.team": (
        {SUPERVISOR, EXECUTIVE, ADMIN},
        "compare the scorecards of a team's KAMs (a supervisor: the teams they lead)",
    ),
    "scorecard.all": ({EXECUTIVE, ADMIN}, "read every team's scorecards"),
    "incentives.preview": (
        {SUPERVISOR, EXECUTIVE, ADMIN},
        "preview the bonus the incentive rule would pay (never a payroll)",
    ),
    "incentives.configure": ({ADMIN}, "set the scorecard's measures and the incentive rule"),
    # weekly and monthly reports (workreports)
    "work_reports.write": ({KAM}, "receive, complete and submit one's weekly and monthly reports"),
    "work_reports.team": (
        {SUPERVISOR, EXECUTIVE, ADMIN},
        "open the team's reports page (a supervisor: the teams they lead)",
    ),
    "work_reports.all": ({EXECUTIVE, ADMIN}, "read every team's weekly and monthly reports"),
    "work_reports.review": ({SUPERVISOR, ADMIN}, "comment on the reports of the teams one leads"),
    # coaching (a KAM reads their own coaching page)
    "coaching.record": (
        {SUPERVISOR, ADMIN},
        "tag strengths and gaps and record coaching sessions for the team one leads",
    ),
    "coaching.all": ({EXECUTIVE, ADMIN}, "read every KAM's coaching page"),
    "coaching.configure": ({ADMIN}, "configure the competences"),
    # credit and receivables (credit)
    "credit.configure": ({ADMIN}, "set the credit warning levels"),
    "credit.review": ({SUPERVISOR, ADMIN}, "record the credit review of an account one sees"),
    "credit.report": (
        {SUPERVISOR, EXECUTIVE, ADMIN},
        "open the credit exposure report (a supervisor: the teams they see)",
    ),
    # the account lifecycle (lifecycle)
    "lifecycle.configure": ({ADMIN}, "read and change the lifecycle rules"),
    "lifecycle.override": (
        {SUPERVISOR, ADMIN},
        "set the lifecycle stage of an account one sees by hand, or lift the override",
    ),
    "lifecycle.report": (
        {SUPERVISOR, EXECUTIVE, ADMIN},
        "open the customer lifetime value report (a supervisor: the teams they see)",
    ),
    # the candidate key account pool (candidates)
    "candidates.review": ({SUPERVISOR, ADMIN}, "promote a candidate into an account or dismiss it"),
    "candidates.import": ({ADMIN}, "import and bulk-upsert candidates"),
    "candidates.configure": ({ADMIN}, "set the candidate pool's proposal rule"),
    # the task force of a serious complaint (taskforce)
    "taskforce.configure": ({ADMIN}, "configure the departments task forces draw on"),
    "taskforce.assign": (
        {KAM, SUPERVISOR, ADMIN},
        "assign task force tasks on a complaint one owns or whose owner one leads",
    ),
}

# where "home" takes a role: My day, the team dashboard or the site's home page
HOME_PAGES = {KAM: "my-day", SUPERVISOR: "team", EXECUTIVE: "team", ADMIN: "home"}


def roles_with(capability):
    """The roles that hold ``capability`` (sorted, for SQL parameters and querysets)."""
    return sorted(CAPABILITIES[capability][0])


def may(user, capability):
    """Whether ``user`` may do ``capability``; an unknown capability is an error."""
    roles = CAPABILITIES[capability][0]
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.role in roles


def require(user, capability):
    """For views and services: missing (404) unless ``user`` may do ``capability``."""
    if not may(user, capability):
        raise Http404


def home_page(user):
    return HOME_PAGES.get(user.role, "home")


class CapabilityRequiredMixin:
    """A page for the holders of ``capability`` (and, on writes, of
    ``write_capability``): anyone else gets 404, an anonymous visitor the sign-in page."""

    capability = None
    write_capability = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if self.capability is not None:
            require(request.user, self.capability)
        if self.write_capability is not None and request.method not in SAFE_METHODS:
            require(request.user, self.write_capability)
        return super().dispatch(request, *args, **kwargs)


class CapabilityPermission(BasePermission):
    """The API's one permission: a signed-in user; ``view.capability`` for every
    request and ``view.write_capability`` ("records.change" unless the view says
    otherwise) for writes. Without it: 404, like an object outside the rule. A
    read-only token is refused writes with 403 (the token, not the user, is limited)."""

    default_write_capability = "records.change"

    def capabilities(self, request, view):
        needed = [getattr(view, "capability", None)]
        if request.method not in SAFE_METHODS:
            needed.append(getattr(view, "write_capability", self.default_write_capability))
        return [capability for capability in needed if capability]

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method not in SAFE_METHODS and getattr(request.auth, "read_only", False):
            self.message = _("This API token is read-only.")
            return False
        for capability in self.capabilities(request, view):
            if not may(user, capability):
                raise exceptions.NotFound
        return True


def requires(capability):
    """``CapabilityPermission`` for one action: writes need ``capability`` too."""

    class Required(CapabilityPermission):
        def capabilities(self, request, view):
            return [*super().capabilities(request, view), capability]

    CAPABILITIES[capability]  # an unknown capability fails at import time
    Required.__name__ = f"Requires_{capability.replace('.', '_')}"
    return Required
