"""Pages of the integrations app: API tokens (everyone's own), service users and
webhooks (admins), and the accounts and contacts imports."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from accounts import imports
from accounts.bulk import BatchRejectedError
from integrations import services
from integrations.forms import (
    ImportUploadForm,
    ServiceUserForm,
    TokenForm,
    WebhookForm,
    mapping_choices,
)
from integrations.models import ApiToken, ServiceUser, WebhookDelivery, WebhookSubscription
from kam import exports, uploads
from kam.capabilities import CapabilityRequiredMixin
from kam.forms import add_service_errors
from kam.models import User
from kam.scoping import CHANGE
from kam.uploads import FileRejectedError
from kam.views import WriteRoleRequiredMixin

# --- tokens ---------------------------------------------------------------------------------


class TokenListView(LoginRequiredMixin, View):
    """The user's own API tokens: create (the key is shown once), list, revoke."""

    template_name = "integrations/token_list.html"

    def render(self, form, new_key=None, status=200):
        tokens = ApiToken.objects.of(self.request.user)
        context = {"form": form, "tokens": tokens, "new_key": new_key}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render(TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        try:
            _meta, key = services.token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render(form)
        return self.render(TokenForm(), new_key=key)


class TokenRevokeView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        raw = str(request.POST.get("token", ""))
        if not (raw.isascii() and raw.isdigit() and len(raw) < 19):  # an id, not text
            raise Http404
        token = ApiToken.objects.of(request.user).filter(pk=raw).first()
        if token is None:
            raise Http404
        services.token_revoke(actor=request.user, token=token)
        messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
        return redirect("integrations:tokens")


# --- service users ----------------------------------------------------------------------------


class ServiceUserListView(CapabilityRequiredMixin, View):
    capability = "service_users.manage"
    template_name = "integrations/service_user_list.html"

    def render(self, form, token_form=None, new_key=None, key_user=None):
        context = {
            "form": form,
            "token_form": token_form or TokenForm(),
            "service_users": ServiceUser.objects.visible_to(self.request.user)
            .select_related("user")
            .order_by("user__username"),
            "tokens": ApiToken.objects.filter(
                user__service__in=ServiceUser.objects.visible_to(self.request.user)
            ).select_related("user"),
            "new_key": new_key,
            "key_user": key_user,
        }
        return render(self.request, self.template_name, context)

    def get(self, request):
        return self.render(ServiceUserForm())

    def post(self, request):
        form = ServiceUserForm(request.POST)
        if form.is_valid():
            try:
                service = services.service_user_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("%(name)s is created.") % {"name": service.user.username}
                )
                return redirect("integrations:service-users")
        return self.render(form)


class ServiceUserTokenView(CapabilityRequiredMixin, View):
    """A token for a service user, shown once."""

    capability = "service_users.manage"
    http_method_names = ["post"]

    def post(self, request):
        services_users = ServiceUser.objects.visible_to(request.user)
        user = get_object_or_404(
            User.objects.filter(service__in=services_users), pk=request.POST.get("user") or 0
        )
        form = TokenForm(request.POST)
        page = ServiceUserListView()
        page.request = request
        if not form.is_valid():
            return page.render(ServiceUserForm(), token_form=form)
        _meta, key = services.token_create(actor=request.user, user=user, **form.cleaned_data)
        return page.render(ServiceUserForm(), new_key=key, key_user=user)


# --- webhooks ---------------------------------------------------------------------------------


class WebhookListView(CapabilityRequiredMixin, View):
    capability = "webhooks.manage"
    template_name = "integrations/webhook_list.html"

    def render(self, form):
        context = {
            "form": form,
            "subscriptions": WebhookSubscription.objects.visible_to(self.request.user),
            "deliveries": WebhookDelivery.objects.visible_to(self.request.user).select_related(
                "subscription", "event"
            )[:50],
        }
        return render(self.request, self.template_name, context)

    def get(self, request):
        return self.render(WebhookForm())

    def post(self, request):
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                subscription = services.subscription_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": subscription.name})
                return redirect("integrations:webhook-detail", pk=subscription.pk)
        return self.render(form)


class WebhookDetailView(CapabilityRequiredMixin, View):
    """One subscription: its settings (admins edit them) and its delivery log. For
    anyone else it does not exist (404), like every record out of view."""

    capability = "webhooks.manage"
    template_name = "integrations/webhook_detail.html"

    def render(self, subscription, form):
        context = {
            "subscription": subscription,
            "form": form,
            "deliveries": subscription.deliveries.select_related("event")[:100],
        }
        return render(self.request, self.template_name, context)

    def get(self, request, pk):
        subscription = get_object_or_404(
            WebhookSubscription.objects.visible_to(request.user), pk=pk
        )
        return self.render(subscription, WebhookForm(instance=subscription))

    def post(self, request, pk):
        visible = WebhookSubscription.objects.visible_to(request.user, CHANGE)
        subscription = get_object_or_404(visible, pk=pk)
        form = WebhookForm(request.POST, instance=visible.get(pk=pk))
        if form.is_valid():
            try:
                services.subscription_update(
                    actor=request.user, subscription=subscription, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": subscription.name})
                return redirect("integrations:webhook-detail", pk=pk)
        return self.render(subscription, form)


class DeliveryRedeliverView(CapabilityRequiredMixin, View):
    capability = "webhooks.manage"
    http_method_names = ["post"]

    def post(self, request, pk):
        delivery = get_object_or_404(
            WebhookDelivery.objects.visible_to(request.user, CHANGE), pk=pk
        )
        services.delivery_redeliver(actor=request.user, delivery=delivery)
        messages.success(request, _("The delivery is queued to be sent again."))
        return redirect("integrations:webhook-detail", pk=delivery.subscription_id)


# --- imports ----------------------------------------------------------------------------------


#: rows shown on a page of the preview, and rows with problems listed at most
PREVIEW_ROWS = 50
PROBLEM_ROWS = 100


class ImportView(WriteRoleRequiredMixin, LoginRequiredMixin, View):
    """Upload, map the columns, preview with every wrong cell named, then import all or
    nothing. ``kind`` is accounts or contacts.

    The file is staged once (kam.uploads): the preview, "check again" and the import
    name it by a token, so no request carries the table; the preview shows a page of
    rows and the rows with problems."""

    capability = "accounts.import"

    kind = "accounts"
    template_name = "integrations/import.html"

    @property
    def stage_kind(self):
        return f"import:{self.kind}"

    def context(self, form, **extra):
        titles = {"accounts": _("Import accounts"), "contacts": _("Import contacts")}
        return {
            "form": form,
            "kind": self.kind,
            "title": titles[self.kind],
            "choices": mapping_choices(self.kind),
            "language": get_language(),
            **extra,
        }

    def refuse(self, request, error):
        form = ImportUploadForm(data={})
        form.is_valid()
        form.add_error("file", str(error))
        return render(request, self.template_name, self.context(form))

    def staged_table(self, staged):
        rows = uploads.upload_table(staged, max_rows=imports.MAX_ROWS)
        return imports.table_from(rows)

    def get(self, request):
        token = request.GET.get("upload")
        if not token:
            return render(request, self.template_name, self.context(ImportUploadForm()))
        job = uploads.upload_status(actor=request.user, kind=self.stage_kind, token=token)
        if job is not None and job.result.get("state"):
            return self.progress(request, job)
        try:
            staged = uploads.upload_get(actor=request.user, kind=self.stage_kind, token=token)
            table = self.staged_table(staged)
        except FileRejectedError as error:
            return self.refuse(request, error)
        mapping = staged.result.get("mapping") or imports.guess_mapping(self.kind, table["header"])
        return self.preview(request, staged, table, mapping)

    def post(self, request):
        upload = request.FILES.get("file")
        try:
            if upload:
                staged, rows = uploads.upload_stage(
                    actor=request.user, kind=self.stage_kind, upload=upload,
                    max_rows=imports.MAX_ROWS,
                )  # fmt: skip
                table = imports.table_from(rows)
                mapping = imports.guess_mapping(self.kind, table["header"])
            else:
                token = request.POST.get("upload")
                if not token:
                    raise FileRejectedError(_("Choose a file."))
                staged = uploads.upload_get(actor=request.user, kind=self.stage_kind, token=token)
                table = self.staged_table(staged)
                count = len(table["header"])
                mapping = [request.POST.get(f"map-{i}", "") for i in range(count)]
        except FileRejectedError as error:
            return self.refuse(request, error)
        known = set(imports.field_names(self.kind))
        mapping = [name if name in known else "" for name in mapping]
        staged.result = {**staged.result, "mapping": mapping}
        staged.save(update_fields=["result"])
        if request.POST.get("confirm"):
            return self.confirm(request, staged, table, mapping)
        return self.preview(request, staged, table, mapping)

    def confirm(self, request, staged, table, mapping):
        if not _duplicated(mapping) and len(table["rows"]) > imports.SYNC_ROWS:
            # a large file: a worker imports it (checking every row again, all or
            # nothing) and this page shows how far it got
            imports.import_queue(staged=staged, row_count=len(table["rows"]))
            return redirect(f"{request.path}?upload={staged.token}")
        if not _duplicated(mapping):
            try:
                result = imports.commit(self.kind, actor=request.user, table=table, mapping=mapping)
            except BatchRejectedError:
                pass  # the preview names the wrong rows
            else:
                uploads.upload_finish(staged, result=result)
                messages.success(
                    request,
                    _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                    % result,
                )
                return redirect(
                    "accounts:list" if self.kind == "accounts" else "accounts:contact-list"
                )
        return self.preview(request, staged, table, mapping)

    def progress(self, request, job):
        """A background import: its state, polled by htmx until it is done."""
        imports.import_requeue_stale(staged=job)
        state = job.result.get("state")
        context = self.context(
            ImportUploadForm(),
            job=job,
            state=state,
            finished=state in (imports.DONE, imports.FAILED),
            result=job.result,
            list_url=reverse(
                "accounts:list" if self.kind == "accounts" else "accounts:contact-list"
            ),
        )
        template = self.template_name
        if request.headers.get("HX-Request"):
            template = "integrations/_import_progress.html"
        response = render(request, template, context)
        response["Vary"] = "HX-Request"
        return response

    def preview(self, request, staged, table, mapping):
        duplicated = _duplicated(mapping)
        errors = {}
        if not duplicated:
            errors = imports.validate(self.kind, actor=request.user, table=table, mapping=mapping)
        labels = dict(mapping_choices(self.kind))
        column_of = {name: table["header"][i] for i, name in enumerate(mapping) if name}
        row_count = len(table["rows"])
        pages = max(1, -(-row_count // PREVIEW_ROWS))
        page = min(max(_int(request.GET.get("page"), 1), 1), pages)
        first = (page - 1) * PREVIEW_ROWS
        shown = set(range(first, min(first + PREVIEW_ROWS, row_count)))
        shown.update(sorted(errors)[:PROBLEM_ROWS])
        preview = []
        for index in sorted(shown):
            problems = [
                {
                    "column": column_of.get(field, labels.get(field, field)),
                    "field": field,
                    "messages": messages_,
                }
                for field, messages_ in errors.get(index, {}).items()
            ]
            preview.append(
                {"line": index + 2, "values": table["rows"][index], "problems": problems}
            )
        columns = [
            {"index": i, "header": header, "mapped": mapping[i]}
            for i, header in enumerate(table["header"])
        ]
        return render(
            request,
            self.template_name,
            self.context(
                ImportUploadForm(),
                upload=staged,
                columns=columns,
                preview=preview,
                duplicated=sorted(labels[name] for name in duplicated),
                error_count=len(errors),
                row_count=row_count,
                page=page,
                pages=pages,
                first_line=first + 2,
                last_line=min(first + PREVIEW_ROWS, row_count) + 1,
            ),
        )


def _duplicated(mapping) -> set:
    return {name for name in mapping if name and mapping.count(name) > 1}


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class AccountImportView(ImportView):
    kind = "accounts"


class ContactImportView(ImportView):
    kind = "contacts"


class ImportTemplateView(LoginRequiredMixin, View):
    """``?kind=accounts|contacts&lang=en|zh-hans&format=xlsx|csv``."""

    def get(self, request):
        kind = request.GET.get("kind", "accounts")
        kind = kind if kind in imports.FIELDS else "accounts"
        language = request.GET.get("lang") or get_language()
        language = "zh-hans" if language.lower().startswith("zh") else "en"
        file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
        columns, example = imports.template_columns(kind, language=language)
        with translation.override(language):
            return exports.export_response(
                request,
                what=f"import-template:{kind}",
                file_format=file_format,
                columns=columns,
                rows=[example],
                file_name=f"{kind}-template-{language}",
                title=kind,
                filters={"kind": kind, "lang": language},
            )
