"""In-app notifications (each user, their own), preferences and team IM channels (ops)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views import View
from django.views.generic import FormView

from kam.capabilities import CapabilityRequiredMixin, may
from kam.forms import add_service_errors
from kam.models import Notification
from kam.views import ScopedListView
from messaging import services
from messaging.forms import EmailPreferenceForm, TeamChannelForm
from messaging.models import Delivery, DeliveryStatus, TeamChannel
from messaging.senders import DeliveryError

CHANNEL_FIELDS = ["team", "provider", "name", "webhook_url", "secret", "kinds", "language",
                  "active"]  # fmt: skip


class NotificationListView(ScopedListView):
    queryset = Notification.objects.select_related("account")
    template_name = "messaging/notification_list.html"
    ordering = ["-created_at"]
    paginate_by = 30


class NotificationReadView(View):
    """POST: mark one notification (``pk``) or all of mine as read, then follow it."""

    def post(self, request, pk=None):
        if not request.user.is_authenticated:
            return redirect("login")
        mine = Notification.objects.visible_to(request.user).unread()
        target = "messaging:notifications"
        if pk is not None:
            notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
            mine = mine.filter(pk=pk)
            target = notification.url or target
        mine.update(read_at=timezone.now())
        return redirect(target)


class EmailPreferenceView(LoginRequiredMixin, FormView):
    form_class = EmailPreferenceForm
    template_name = "messaging/preferences.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["show_digest"] = may(self.request.user, "teams.lead")
        return kwargs

    def get_initial(self):
        preference = services.email_preference_for(self.request.user)
        return {"kinds": list(preference.kinds), "weekly_digest": preference.weekly_digest}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.email_preference_update(
                actor=self.request.user,
                kinds=data["kinds"],
                weekly_digest=data.get("weekly_digest", True),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("Your e-mail preferences are saved."))
        return redirect("messaging:preferences")


class TeamChannelsView(CapabilityRequiredMixin, FormView):
    """One page for ops: the channels, their delivery failures, a form to add or change
    one (``?edit=<id>``), and a "send test message" button per channel."""

    capability = "channels.manage"
    form_class = TeamChannelForm
    template_name = "messaging/channels.html"

    def _channels(self):
        return TeamChannel.objects.visible_to(self.request.user)

    def _editing(self):
        pk = self.request.POST.get("channel") or self.request.GET.get("edit")
        if not pk or not str(pk).isdigit():
            return None
        return get_object_or_404(self._channels(), pk=pk)

    def get_initial(self):
        channel = self._editing()
        if channel is None:
            return {"active": True}
        return {name: getattr(channel, name) for name in CHANNEL_FIELDS}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        failed = Q(deliveries__status=DeliveryStatus.FAILED)
        context["channels"] = (
            self._channels()
            .select_related("team")
            .annotate(
                sent=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
                pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
                failed=Count("deliveries", filter=failed),
            )
        )
        context["editing"] = self._editing()
        context["failures"] = (
            Delivery.objects.visible_to(self.request.user)
            .filter(Q(status=DeliveryStatus.FAILED) | Q(attempts__gt=0, status="pending"))
            .select_related("team_channel__team", "recipient")
            .order_by("-created_at", "-id")[:20]
        )
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "test":
            channel = self._editing()
            if channel is None:
                return redirect("messaging:channels")
            try:
                services.team_channel_send_test(actor=request.user, channel=channel)
            except DeliveryError as error:
                messages.error(
                    request,
                    gettext("The test message to %(channel)s failed: %(error)s")
                    % {"channel": channel, "error": error},
                )
            else:
                messages.success(
                    request, gettext("Test message sent to %(channel)s.") % {"channel": channel}
                )
            return redirect("messaging:channels")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            channel = services.team_channel_save(
                actor=self.request.user, channel=self._editing(), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("Channel %(channel)s saved.") % {"channel": channel})
        return redirect("messaging:channels")
