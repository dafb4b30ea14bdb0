"""Task forces: ``/api/v1/task-forces/`` (read: each complaint's task force with the tasks
the user sees), ``/api/v1/task-force-tasks/`` (read: the tasks the user sees, an assignee
their own even without the account; ``?mine=1`` only theirs) and
``POST /api/v1/task-force-tasks/<id>/complete/`` (the assignee, or whoever runs the task
force: ``{"note": "…"}``). Refusals in the API's error shape: 400 with the reason."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kam.api.viewsets import ScopedReadOnlyViewSet
from taskforce import services
from taskforce.models import Task, TaskForce


class TaskSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.local_name", read_only=True)
    assignee = serializers.CharField(source="assignee.display_name", read_only=True)
    assignee_id = serializers.IntegerField(read_only=True)
    complaint = serializers.IntegerField(source="task_force.complaint_id", read_only=True)
    done = serializers.BooleanField(source="is_done", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "complaint", "department", "assignee", "assignee_id", "description",
                  "due_on", "done", "done_at", "created_at"]  # fmt: skip
        read_only_fields = fields


class TaskForceSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="complaint.account_id", read_only=True)
    complaint_status = serializers.CharField(source="complaint.status", read_only=True)
    description = serializers.CharField(source="complaint.description", read_only=True)
    tasks = TaskSerializer(source="visible_tasks", many=True, read_only=True)

    class Meta:
        model = TaskForce
        fields = ["id", "complaint", "account", "complaint_status", "description",
                  "root_cause_detail",
                  "improvement", "created_at", "tasks"]  # fmt: skip
        read_only_fields = fields


class TaskCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class TaskForceViewSet(ScopedReadOnlyViewSet):
    """A complaint's task force: those who see its account, and its assignees (who get
    their own tasks only)."""

    queryset = TaskForce.objects.select_related("complaint").order_by("-created_at", "-pk")
    serializer_class = TaskForceSerializer
    write_capability = None
    filter_backends = []

    def refine_queryset(self, queryset):
        tasks = (
            Task.objects.visible_to(self.request.user)
            .select_related("department", "assignee", "task_force")
            .order_by("due_on", "pk")
        )
        return queryset.prefetch_related(Prefetch("tasks", queryset=tasks, to_attr="visible_tasks"))


class TaskViewSet(ScopedReadOnlyViewSet):
    queryset = Task.objects.select_related("department", "assignee", "task_force").order_by(
        "due_on", "pk"
    )
    serializer_class = TaskSerializer
    filter_backends = []

    def refine_queryset(self, queryset):
        if self.request.query_params.get("mine") in ("1", "true"):
            queryset = queryset.filter(assignee=self.request.user)
        return queryset

    @extend_schema(request=TaskCompleteSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"], serializer_class=TaskCompleteSerializer)
    def complete(self, request, pk=None):
        """Mark the task done, with an internal note (never on the customer report)."""
        task = self.get_object()
        serializer = TaskCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            task = services.task_complete(
                actor=request.user, task=task, note=serializer.validated_data["note"]
            )
        except PermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from None
        return Response(TaskSerializer(self.get_queryset().get(pk=task.pk)).data)


def register(router) -> None:
    router.register("task-forces", TaskForceViewSet, basename="task-force")
    router.register("task-force-tasks", TaskViewSet, basename="task-force-task")
