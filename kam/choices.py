from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", _("Key account manager")
    SUPERVISOR = "supervisor", _("KA supervisor")
    EXECUTIVE = "executive", _("Executive")
    ADMIN = "admin", _("Sales operations / admin")


class Action(models.TextChoices):
    VIEW = "view", _("view")
    CHANGE = "change", _("change")
    DELETE = "delete", _("delete")


class NotificationKind(models.TextChoices):
    VISIT_COMMENTED = "visit_commented", _("Visit reviewed")
    KEY_CONTACT_LEFT = "key_contact_left", _("Key contact left")
    ACCOUNT_RECEIVED = "account_received", _("Account handed over to you")
    ACCOUNT_HANDED_OVER = "account_handed_over", _("Account handed over")
    TIER_CHANGED = "tier_changed", _("Tier changed")
    TIER_REVIEW_SUBMITTED = "tier_review_submitted", _("Tier review submitted")
    TIER_REVIEW_RETURNED = "tier_review_returned", _("Tier review returned")
    PLAN_SUBMITTED = "plan_submitted", _("Account plan submitted")
    PLAN_APPROVED = "plan_approved", _("Account plan approved")
    PLAN_RETURNED = "plan_returned", _("Account plan returned")
    COMPLAINT_BREACHED = "complaint_breached", _("Complaint response deadline breached")
    HEALTH_RED = "health_red", _("Account health turned red")
    HEALTH_DROPPED = "health_dropped", _("Account health dropped")
    # reminders (the reminders app sends each exactly once)
    REVISIT_DUE = "revisit_due", _("Revisit due")
    CADENCE_OVERDUE = "cadence_overdue", _("Visit cadence overdue")
    CADENCE_ESCALATED = "cadence_escalated", _("Visit cadence twice overdue")
    ACTION_ITEM_DUE = "action_item_due", _("Plan action item due")
    COMPLAINT_DUE_SOON = "complaint_due_soon", _("Complaint response due soon")
    COMPLAINT_OVERDUE = "complaint_overdue", _("Complaint response overdue")
    CONTRACT_RENEWAL = "contract_renewal", _("Contract renewal coming up")
    PLAN_AWAITING_APPROVAL = "plan_awaiting_approval", _("Account plan awaiting approval")
    COACHING_FOLLOW_UP = "coaching_follow_up", _("Coaching follow-up due")
    # the tier service policy (accounts.policy): each shortfall once a year
    POLICY_PLAN = "policy_plan", _("Service policy: account plan missing")
    POLICY_SPONSOR = "policy_sponsor", _("Service policy: executive sponsor missing")
    POLICY_CONTACTS = "policy_contacts", _("Service policy: contact levels not met")
    POLICY_EXECUTIVE_MEETINGS = (
        "policy_executive_meetings",
        _("Service policy: executive meetings below target"),
    )
    # credit and receivables (the credit check warns once per level and episode)
    CREDIT_WARNING = "credit_warning", _("Credit exposure near the limit")
    CREDIT_OVER_LIMIT = "credit_over_limit", _("Credit exposure over the limit")
    CREDIT_OVERDUE = "credit_overdue", _("Receivables overdue more than 90 days")
    LIFECYCLE_MOVED = "lifecycle_moved", _("Lifecycle stage changed")
    # weekly and monthly reports (workreports)
    WORK_REPORT_DRAFTED = "work_report_drafted", _("Work report drafted")
    WORK_REPORT_SUBMITTED = "work_report_submitted", _("Work report submitted")
    WORK_REPORT_COMMENTED = "work_report_commented", _("Work report commented")
    # the task force of a serious complaint (taskforce)
    TASK_FORCE_ASSIGNED = "task_force_assigned", _("Task force task assigned")
    TASK_FORCE_TASK_DUE = "task_force_task_due", _("Task force task due")
